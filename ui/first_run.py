"""The first start of a new ledger: create the clinic's first manager, then the recovery code.

A ledger without staff accounts cannot be used: every record names a signed-in person.
The first page makes the first manager (name, password twice), which also makes the
clinic's keys (inventory.staff.setup_clinic). The second page shows, once, what only this
moment can show: the recovery code that sets a new manager password when the only manager
forgets theirs, and the fingerprint of the clinic's signing certificate that inspectors
compare with a report's cover. It stays until "I have written the recovery code down" is
ticked; then both are wiped from the dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
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
from inventory.staff import MIN_PASSWORD, ClinicSetup
from ui.errors import show_unexpected
from ui.icons import icon
from ui.widgets import button, hint, message, named, panel, section, set_message
from ui.worker import Worker


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("screenTitle")
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def _prose(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def passwords_problem(password: str, again: str) -> str:
    """What is wrong with a new password typed twice ("" when nothing is)."""
    if password != again:
        return "The two passwords are not the same. Type the same password twice."
    if len(password) < MIN_PASSWORD:
        return f"A password needs at least {MIN_PASSWORD} characters."
    return ""


class FirstRunDialog(QDialog):
    """Create the first manager; show the recovery code and the fingerprint once."""

    def __init__(
        self, db: Database, *, signing_folder: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.signing_folder = signing_folder
        self.setup: ClinicSetup | None = None
        self._actor: Actor | None = None
        self.worker = Worker(self)
        self.setWindowTitle("Sterile Ledger: first start")
        self.setAccessibleName("Create the clinic's first manager")
        self.setWindowIcon(icon("app"))
        self.pages = [self._manager_page(), self._code_page()]
        self._page = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        for page in self.pages:
            layout.addWidget(page)
        self.setMinimumWidth(600)
        self._show_page(0)
        self.name.setFocus()

    def _show_page(self, index: int) -> None:
        """One page at a time, the dialog as tall as that page."""
        self._page = index
        for number, page in enumerate(self.pages):
            page.setVisible(number == index)
        self.adjustSize()

    # -- page 1: the first manager

    def _manager_page(self) -> QWidget:
        page = QWidget()
        self.name = named(QLineEdit(), "Manager's name", "The name this manager signs in with")
        self.name.setPlaceholderText("e.g. Amira Haddad")
        self.password = named(QLineEdit(), "New password")
        self.again = named(QLineEdit(), "New password again")
        for field in (self.password, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"At least {MIN_PASSWORD} characters")
        self.name.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.again.setFocus)
        self.again.returnPressed.connect(self.create)
        self.problem = message("Problem")
        self.problem.hide()
        self.create_button = button(
            "Create manager", "Create manager", "Create the account and the clinic's keys", "", True
        )
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create)
        self.quit_button = button("Quit", "Quit", "Close Sterile Ledger; nothing is created")
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Password", self.password)
        form.addRow("Password &again", self.again)
        buttons = QHBoxLayout()
        buttons.addWidget(self.quit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(_heading("Create the clinic's first manager"))
        layout.addWidget(
            _prose(
                "This ledger has no staff accounts yet. Everyone signs in with their own "
                "name and password, so every record says who made it. The first account is "
                "a manager, who then adds the practitioners and anyone else in "
                "Settings > Staff."
            )
        )
        layout.addWidget(
            hint(
                "The password also locks the clinic's keys: a copy of the ledger file gives "
                "up no client reference and cannot sign a report without it."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def create(self) -> None:
        if not self.create_button.isEnabled():
            return
        name, password = self.name.text().strip(), self.password.text()
        if not name:
            self._problem("Type the manager's name.")
            self.name.setFocus()
            return
        problem = passwords_problem(password, self.again.text())
        if problem:
            self._problem(problem)
            self.again.clear()
            self.password.setFocus()
            self.password.selectAll()
            return
        db, folder = self.db, self.signing_folder
        self.problem.hide()
        self.create_button.setEnabled(False)
        self.create_button.setText("Creating…")
        self.worker.submit(
            lambda: staff.setup_clinic(
                db, name=name, password=password, legacy_signing_folder=folder
            ),
            success=self._created,
            failure=self._failed,
            owner=self,
            label="first manager",
        )

    def _problem(self, text: str) -> None:
        set_message(self.problem, text, "problem")
        if not self.problem.isVisible():
            self.problem.show()
            self.adjustSize()  # room for the line, without squeezing the fields

    def _failed(self, error: BaseException) -> None:
        self.create_button.setEnabled(True)
        self.create_button.setText("Create manager")
        if isinstance(error, LedgerError):
            self._problem(error.message)
        else:
            self._problem("The manager could not be created.")
            show_unexpected(self, error)

    def _created(self, setup: ClinicSetup) -> None:
        self.setup = setup
        self._actor = setup.actor
        self.password.clear()
        self.again.clear()
        self.code.setText(setup.recovery_code)
        self.fingerprint.setText(_two_lines(setup.fingerprint))
        self.manager_line.setText(
            f"{setup.actor.name} is the clinic's first manager and is signed in."
        )
        self._show_page(1)
        self.written.setFocus()

    # -- page 2: the recovery code and the fingerprint, once

    def _code_page(self) -> QWidget:
        page = QWidget()
        self.manager_line = named(QLabel(), "First manager")
        self.manager_line.setObjectName("success")
        self.manager_line.setWordWrap(True)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        big = QFont(mono)
        big.setPointSizeF(max(mono.pointSizeF(), 10.0) * 1.6)
        big.setBold(True)
        self.code = named(QLabel(), "Recovery code")
        self.code.setFont(big)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setStyleSheet("padding: 10px; letter-spacing: 1px;")
        self.fingerprint = named(QLabel(), "Signing certificate fingerprint")
        self.fingerprint.setFont(mono)
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.written = named(
            QCheckBox("I have written the recovery code down"),
            "I have written the recovery code down",
            "Tick once the code is on paper, away from this computer",
        )
        self.continue_button = button(
            "Continue", "Continue", "Open Sterile Ledger as the new manager", "", True
        )
        self.continue_button.setEnabled(False)
        self.written.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self.accept)
        self.not_yet = message("Recovery code reminder")
        self.not_yet.hide()

        code_panel = panel()
        code_box = QVBoxLayout(code_panel)
        code_box.addWidget(section("Recovery code"))
        code_box.addWidget(self.code)
        code_box.addWidget(
            _prose(
                "If the only manager forgets their password, this code sets a new one "
                "(python main.py staff recover). It is shown only now and the ledger keeps "
                "no readable copy. Write it on paper and keep it locked away from this "
                "computer: whoever has it can take over the manager's account."
            )
        )
        print_panel = panel()
        print_box = QVBoxLayout(print_panel)
        print_box.addWidget(section("Signing certificate fingerprint (SHA-256)"))
        print_box.addWidget(self.fingerprint)
        print_box.addWidget(
            _prose(
                "Reports are signed with the clinic's certificate. An inspector compares "
                "this fingerprint with the one printed on a report's cover. Note it beside "
                "the recovery code; it is not secret and is shown again on every report."
            )
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.written)
        buttons.addStretch(1)
        buttons.addWidget(self.continue_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(_heading("Write down the recovery code"))
        layout.addWidget(self.manager_line)
        layout.addWidget(code_panel)
        layout.addWidget(print_panel)
        layout.addWidget(self.not_yet)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    # -- leaving

    @property
    def actor(self) -> Actor | None:
        """The first manager, signed in, once the code was written down (None before)."""
        return self._actor if self.result() == QDialog.DialogCode.Accepted else None

    @property
    def on_code_page(self) -> bool:
        return self._page == 1

    def accept(self) -> None:
        if not (self.on_code_page and self.written.isChecked()):
            return
        self.code.clear()  # shown once: nothing keeps it on screen or in this dialog
        self.fingerprint.clear()
        self.setup = None
        super().accept()

    def reject(self) -> None:
        if self.on_code_page:  # the manager exists: the code must not be lost unseen
            set_message(
                self.not_yet,
                "The clinic is set up. Write the recovery code down, tick the box, then "
                "Continue: the code is shown only this once.",
                "problem",
            )
            self.not_yet.show()
            return
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.on_code_page:
            self.reject()
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.on_code_page and self.result() != QDialog.DialogCode.Accepted:
            self.reject()
            event.ignore()
            return
        super().closeEvent(event)
        self.worker.stop()

    def done(self, result: int) -> None:
        super().done(result)
        self.worker.stop()


def _two_lines(fingerprint: str) -> str:
    """The fingerprint as a report's cover groups it (by four), in two lines of eight."""
    groups = fingerprint.split()
    if len(groups) != 16:
        return fingerprint
    return " ".join(groups[:8]) + "\n" + " ".join(groups[8:])
