"""The audit trail: filter it, and verify the hash chain (and see where it breaks)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTableView
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from inventory import receiving, seal
from inventory.db import Database
from sterility import holds
from tests import people
from tests.people import staff
from tests.ui.helpers import find, wait_idle
from ui.main_window import MainWindow
from ui.screens.audit import AuditScreen

Opener = Callable[..., MainWindow]


def audit_screen(qtbot: QtBot, open_window: Opener) -> AuditScreen:
    window = open_window("audit")
    screen = window.screens["audit"]
    assert isinstance(screen, AuditScreen)
    qtbot.waitUntil(lambda: screen.model.total is not None)
    return screen


def test_verify_chain_says_the_trail_is_intact(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    screen = audit_screen(qtbot, open_window)
    events = screen.model.total
    find(screen, QPushButton, "Verify chain").click()
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    verdict = find(screen, QLabel, "Chain verdict")
    assert verdict.text() == (
        f"Audit trail intact: {events} events, chain verified (the seals were not checked: "
        "give the clinic's verification key), records agree with their events."
    )
    assert verdict.objectName() == "success"


def test_verify_with_the_key_checks_the_seals_and_a_wrong_key_fails(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    screen = audit_screen(qtbot, open_window)
    key_field = find(screen, QLineEdit, "Verification key")
    verdict = find(screen, QLabel, "Chain verdict")
    assert key_field.echoMode() == QLineEdit.EchoMode.Password  # not left on screen

    key_field.setText(seal.key_text(people.verification_key()).lower())  # as typed
    find(screen, QPushButton, "Verify chain").click()
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    assert "seals verified with the verification key from event 1" in verdict.text()
    assert verdict.objectName() == "success"

    key_field.setText(seal.key_text(bytes(32)))  # someone else's key
    find(screen, QPushButton, "Verify chain").click()
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    assert verdict.text().startswith("Audit trail BROKEN at event 1:")
    assert verdict.objectName() == "problem"

    key_field.setText("not a key")
    find(screen, QPushButton, "Verify chain").click()
    assert verdict.text() == "That is not a verification key: it is too short or too long."
    assert key_field.hasFocus() or not screen.window().isActiveWindow()


def test_verify_chain_names_the_first_altered_event(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    with ledger.engine.begin() as conn:  # someone edits the file behind the app's back
        triggers = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": "audit_event"},
        ).scalars()
        for name in list(triggers):
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        conn.execute(text("UPDATE audit_event SET actor = 'Someone else' WHERE id = 3"))
    screen = audit_screen(qtbot, open_window)
    find(screen, QPushButton, "Verify chain").click()
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    verdict = find(screen, QLabel, "Chain verdict")
    assert verdict.text().startswith("Audit trail BROKEN at event 3:")
    assert verdict.objectName() == "problem"


def test_the_trail_filters_by_action_and_record(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    holds.quarantine(ledger, "U1-004", reason="dented", by=staff("Dr Haddad"))
    screen = audit_screen(qtbot, open_window)
    action = find(screen, QComboBox, "Action filter")
    qtbot.waitUntil(lambda: action.findData("quarantine") >= 0)
    action.setCurrentIndex(action.findData("quarantine"))
    qtbot.waitUntil(lambda: screen.model.total == 1)
    row = screen.model.row_data(0)
    assert (row.actor, row.entity_id) == ("Dr Haddad", "U1-004")
    assert screen.model.index(0, 7).data() == "reason: dented, status: quarantined"
    assert screen.model.index(0, 1).data().endswith("+10:00")  # clinic time, with its offset

    find(screen, QTableView, "Audit table").selectRow(0)
    details = find(screen, QPlainTextEdit, "Event details").toPlainText()
    assert "quarantine unit U1-004" in details and row.hash in details

    action.setCurrentIndex(0)
    who = find(screen, QLineEdit, "Who filter")
    qtbot.keyClicks(who, "haddad")
    qtbot.waitUntil(lambda: screen.model.total == 1)


def test_a_refusal_on_the_dashboard_opens_its_audit_event(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    window = open_window()
    window.show_screen("audit", {"entity": "refusal", "record": "1"})
    screen = window.screens["audit"]
    assert isinstance(screen, AuditScreen)
    wait_idle(qtbot, window)
    assert find(screen, QComboBox, "Record type filter").currentData() == "refusal"
    assert screen.model.total == 0  # no refusal yet in this ledger
