"""The first start of a new ledger: the clinic, its first manager, then the codes.

A ledger without staff accounts cannot be used: every record names a signed-in person.
The first page asks the clinic's name, licence number and time zone (they head every
report, and expiry is checked against the clinic's date); they are saved, audited as
the new manager's settings, when the manager is made. The second page makes the first
manager (name, password twice), which also makes the clinic's keys
(inventory.staff.setup_clinic). The third page shows, once, what only this moment can
show: the recovery code that sets a new manager password when the only manager forgets
theirs, the verification key that checks the audit trail's seals (as text and a QR code;
inventory.seal), and the fingerprint of the clinic's signing certificate that inspectors
compare with a report's cover. The sheet can be printed straight to paper. The page
stays until "I have written down or printed both codes" is ticked; then the codes are
wiped from the dialog. (Where the ledger lives is asked before, by ui.ledger_choice.)
"""

from __future__ import annotations

import logging
import zoneinfo
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inventory import settings, staff
from inventory.access import Actor
from inventory.clock import default_timezone
from inventory.db import Database
from inventory.errors import LedgerError
from inventory.staff import MIN_PASSWORD, ClinicSetup
from ui.errors import show_unexpected
from ui.icons import icon
from ui.key_sheet import KeySheet, ask_and_print, two_lines
from ui.qr import qr_pixmap
from ui.widgets import button, hint, message, named, panel, prose, section, set_message, title
from ui.worker import Worker

log = logging.getLogger("sterile_ledger.ui")


def passwords_problem(password: str, again: str) -> str:
    """What is wrong with a new password typed twice ("" when nothing is)."""
    if password != again:
        return "The two passwords are not the same. Type the same password twice."
    if len(password) < MIN_PASSWORD:
        return f"A password needs at least {MIN_PASSWORD} characters."
    return ""


CLINIC_PAGE, MANAGER_PAGE, CODE_PAGE = range(3)


def zone_box(name: str = "Time zone") -> QComboBox:
    """Every IANA zone, typed or picked; matching anywhere in the name (\"sydney\")."""
    box = named(QComboBox(), name, "Expiry is checked against this zone's date")
    box.setEditable(True)
    zones = sorted(zoneinfo.available_timezones())
    box.addItems(zones)
    completer = QCompleter(zones, box)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    box.setCompleter(completer)
    return box


