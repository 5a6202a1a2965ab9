"""A manager overrides a positive screening answer, with a reason, for one session.

A manager at the chair gives the reason. A practitioner cannot override: a manager
comes to the chair and signs in here, with the same sign-in the app uses (ui.sign_in),
for this one action; the window stays signed in as the practitioner. A practitioner's
name and password are refused here, in words, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from inventory.access import Actor
from inventory.db import Database
from inventory.staff import SignedIn
from ui.dialogs import FormDialog
from ui.sign_in import SignInForm
from ui.widgets import ResultLabel, hint, named, set_message
from ui.worker import Worker


class OverrideDialog(FormDialog):
    """Who overrides (the signed-in manager, or one who signs in here) and why."""

    def __init__(
        self,
        db: Database,
        worker: Worker,
        *,
        actor: Actor,
        positives: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Manager override", "Override and open", parent)
        self.actor = actor
        self.manager: Actor | None = actor if actor.role == "manager" else None
        """The manager who overrides: the signed-in one, or one who signed in here."""
        quoted = "; ".join(f"“{q}”" for q in positives)
        intro = QLabel(
            f"The client answered Yes to {quoted}. The session opens only if a manager "
            "overrides, with a reason; the override is kept with the session. Cancel "
            "records that the session was refused (an answer given by mistake is changed "
            "on the form first)."
        )
        intro.setWordWrap(True)
        self.reason = named(
            QPlainTextEdit(), "Override reason", "Why this client is treated despite the answer"
        )
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("e.g. Acne is on the back, not the treated area")
        self.reason.setMinimumHeight(70)
        self.reason.textChanged.connect(self._check)
        self.who = ResultLabel("", "Overriding manager")
        self.who.setWordWrap(True)
        self.sign_in: SignInForm | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if self.manager is None:
            layout.addWidget(
                hint(
                    f"{actor.name} is signed in as a practitioner, who cannot override a "
                    "positive screening answer. A manager signs in here for this one "
                    "override; the window stays signed in as "
                    f"{actor.name}."
                )
            )
            self.sign_in = SignInForm(
                db,
                worker,
                action="Sign in as manager",
                record=True,
                check=_managers_only,
                parent=self,
            )
            self.sign_in.name.setPlaceholderText("The manager's name")
            self.sign_in.password.setPlaceholderText("The manager's password")
            self.sign_in.signed_in.connect(self._signed_in)
            layout.addWidget(self.sign_in)
        else:
            set_message(self.who, f"{self.manager.name} (manager) overrides.")
        layout.addWidget(self.who)
        layout.addWidget(QLabel("Reason for the override"))
        layout.addWidget(self.reason)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self._check()
        if self.sign_in is not None:
            self.sign_in.focus()
        else:
            self.reason.setFocus()

    def _signed_in(self, signed: SignedIn) -> None:
        self.manager = signed.actor
        assert self.sign_in is not None
        self.sign_in.setEnabled(False)
        set_message(
            self.who,
            f"{signed.actor.name} (manager) signed in for this override only.",
            "success",
        )
        self._check()
        self.reason.setFocus()

    def _check(self) -> None:
        self.ok.setEnabled(self.manager is not None and bool(self.override_reason()))

    def override_reason(self) -> str:
        return self.reason.toPlainText().strip()

    def override_by(self) -> Actor | None:
        """The Actor to pass as ``override_by``: None when the signed-in person is the
        manager (they override as themselves)."""
        if self.manager is None or self.manager is self.actor:
            return None
        return self.manager


def _managers_only(signed: SignedIn) -> str | None:
    if signed.actor.can("override"):
        return None
    return (
        f"{signed.actor.name} is signed in as a {signed.actor.role}, who cannot override a "
        "positive screening answer. A manager must sign in here."
    )
