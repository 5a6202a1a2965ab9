"""Settings > Where the ledger lives: the ledger in use, and Change… (the first start's page)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QRadioButton
from pytestqt.qtbot import QtBot

from inventory import paths, workstation
from inventory.workstation import Server
from tests.people import staff
from tests.ui.helpers import find, open_dialog, wait_idle
from ui.ledger_choice import LedgerChoiceDialog
from ui.main_window import MainWindow

Opener = Callable[..., MainWindow]


def test_the_ledger_in_use_and_a_change_that_needs_a_restart(
    qtbot: QtBot, open_window: Opener, ledger_url: str
) -> None:
    window = open_window("settings")
    screen = window.screens["settings"]
    where = find(screen, QLabel, "Ledger location")
    assert where.text() == f"In use: This PC: {ledger_url.removeprefix('sqlite:///')}"

    find(screen, QPushButton, "Change where the ledger lives").click()
    dialog = open_dialog(qtbot, "Where the ledger lives", LedgerChoiceDialog)
    find(dialog, QRadioButton, "A PostgreSQL server").setChecked(True)
    find(dialog, QPushButton, "Save").click()  # nothing typed: said, nothing saved
    problem = find(dialog, QLabel, "Ledger choice problem")
    assert "Type the server's name" in problem.text()
    find(dialog, QPushButton, "Cancel").click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert not workstation.exists()

    find(screen, QPushButton, "Change where the ledger lives").click()
    dialog = open_dialog(qtbot, "Where the ledger lives", LedgerChoiceDialog)
    find(dialog, QRadioButton, "This PC (shared by all its users)").setChecked(True)
    find(dialog, QPushButton, "Save").click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    home = paths.data_dir()
    assert workstation.read() == workstation.this_pc(home)
    result = find(screen, QLabel, "Ledger location result")
    assert result.isVisible() and "Restart Sterile Ledger" in result.text()
    note = find(screen, QLabel, "Ledger location note")
    assert note.text() == f"From the next start: This PC: {home / 'ledger.sqlite3'}."
    wait_idle(qtbot, window)


def test_a_saved_server_is_shown_without_its_password(
    qtbot: QtBot, open_window: Opener
) -> None:
    server = Server(host="ledger-server", port=5432, database="ledger", user="sterile_app")
    workstation.write(server, password="not shown anywhere")
    window = open_window("settings")
    screen = window.screens["settings"]
    note = find(screen, QLabel, "Ledger location note")
    assert "Saved on this PC: PostgreSQL server ledger-server:5432" in note.text()
    assert "--db or STERILE_LEDGER_DB" in note.text()

    find(screen, QPushButton, "Change where the ledger lives").click()
    dialog = open_dialog(qtbot, "Where the ledger lives", LedgerChoiceDialog)
    assert find(dialog, QLineEdit, "Server").text() == "ledger-server"
    password = find(dialog, QLineEdit, "Server password")
    assert password.text() == "" and password.placeholderText().startswith("Saved")
    find(dialog, QPushButton, "Cancel").click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert workstation.saved_password("sterile_app") == "not shown anywhere"


def test_only_a_manager_changes_it(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("settings", actor=staff("Sam Okafor"))
    change = find(window.screens["settings"], QPushButton, "Change where the ledger lives")
    assert not change.isEnabled() and "Only a manager" in change.toolTip()
