"""Locking an unattended window: an idle timer over the whole app, and the lock page.

A chair PC is left alone between clients; a front-desk PC is shared. After the clinic's
``idle_lock_minutes`` without a key or a mouse (inventory.settings), the main window
locks: the lock page covers everything it showed (client references, the open session),
and only the person who was signed in, or a manager, unlocks it with their password.
Nothing is lost: the screens stay as they were, an open session stays open.

:class:`IdleWatch` is an application-wide event filter that restarts a single-shot timer
on every input event, wherever it lands (a dialog, a table, the scan field).
:class:`LockPage` is the page the window shows meanwhile.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from inventory.access import Actor
from inventory.db import Database
from inventory.staff import SignedIn
from ui.icons import icon
from ui.sign_in import SignInForm
from ui.widgets import hint, named
from ui.worker import Worker

MINUTE_MS = 60_000
_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.InputMethod,
    }
)


class IdleWatch(QObject):
    """Emits ``idle`` once no keyboard or mouse input has arrived for ``timeout_ms``."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, int(timeout_ms)))
        self._timer.timeout.connect(self.idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval()

    def set_timeout_ms(self, timeout_ms: int) -> None:
        """A new idle time, counted from now when watching."""
        self._timer.setInterval(max(1, int(timeout_ms)))
        if self._timer.isActive():
            self._timer.start()

    @property
    def watching(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def detach(self) -> None:
        """Stop for good (the window is closing): no more looking at the app's events."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and self._timer.isActive():
            self._timer.start()  # input: count the idle time from now
        return False


class LockPage(QWidget):
    """What a locked window shows: who was signed in, and a form to unlock or sign in.

    Locked (idle or Lock now), the person who was signed in or a manager unlocks it.
    Signed out, anyone with an active account signs in.
    """

    unlocked = Signal(object)
    """The :class:`SignedIn` of whoever unlocked (or signed in after a sign-out)."""

    def __init__(self, db: Database, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockPage")
        self.setAccessibleName("Locked")
        self.locked_actor: Actor | None = None
        self.signed_out = False
        self.headline = named(QLabel(), "Lock message")
        self.headline.setObjectName("screenTitle")
        self.headline.setWordWrap(True)
        self.explanation = hint("", "Lock explanation")
        self.form = SignInForm(
            db, worker, action="Unlock", record=self._record, check=self._may_unlock
        )
        self.form.signed_in.connect(self.unlocked)

        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(48, 48))
        head = QHBoxLayout()
        head.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.headline, 1)
        card = QFrame()
        card.setObjectName("panel")
        card.setMaximumWidth(640)
        box = QVBoxLayout(card)
        box.setContentsMargins(24, 20, 24, 18)
        box.setSpacing(12)
        box.addLayout(head)
        box.addWidget(self.explanation)
        box.addWidget(self.form)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def show_locked(self, actor: Actor, *, signed_out: bool = False) -> None:
        """Ready the page for ``actor``'s locked window (or for anyone, after a sign-out)."""
        self.locked_actor = actor
        self.signed_out = signed_out
        if signed_out:
            self.headline.setText(f"Signed out: {actor.name}")
            self.explanation.setText(
                "Sign in with your own name and password to use Sterile Ledger on this computer."
            )
            self.form.action = "Sign in"
            self.form.reset("")
        else:
            self.headline.setText(f"Locked: {actor.name} was signed in")
            self.explanation.setText(
                f"Nothing on screen is lost. {actor.name} unlocks with their password; a "
                "manager can unlock with their own name and password and carries on as "
                "themselves."
            )
            self.form.action = "Unlock"
            self.form.reset(actor.name)
        self.form.button.setAccessibleName(self.form.action)

    def focus(self) -> None:
        self.form.focus()

    def _record(self, name: str) -> bool:
        """Unlocking one's own window is not a new sign-in; anyone else's is recorded."""
        actor = self.locked_actor
        return self.signed_out or actor is None or name.casefold() != actor.name.casefold()

    def _may_unlock(self, signed: SignedIn) -> str | None:
        actor = self.locked_actor
        if self.signed_out or actor is None:
            return None
        if signed.actor.staff_id == actor.staff_id or signed.actor.role == "manager":
            return None
        return (
            f"Only {actor.name} or a manager can unlock this window: {actor.name}'s work is "
            f"on it. {signed.actor.name} can sign in once {actor.name} has signed out."
        )
