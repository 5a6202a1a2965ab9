"""What each role sees: actions it cannot do are disabled and say who can; the chair's
practitioner is a staff account, fixed for a practitioner, chosen by a manager."""

from __future__ import annotations

import getpass
from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from inventory import receiving
from inventory.db import Database
from sterility import sessions
from tests.conftest import GTIN_05, box
from tests.people import clear_intake, staff
from tests.ui.chair_helpers import fill_intake, ready_room
from tests.ui.helpers import find, scan, wait_idle
from ui.main_window import MainWindow
from ui.scan_field import ScanField

Opener = Callable[..., MainWindow]


def items(combo: QComboBox) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_a_practitioner_cannot_receive_enter_recalls_or_change_settings(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("receive", actor=staff("Sam Okafor"))
    assert window.who.text() == "Signed in as Sam Okafor (practitioner)"
    receive = window.screens["receive"]
    scan(qtbot, find(receive, ScanField, "Scan box"), box(GTIN_05, "NEW9"))
    wait_idle(qtbot, window)
    assert receive.boxes and not receive.problem(receive.boxes[0])  # the box itself is fine
    button = find(receive, QPushButton, "Receive units")
    assert not button.isEnabled()
    assert button.toolTip() == (
        "Only a manager can receive deliveries. Sam Okafor is signed in as a practitioner."
    )
    assert find(receive, QLabel, "Receiving note").isVisible()

    recalls = window.show_screen("recalls")
    wait_idle(qtbot, window)
    enter = find(recalls, QPushButton, "Enter a recall notice")
    assert not enter.isEnabled()
    assert enter.toolTip().startswith("Only a manager can enter, handle or close recalls.")
    assert not find(recalls, QPushButton, "Close recall").isEnabled()

    settings = window.show_screen("settings")
    wait_idle(qtbot, window)
    assert not find(settings, QPushButton, "Save clinic settings").isEnabled()
    assert not find(settings, QLineEdit, "Clinic name").isEnabled()
    assert not find(settings, QPushButton, "Add staff account").isEnabled()
    assert find(settings, QPushButton, "Change my password").isEnabled()
    assert find(settings, QComboBox, "Scanner separator method").isEnabled()  # this PC's own

    inventory = window.show_screen("inventory")
    wait_idle(qtbot, window)
    assert find(inventory, QPushButton, "Quarantine selected units").isEnabled()
    assert not find(inventory, QPushButton, "Waste selected units").isEnabled()
    assert not find(inventory, QPushButton, "Quarantine selected lots").isEnabled()

    reports = window.show_screen("reports")
    assert not find(reports, QPushButton, "Export report").isEnabled()


def test_the_chair_practitioner_of_a_practitioner_is_only_themselves(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    window = open_window("chair", actor=staff("Sam Okafor"))
    chair = window.screens["chair"]
    practitioner = find(chair, QComboBox, "Practitioner")
    assert items(practitioner) == ["Sam Okafor"]
    assert not practitioner.isEnabled()  # fixed: they treat as themselves
    find(chair, QLineEdit, "Client reference").setText("C-77")
    ready_room(ledger)
    fill_intake(qtbot, chair)
    find(chair, QPushButton, "Open session").click()
    wait_idle(qtbot, window)
    assert chair.session is not None and chair.session.practitioner == "Sam Okafor"
    assert chair.session.client_ref == "C-77"  # a practitioner holds the data key


def test_a_manager_picks_who_treats_from_the_staff_who_may(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    window = open_window("chair")
    chair = window.screens["chair"]
    practitioner = find(chair, QComboBox, "Practitioner")
    names = items(practitioner)
    with ledger.read() as conn:
        may_treat = {p.name for p in sessions.practitioners(conn)}
    assert names[0] == "Test Manager"  # themselves first, the default
    assert practitioner.currentText() == "Test Manager"
    assert set(names) == may_treat
    assert "Inspector" not in names and getpass.getuser() not in names  # never the login
    assert not practitioner.isEditable()
    practitioner.setCurrentText("Esthetician")
    find(chair, QLineEdit, "Client reference").setText("C-78")
    ready_room(ledger)
    fill_intake(qtbot, chair)
    find(chair, QPushButton, "Open session").click()
    wait_idle(qtbot, window)
    assert chair.session is not None and chair.session.practitioner == "Esthetician"


def test_an_inspector_reads_and_exports_but_opens_no_session(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("chair", actor=staff("Inspector"))
    chair = window.screens["chair"]
    opener = find(chair, QPushButton, "Open session")
    assert not opener.isEnabled()
    assert "open or close treatment sessions" in opener.toolTip()
    reports = window.show_screen("reports")
    wait_idle(qtbot, window)
    assert find(reports, QPushButton, "Export report").isEnabled()
    names = find(reports, QCheckBox, "Include client names")
    assert not names.isEnabled() and not names.isChecked()


def test_a_practitioner_continues_only_their_own_open_sessions(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    theirs = sessions.open_session(
        ledger, client_ref="C-5", area="face", depth_mm="0.5", by=staff("Dr Haddad"),
        intake=clear_intake(),
    )
    mine = sessions.open_session(
        ledger, client_ref="C-6", area="face", depth_mm="0.5", by=staff("Sam Okafor"),
        intake=clear_intake(),
    )
    window = open_window("chair", actor=staff("Sam Okafor"))
    chair = window.screens["chair"]
    resume = find(chair, QComboBox, "Open sessions")
    assert [resume.itemData(i) for i in range(resume.count())] == [mine.id]
    chair.resume_session(theirs.id)  # a double-click in today's list
    wait_idle(qtbot, window)
    assert chair.session is None
    assert chair.verdict.headline.text() == "Not your session"
    chair.resume_session(mine.id)
    wait_idle(qtbot, window)
    assert chair.session is not None and chair.session.id == mine.id
