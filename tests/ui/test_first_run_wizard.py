"""A PC's very first start, on an empty data folder: where the ledger lives, the clinic,
the first manager, the codes, then the main window. Both ways: this PC, and a real
PostgreSQL server that wants a password (tests.inventory.test_workstation).

The app's own event loops run (``run`` as main.py calls it); the steps act from timers
on whichever dialog is showing, finding every control by its accessible name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from inventory import audit, paths, settings, staff, workstation
from inventory.ledger import open_ledger
from inventory.models import AuditEvent
from inventory.workstation import Server, ThisPC
from tests.conftest import pg_or_fail
from tests.inventory.test_workstation import add_password_login, drop_login
from tests.pgserver import PgServer
from tests.ui.helpers import find
from ui.app import run
from ui.first_run import FirstRunDialog
from ui.ledger_choice import LedgerChoiceDialog
from ui.main_window import MainWindow

PASSWORD = "harbour clinic 7"
SERVER_PASSWORD = "Harbour-Clinic-7"


def _visible(kind: type[QWidget]) -> QWidget | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None


class Steps:
    """Acts on the dialogs as they open; a failed step closes everything so run() returns."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self.seen: dict[str, str] = {}

    def when(self, ready: Callable[[], QWidget | None], then: Callable[[QWidget], None]) -> None:
        def look() -> None:
            found = ready()
            if found is None:
                QTimer.singleShot(20, look)
                return
            try:
                then(found)
            except BaseException as error:
                self.errors.append(error)
                self.abandon()

        QTimer.singleShot(0, look)

    def shown(self, kind: type[QWidget], then: Callable[[QWidget], None]) -> None:
        self.when(lambda: _visible(kind), then)

    def abandon(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, FirstRunDialog) and widget.on_code_page:
                widget.written.setChecked(True)
                widget.accept()
            elif isinstance(widget, LedgerChoiceDialog | FirstRunDialog):
                widget.reject()
            elif isinstance(widget, MainWindow | QMessageBox):
                widget.close()

    # -- the clinic's pages, the same whichever the ledger

    def clinic_then_manager(self, dialog: QWidget) -> None:
        assert isinstance(dialog, FirstRunDialog)
        assert find(dialog, QLineEdit, "Clinic name").isVisible()
        find(dialog, QPushButton, "Next").click()  # nothing typed: refused in words
        assert "Type the clinic's name" in find(dialog, QLabel, "Clinic problem").text()
        find(dialog, QLineEdit, "Clinic name").setText("Harbour Skin Clinic")
        find(dialog, QLineEdit, "Licence number").setText("SKN-2026-0142")
        find(dialog, QComboBox, "Time zone").setCurrentText("Australia/Sydney")
        find(dialog, QPushButton, "Next").click()
        name = find(dialog, QLineEdit, "Manager's name")
        assert name.isVisible()
        name.setText("Amira Haddad")
        find(dialog, QLineEdit, "New password").setText(PASSWORD)
        find(dialog, QLineEdit, "New password again").setText(PASSWORD)
        find(dialog, QPushButton, "Create manager").click()
        self.when(lambda: dialog if dialog.on_code_page else None, self.codes)

    def codes(self, dialog: QWidget) -> None:
        assert isinstance(dialog, FirstRunDialog)
        self.seen["code"] = find(dialog, QLabel, "Recovery code").text()
        find(dialog, QCheckBox, "I have written down or printed both codes").setChecked(True)
        find(dialog, QPushButton, "Continue").click()
        self.shown(MainWindow, self.close_window)

    def close_window(self, window: QWidget) -> None:
        assert isinstance(window, MainWindow)
        self.seen["who"] = window.who.text()
        self.seen["where"] = window.where.text()
        window.close()

    def check(self) -> None:
        if self.errors:
            raise self.errors[0]


@pytest.fixture
def steps() -> Iterator[Steps]:
    made = Steps()
    yield made
    made.check()


