"""Signing in: a name and a password, checked off the main thread, refusals in words.

:class:`SignInForm` is the one form: the start-up :class:`SignInDialog` holds it, and so
does the lock page (ui.idle_lock). The check runs on a worker thread (argon2id takes a
moment and must not freeze the window). A wrong password says so, in the domain's words;
too many wrong tries make the next one wait, and the button counts the seconds down.
After a sign-in that came after failed tries for the same name, the form says how many
there were, once, and waits for "Continue": the person learns someone may have tried
their name.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inventory import staff
from inventory.access import Actor
from inventory.db import Database
from inventory.errors import LedgerError
from inventory.staff import SignedIn, SignInWait
from ui.errors import show_unexpected
from ui.icons import icon
from ui.widgets import button, hint, message, named, set_message
from ui.worker import Worker

Check = Callable[[SignedIn], str | None]
"""After a correct password: None to let the person in, or the sentence that refuses."""


class SignInForm(QWidget):
    """Name, password, a button; emits ``signed_in`` with the domain's :class:`SignedIn`."""

    signed_in = Signal(object)

    def __init__(
        self,
        db: Database,
        worker: Worker,
        *,
        name: str = "",
        action: str = "Sign in",
        record: Callable[[str], bool] | bool = True,
        check: Check | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.worker = db, worker
        self.action = action
        self.record = record
        self.check = check
        self.pending: SignedIn | None = None
        self._checking = False
        self._wait_left = 0
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(1000)
        self._wait_timer.timeout.connect(self._tick)

        self.name = named(QLineEdit(name), "Staff name", "Your name, as your manager set it up")
        self.name.setPlaceholderText("Your name")
        self.password = named(QLineEdit(), "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Your password")
        self.button = button(action, action, "", "", True)
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        self.continue_button = button(
            "Continue", "Continue", "I have read this: continue signed in", "", True
        )
        self.continue_button.clicked.connect(self._continue)
        self.continue_button.hide()
        self.message = message("Sign-in message")
        # Room for two lines, always: a refusal appearing never squeezes the fields.
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing() + 4)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.name.returnPressed.connect(self._name_entered)
        self.password.returnPressed.connect(self.submit)

        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Password", self.password)
        self.buttons = QHBoxLayout()
        buttons = self.buttons
        buttons.addStretch(1)
        buttons.addWidget(self.button)
        buttons.addWidget(self.continue_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    # -- what the person sees

    def reset(self, name: str = "") -> None:
        """Empty again (a new lock, a sign-out): the name given, no password, no message."""
        self.pending = None
        self.name.setText(name)
        self.password.clear()
        self._show("")
        self.name.setEnabled(True)
        self.password.setEnabled(True)
        self.continue_button.hide()
        self.button.show()
        self._update_button()

    def focus(self) -> None:
        (self.password if self.name.text().strip() else self.name).setFocus(
            Qt.FocusReason.OtherFocusReason
        )

    def _show(self, text: str, kind: str = "") -> None:
        set_message(self.message, text, kind)

    def _update_button(self) -> None:
        if self._checking:
            self.button.setText("Checking…")
            self.button.setEnabled(False)
        elif self._wait_left > 0:
            self.button.setText(f"{self.action} (wait {self._wait_left} s)")
            self.button.setEnabled(False)
        else:
            self.button.setText(self.action)
            self.button.setEnabled(True)

    @property
    def waiting(self) -> int:
        """Seconds until the next try is allowed (0: now)."""
        return self._wait_left

    # -- checking

    def _name_entered(self) -> None:
        if self.password.text():
            self.submit()
        else:
            self.password.setFocus()

    def submit(self) -> None:
        if self._checking or self._wait_left > 0 or self.pending is not None:
            return
        name, password = self.name.text().strip(), self.password.text()
        if not name:
            self._show("Type your name.", "problem")
            self.name.setFocus()
            return
        if not password:
            self._show("Type your password.", "problem")
            self.password.setFocus()
            return
        record = self.record(name) if callable(self.record) else self.record
        db = self.db
        self._checking = True
        self._update_button()
        self.worker.submit(
            lambda: staff.sign_in(db, name, password, record=record),
            success=self._checked,
            failure=self._refused,
            owner=self,
            label="sign in",
        )

    def _checked(self, signed: SignedIn) -> None:
        self._checking = False
        self.password.clear()
        refusal = self.check(signed) if self.check is not None else None
        if refusal:
            self._update_button()
            self._show(refusal, "problem")
            self.focus()
            return
        if signed.failures_before:
            # Said once, and read: the person learns that someone tried their name.
            self.pending = signed
            self._update_button()
            self._show(signed.sentence, "problem")
            self.name.setEnabled(False)
            self.password.setEnabled(False)
            self.button.hide()
            self.continue_button.show()
            self.continue_button.setFocus()
            return
        self._update_button()
        self._show("")
        self.signed_in.emit(signed)

    def _continue(self) -> None:
        signed, self.pending = self.pending, None
        if signed is not None:
            self.signed_in.emit(signed)

    def _refused(self, error: BaseException) -> None:
        self._checking = False
        self.password.clear()
        if isinstance(error, SignInWait):
            self._show(error.message, "problem")
            self._wait_left = max(1, int(error.seconds))
            self._wait_timer.start()
        elif isinstance(error, LedgerError):
            self._show(error.message, "problem")
        else:
            self._show("The sign-in could not be checked.", "problem")
            show_unexpected(self, error)
        self._update_button()
        self.focus()

    def _tick(self) -> None:
        self._wait_left = max(0, self._wait_left - 1)
        if self._wait_left == 0:
            self._wait_timer.stop()
            self._show("You can try again now.")
        self._update_button()


class SignInDialog(QDialog):
    """The start of the day: who is at this PC. Quit leaves the app without a trace."""

    def __init__(
        self,
        db: Database,
        *,
        user: str = "",
        clinic: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sterile Ledger: sign in")
        self.setAccessibleName("Sign in to Sterile Ledger")
        self.setWindowIcon(icon("app"))
        self.signed: SignedIn | None = None
        self.worker = Worker(self)
        self.form = SignInForm(db, self.worker, name=user)
        self.form.signed_in.connect(self._signed_in)
        self.quit_button = button("Quit", "Quit", "Close Sterile Ledger without signing in")
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self.reject)

        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(QSize(48, 48), self.devicePixelRatioF()))
        heading = QLabel("Sign in")
        heading.setObjectName("screenTitle")
        heading.setAccessibleName("Sign in")
        where = hint(clinic or "Sterile Ledger", "Clinic")
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(heading)
        titles.addWidget(where)
        head = QHBoxLayout()
        head.addWidget(logo)
        head.addLayout(titles, 1)
        self.form.buttons.insertWidget(0, self.quit_button)  # one row: Quit ... Sign in
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(12)
        layout.addLayout(head)
        layout.addWidget(
            hint(
                "Each person signs in with their own name and password: what you record "
                "carries your name."
            )
        )
        layout.addWidget(self.form)
        self.setMinimumWidth(480)
        self.form.focus()

    @property
    def actor(self) -> Actor | None:
        """Who signed in (None until someone has)."""
        return self.signed.actor if self.signed else None

    def _signed_in(self, signed: SignedIn) -> None:
        self.signed = signed
        self.accept()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.form.focus()

    def done(self, result: int) -> None:
        super().done(result)
        self.worker.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.worker.stop()