class FirstRunDialog(QDialog):
    """The clinic's details, the first manager; show the recovery code and fingerprint once."""

    def __init__(
        self, db: Database, *, signing_folder: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.signing_folder = signing_folder
        self.setup: ClinicSetup | None = None
        self.sheet: KeySheet | None = None
        self._actor: Actor | None = None
        self.worker = Worker(self)
        self.setWindowTitle("Sterile Ledger: first start")
        self.setAccessibleName("Create the clinic's first manager")
        self.setWindowIcon(icon("app"))
        self.pages = [self._clinic_page(), self._manager_page(), self._code_page()]
        self._page = CLINIC_PAGE
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        for page in self.pages:
            layout.addWidget(page)
        self.setMinimumWidth(680)
        self._show_page(CLINIC_PAGE)
        self.clinic_name.setFocus()

    def _show_page(self, index: int) -> None:
        """One page at a time, the dialog as tall as that page."""
        self._page = index
        for number, page in enumerate(self.pages):
            page.setVisible(number == index)
        self.adjustSize()
        layout = self.layout()  # wrapped labels: their height depends on the width
        if layout.hasHeightForWidth():
            self.resize(self.width(), max(self.height(), layout.totalHeightForWidth(self.width())))

    # -- page 1: the clinic

    def _clinic_page(self) -> QWidget:
        page = QWidget()
        self.clinic_name = named(
            QLineEdit(), "Clinic name", "As it should appear on every report"
        )
        self.clinic_name.setPlaceholderText("e.g. Harbour Skin Clinic")
        self.licence = named(
            QLineEdit(), "Licence number", "The clinic's licence or registration number"
        )
        self.licence.setPlaceholderText("As on the licence, e.g. SKN-2026-0142")
        self.timezone = zone_box()
        self.timezone.setCurrentText(default_timezone())
        self.clinic_name.returnPressed.connect(self.licence.setFocus)
        self.licence.returnPressed.connect(self.timezone.setFocus)
        self.clinic_problem = message("Clinic problem")
        self.clinic_problem.hide()
        self.next_button = button(
            "Next", "Next", "Keep these details and create the first manager", "", True
        )
        self.next_button.clicked.connect(self.to_manager)
        quit_button = button(  # its own name: the manager page has the other Quit
            "Quit", "Quit without setting up", "Close Sterile Ledger; nothing is created"
        )
        quit_button.setAutoDefault(False)
        quit_button.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("Clinic &name", self.clinic_name)
        form.addRow("&Licence number", self.licence)
        form.addRow("&Time zone", self.timezone)
        buttons = QHBoxLayout()
        buttons.addWidget(quit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(title("About the clinic", wrap=True))
        layout.addWidget(
            prose(
                "These head every compliance report an inspector reads. The time zone "
                "decides the clinic's date: a cartridge expires at the end of its expiry "
                "day there."
            )
        )
        layout.addLayout(form)
        layout.addWidget(
            hint("A manager can change them later in Settings; every change is audited.")
        )
        layout.addWidget(self.clinic_problem)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def clinic_values(self) -> dict[str, str]:
        """The clinic's settings as typed (empty ones are left as they are)."""
        values = {
            "clinic_name": self.clinic_name.text().strip(),
            "licence_number": self.licence.text().strip(),
            "timezone": self.timezone.currentText().strip(),
        }
        return {key: value for key, value in values.items() if value}

    def _clinic_problem(self) -> str:
        if not self.clinic_name.text().strip():
            return "Type the clinic's name."
        zone = self.timezone.currentText().strip()
        if zone not in zoneinfo.available_timezones():
            return (
                f"'{zone}' is not a time zone name. Pick one from the list, such as "
                "Europe/London or Australia/Sydney."
            )
        return ""

    def to_manager(self) -> None:
        problem = self._clinic_problem()
        if problem:
            set_message(self.clinic_problem, problem, "problem")
            self.clinic_problem.show()
            return
        self.clinic_problem.hide()
        self._show_page(MANAGER_PAGE)
        self.name.setFocus()

    # -- page 2: the first manager

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
        self.back_button = button("Back", "Back", "Back to the clinic's details")
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(lambda: self._show_page(CLINIC_PAGE))
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Password", self.password)
        form.addRow("Password &again", self.again)
        buttons = QHBoxLayout()
        buttons.addWidget(self.quit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(title("Create the clinic's first manager", wrap=True))
        layout.addWidget(
            prose(
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
        if self._page != MANAGER_PAGE:  # asked from elsewhere (a script): show what is made
            self._show_page(MANAGER_PAGE)
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
        db, folder, clinic_values = self.db, self.signing_folder, self.clinic_values()
        self.problem.hide()
        self.create_button.setEnabled(False)
        self.create_button.setText("Creating…")

        def set_up() -> tuple[ClinicSetup, KeySheet]:
            setup = staff.setup_clinic(
                db, name=name, password=password, legacy_signing_folder=folder
            )
            with db.read() as conn:
                stored = settings.read_all(conn)
            for key, value in clinic_values.items():  # audited as the new manager's
                if stored.get(key) != value:
                    try:
                        settings.set_value(db, key, value, by=setup.actor)
                    except LedgerError as error:  # the codes must still be shown, once
                        log.warning("first start: %s not saved: %s", key, error.message)
            with db.read() as conn:
                clinic, made_at = settings.clinic(conn).clinic_name, db.now(conn)
            sheet = KeySheet(
                clinic,
                setup.actor.name,
                made_at.astimezone(),
                setup.recovery_code,
                setup.verification_key,
                setup.fingerprint,
            )
            return setup, sheet

        self.worker.submit(
            set_up,
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

    def _created(self, made: tuple[ClinicSetup, KeySheet]) -> None:
        setup, self.sheet = made
        self.setup = setup
        self._actor = setup.actor
        self.password.clear()
        self.again.clear()
        self.code.setText(setup.recovery_code)
        self.key.setText(setup.verification_key)
        self.key_qr.setPixmap(qr_pixmap(setup.verification_key, module=3))
        self.fingerprint.setText(two_lines(setup.fingerprint))
        self.manager_line.setText(
            f"{setup.actor.name} is the clinic's first manager and is signed in."
        )
        self._show_page(CODE_PAGE)
        self.written.setFocus()

    # -- page 3: the recovery code and the fingerprint, once

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
        self.key = named(QLabel(), "Verification key")
        key_font = QFont(mono)
        key_font.setBold(True)
        self.key.setFont(key_font)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_qr = named(QLabel(), "Verification key QR code")
        self.key_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.print_button = button(
            "Print key sheet…",
            "Print key sheet",
            "Print the codes and the QR code straight to paper (nothing is saved on this PC)",
        )
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_sheet)
        self.written = named(
            QCheckBox("I have written down or printed both codes"),
            "I have written down or printed both codes",
            "Tick once both codes are on paper, away from this computer",
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
            prose(
                "If the only manager forgets their password, this code sets a new one. "
                "Whoever has it can take over the manager's account."
            )
        )
        key_panel = panel()
        key_row = QHBoxLayout(key_panel)
        key_text = QVBoxLayout()
        key_text.addWidget(section("Verification key"))
        key_text.addWidget(self.key)
        key_text.addWidget(
            prose(
                "It checks the audit trail's seals (Audit trail > Verify chain): with it, "
                "any change to past records shows, even one made with the ledger file in "
                "hand. Give a copy to the clinic's owner or the inspector. Whoever has it "
                "could forge the trail: keep it off this computer."
            )
        )
        key_row.addLayout(key_text, 1)
        key_row.addWidget(self.key_qr)
        print_panel = panel()
        print_box = QVBoxLayout(print_panel)
        print_box.addWidget(section("Signing certificate fingerprint (SHA-256)"))
        print_box.addWidget(self.fingerprint)
        print_box.addWidget(
            prose(
                "An inspector compares it with the one on a report's cover. It is not "
                "secret and is shown again on every report."
            )
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.written)
        buttons.addStretch(1)
        buttons.addWidget(self.continue_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(title("Write down the clinic's codes", wrap=True))
        layout.addWidget(self.manager_line)
        layout.addWidget(code_panel)
        layout.addWidget(key_panel)
        layout.addWidget(print_panel)
        layout.addWidget(self.not_yet)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def print_sheet(self) -> None:
        if self.sheet is not None:
            ask_and_print(self.sheet, self)

    # -- leaving

    @property
    def actor(self) -> Actor | None:
        """The first manager, signed in, once the code was written down (None before)."""
        return self._actor if self.result() == QDialog.DialogCode.Accepted else None

    @property
    def on_code_page(self) -> bool:
        return self._page == CODE_PAGE

    def accept(self) -> None:
        if not (self.on_code_page and self.written.isChecked()):
            return
        self.code.clear()  # shown once: nothing keeps them on screen or in this dialog
        self.key.clear()
        self.key_qr.clear()
        self.fingerprint.clear()
        self.setup = self.sheet = None
        super().accept()

    def reject(self) -> None:
        if self.on_code_page:  # the manager exists: the code must not be lost unseen
            set_message(
                self.not_yet,
                "The clinic is set up. Write both codes down (or print them), tick the "
                "box, then Continue: they are shown only this once.",
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