def _clinic_is_set_up(db_url: str) -> None:
    db = open_ledger(db_url)
    try:
        with db.read() as conn:
            clinic = settings.clinic(conn)
            assert (clinic.clinic_name, clinic.licence_number, clinic.timezone) == (
                "Harbour Skin Clinic",
                "SKN-2026-0142",
                "Australia/Sydney",
            )
            assert staff.has_staff(conn)
            events = audit.verify(conn)
            # The clinic's details were set by the new manager, each an audited change.
            changed = conn.execute(
                select(AuditEvent.entity_id, AuditEvent.actor).where(
                    AuditEvent.entity == "setting"
                )
            ).all()
            assert {("clinic_name", "Amira Haddad"), ("licence_number", "Amira Haddad")} <= {
                tuple(row) for row in changed
            }
        assert staff.sign_in(db, "Amira Haddad", PASSWORD).actor.role == "manager"
    finally:
        db.dispose()
    assert events.ok


def test_this_pc_on_an_empty_data_folder(qtbot: QtBot, app: object, steps: Steps) -> None:
    home = paths.data_dir()
    assert not any(home.iterdir())

    def choose(dialog: QWidget) -> None:
        assert isinstance(dialog, LedgerChoiceDialog)
        folder = find(dialog, QLabel, "This PC's ledger folder")
        assert folder.text() == f"Folder: {home}"
        find(dialog, QRadioButton, "This PC (shared by all its users)").setChecked(True)
        find(dialog, QPushButton, "Continue").click()
        steps.shown(FirstRunDialog, steps.clinic_then_manager)

    steps.shown(LedgerChoiceDialog, choose)
    assert run([], db_url=None, user="") == 0
    steps.check()
    assert steps.seen["who"] == "Signed in as Amira Haddad (manager)"
    assert len(steps.seen["code"].split("-")) == 6

    assert workstation.read() == ThisPC(home / "ledger.sqlite3")
    text = workstation.config_path().read_text(encoding="utf-8")
    assert "where = this_pc" in text and str(home / "ledger.sqlite3") in text
    _clinic_is_set_up(f"sqlite:///{home / 'ledger.sqlite3'}")

    # The next start goes straight to signing in: the choice is not asked again.
    from ui.app import needs_location

    assert not needs_location(None)


def test_quitting_the_choice_keeps_nothing(qtbot: QtBot, app: object, steps: Steps) -> None:
    home = paths.data_dir()
    steps.shown(LedgerChoiceDialog, lambda d: find(d, QPushButton, "Quit").click())
    assert run([], db_url=None, user="") == 0
    assert not workstation.exists()
    assert not (home / "ledger.sqlite3").exists()


def test_a_damaged_workstation_file_is_explained(qtbot: QtBot, app: object, steps: Steps) -> None:
    path = workstation.config_path()
    path.write_text("[ledger]\nwhere = floppy\n", encoding="utf-8")

    def read(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        steps.seen["text"] = box.text()
        box.close()

    steps.shown(QMessageBox, read)
    assert run([], db_url=None, user="") == 3
    assert str(path) in steps.seen["text"] and "delete it" in steps.seen["text"]


# -- a PostgreSQL server


@pytest.fixture
def login(pg_server: PgServer | str) -> Iterator[tuple[PgServer, Server]]:
    server = pg_or_fail(pg_server)
    made = add_password_login(server, SERVER_PASSWORD)
    yield server, made
    drop_login(server, made)


def _fill_server(dialog: QWidget, login: Server, password: str) -> None:
    find(dialog, QRadioButton, "A PostgreSQL server").setChecked(True)
    find(dialog, QLineEdit, "Server").setText(login.host)
    find(dialog, QSpinBox, "Port").setValue(login.port)
    find(dialog, QLineEdit, "Database name").setText(login.database)
    find(dialog, QLineEdit, "User name").setText(login.user)
    find(dialog, QLineEdit, "Server password").setText(password)


def test_a_postgresql_server_on_an_empty_data_folder(
    qtbot: QtBot, app: object, steps: Steps, login: tuple[PgServer, Server]
) -> None:
    _server, server_login = login
    home = paths.data_dir()
    dialog = LedgerChoiceDialog(first_start=True)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    result = find(dialog, QLabel, "Connection test result")
    test = find(dialog, QPushButton, "Test connection")

    # A wrong password: the server's refusal, in words; Continue saves nothing.
    _fill_server(dialog, server_login, "not the password")
    test.click()
    qtbot.waitUntil(lambda: "refused" in result.text(), timeout=15_000)
    assert f"The server refused the password for user {server_login.user}" in result.text()
    assert "password authentication failed" in result.text()  # and the server's own words
    find(dialog, QPushButton, "Continue").click()
    qtbot.waitUntil(lambda: not dialog.page.testing, timeout=15_000)
    assert dialog.isVisible() and not workstation.exists()
    assert "Nothing was saved" in find(dialog, QLabel, "Ledger choice problem").text()

    # The right one: success, in words.
    find(dialog, QLineEdit, "Server password").setText(SERVER_PASSWORD)
    test.click()
    qtbot.waitUntil(lambda: result.text().startswith("Connected"), timeout=15_000)
    assert "is empty: Sterile Ledger sets it up" in result.text()
    find(dialog, QPushButton, "Continue").click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert dialog.saved == server_login

    # The workstation file names the server, without the password; the password file has it.
    assert workstation.read() == server_login
    ini = workstation.config_path().read_text(encoding="utf-8")
    assert SERVER_PASSWORD not in ini
    assert SERVER_PASSWORD in workstation.passfile_path().read_text(encoding="utf-8")
    assert {p.name for p in home.iterdir()} >= {"workstation.ini", "workstation.pgpass"}

    # The start that follows opens the server's ledger (creating it) and sets up the clinic.
    steps.shown(FirstRunDialog, steps.clinic_then_manager)
    assert run([], db_url=None, user="") == 0
    steps.check()
    assert steps.seen["who"] == "Signed in as Amira Haddad (manager)"
    assert "postgresql" in steps.seen["where"]
    url = workstation.configured_url()
    assert url is not None and SERVER_PASSWORD not in url
    _clinic_is_set_up(url)
    assert not (home / "ledger.sqlite3").exists()  # nothing was made on this PC


def test_the_chooser_comes_back_when_the_chosen_ledger_cannot_open(
    qtbot: QtBot, app: object, steps: Steps, tmp_path: Path
) -> None:
    """A ledger file that is not a ledger: asked again, with the reason, nothing kept."""
    home = paths.data_dir()
    rounds: list[str] = []

    def choose(dialog: QWidget) -> None:
        rounds.append(find(dialog, QLabel, "Ledger choice problem").text())
        if len(rounds) == 1:
            (home / "ledger.sqlite3").write_bytes(b"not a database at all" * 100)
            find(dialog, QPushButton, "Continue").click()
            steps.when(lambda: _visible(LedgerChoiceDialog) if len(rounds) == 1 else None, again)
        else:
            find(dialog, QPushButton, "Quit").click()

    def again(dialog: QWidget) -> None:
        choose(dialog)

    steps.shown(LedgerChoiceDialog, choose)
    assert run([], db_url=None, user="") == 0
    assert len(rounds) == 2 and "could not be opened" in rounds[1]
    assert not workstation.exists()


# -- the first dashboard


def test_a_new_clinics_dashboard_says_what_to_do_first(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    from PySide6.QtWidgets import QFrame

    window = open_window("dashboard")
    steps = find(window.screens["dashboard"], QFrame, "Getting started")
    assert steps.isVisible()
    assert find(steps, QPushButton, "Add products").objectName() == "primary"
    find(steps, QPushButton, "Receive a delivery").click()
    assert window.current_screen() is window.screens["receive"]
    window.show_screen("dashboard")
    find(steps, QPushButton, "Add staff").click()
    assert window.current_screen() is window.screens["settings"]


def test_the_first_steps_go_once_stock_is_received(
    qtbot: QtBot, open_window: Callable[..., MainWindow], stocked: object
) -> None:
    from PySide6.QtWidgets import QFrame

    window = open_window("dashboard")
    assert not find(window.screens["dashboard"], QFrame, "Getting started").isVisible()
