"""Recalls screen: affected clients, each contact recorded, stock returned, shown to whom.

And a lot returned to the supplier from the Inventory screen.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from inventory import receiving
from inventory.db import Database
from inventory.models import Unit
from sterility import recalls, sessions
from sterility.chair import use_unit
from sterility.models import RecallContact
from tests.conftest import GTIN_05
from tests.people import clear_intake, staff
from tests.ui.helpers import find, is_closed, open_dialog, wait_idle
from ui.dialogs import ReasonDialog
from ui.main_window import MainWindow
from ui.screens.inventory import InventoryScreen
from ui.screens.recalls import ContactDialog, RecallsScreen

Opener = Callable[..., MainWindow]


@pytest.fixture
def recalled(ledger: Database, stocked: receiving.ReceiptResult) -> Database:
    """C-7 and C-8 treated with lot A100, which is then recalled (8 units quarantined)."""
    for client, code in (("C-7", "U1-001"), ("C-8", "U1-002")):
        info = sessions.open_session(
            ledger, client_ref=client, area="face", depth_mm="0.5", by=staff("Sam"),
            intake=clear_intake(),
        )
        use_unit(ledger, info.id, code, by=staff("Sam"))
    recalls.enter_recall(
        ledger,
        gtin=GTIN_05,
        lots=["A100"],
        reference="FSN-2026-117",
        notice_text="Seal may be breached.",
        by=staff("Test Manager"),
    )
    return ledger


def _screen(open_window: Opener, **kwargs) -> RecallsScreen:
    window = open_window("recalls", **kwargs)
    screen = window.screens["recalls"]
    assert isinstance(screen, RecallsScreen)
    return screen


def test_a_contact_is_recorded_and_shown_with_when_how_and_who(
    qtbot: QtBot, open_window: Opener, recalled: Database
) -> None:
    screen = _screen(open_window)
    qtbot.waitUntil(lambda: screen.clients_model.rowCount() == 2)
    assert [screen.clients_model.row(r).client for r in range(2)] == ["C-7", "C-8"]
    summary = find(screen, QLabel, "Recall summary").text()
    assert "8 in quarantine" in summary and "2 affected clients, 2 not yet contacted" in summary

    screen.clients.selectRow(1)  # C-8
    find(screen, QPushButton, "Record contact").click()
    dialog = open_dialog(qtbot, "Record a contact for recall FSN-2026-117", ContactDialog)
    assert find(dialog, QLabel, "Client").text() == "C-8"
    method = find(dialog, QComboBox, "How")
    method.setCurrentIndex(method.findData("email"))
    find(dialog, QLineEdit, "Note").setText("sent the notice; no reaction expected")
    find(dialog, QPushButton, "Record contact").click()
    qtbot.waitUntil(lambda: is_closed(dialog))
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]

    with recalled.read() as conn:
        row = conn.execute(
            select(RecallContact.method, RecallContact.recorded_by, RecallContact.note)
        ).one()
    assert tuple(row) == ("email", "Test Manager", "sent the notice; no reaction expected")
    qtbot.waitUntil(lambda: screen.clients_model.row(1).contacted)
    c8 = screen.clients_model.index(1, 4)
    last = screen.clients_model.index(1, 5)
    assert screen.clients_model.data(c8) == "yes"
    assert screen.clients_model.data(last) == "2026-03-10 11:30 +10:00, email, by Test Manager"
    assert screen.clients_model.data(screen.clients_model.index(0, 4)) == "not yet"
    assert "Contact 1 recorded for recall 1." in find(screen, QLabel, "Recall result").text()
    assert "1 not yet contacted" in find(screen, QLabel, "Recall summary").text()


def test_an_unanswered_call_is_kept_but_does_not_count_as_told(
    qtbot: QtBot, open_window: Opener, recalled: Database
) -> None:
    screen = _screen(open_window)
    qtbot.waitUntil(lambda: screen.clients_model.rowCount() == 2)
    find(screen, QPushButton, "Record contact").click()  # the first client is selected
    dialog = open_dialog(qtbot, "Record a contact for recall FSN-2026-117", ContactDialog)
    find(dialog, QCheckBox, "Reached").setChecked(False)
    find(dialog, QPushButton, "Record contact").click()
    qtbot.waitUntil(lambda: is_closed(dialog))
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: bool(screen.clients_model.row(0).contacts))
    assert not screen.clients_model.row(0).contacted
    assert screen.clients_model.data(screen.clients_model.index(0, 5)).endswith(
        "phone call (not reached), by Test Manager"
    )


def test_the_recalls_stock_goes_back_to_the_supplier(
    qtbot: QtBot, open_window: Opener, recalled: Database
) -> None:
    screen = _screen(open_window)
    qtbot.waitUntil(lambda: find(screen, QPushButton, "Return stock to supplier").isEnabled())
    find(screen, QPushButton, "Return stock to supplier").click()
    dialog = open_dialog(qtbot, "Return the stock of recall FSN-2026-117", ReasonDialog)
    dialog.field.setCurrentText("RMA-4410")
    find(dialog, QPushButton, "Return to supplier").click()
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    with recalled.read() as conn:
        statuses = set(conn.execute(select(Unit.status).where(Unit.lot_id == 1)).scalars())
    assert statuses == {"used", "returned"}
    qtbot.waitUntil(lambda: not find(screen, QPushButton, "Return stock to supplier").isEnabled())
    assert "8 units of recall 1 returned to the supplier." in (
        find(screen, QLabel, "Recall result").text()
    )
    assert "8 returned to the supplier" in find(screen, QLabel, "Recall summary").text()


def test_a_role_without_the_data_key_sees_no_client_reference(
    qtbot: QtBot, open_window: Opener, recalled: Database
) -> None:
    screen = _screen(open_window, actor=staff("Inspector"))
    qtbot.waitUntil(lambda: screen.clients_model.rowCount() == 2)
    assert {screen.clients_model.row(r).client for r in range(2)} == {"(hidden)"}
    assert not find(screen, QPushButton, "Record contact").isEnabled()
    assert not find(screen, QPushButton, "Return stock to supplier").isEnabled()


def test_a_lot_is_returned_from_the_inventory_screen(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    window = open_window("inventory")
    screen = window.screens["inventory"]
    assert isinstance(screen, InventoryScreen)
    find(screen, QTabWidget, "Inventory tables").setCurrentIndex(1)
    find(screen, QComboBox, "Status filter").setCurrentIndex(0)  # all statuses: returned too
    lots = screen.lots_model
    qtbot.waitUntil(lambda: lots.rowCount() == 3)
    row = next(r for r in range(3) if lots.row_data(r).lot == "B200")
    find(screen, QTableView, "Lots table").selectRow(row)
    find(screen, QPushButton, "Return selected lots").click()
    dialog = open_dialog(qtbot, "Return lot B200", ReasonDialog)
    dialog.field.setCurrentText("wrong product delivered, RMA-8812")
    find(dialog, QPushButton, "Return").click()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: lots.rowCount() == 3)
    back = next(lots.row_data(r) for r in range(3) if lots.row_data(r).lot == "B200")
    assert (back.returned, back.in_stock) == (10, 0)
    assert "Returned 10 units to the supplier" in find(screen, QLabel, "Inventory result").text()


def test_the_affected_clients_model_passes_the_tester(
    qtbot: QtBot, qtmodeltester, open_window: Opener, recalled: Database
) -> None:
    screen = _screen(open_window)
    qtbot.waitUntil(lambda: screen.clients_model.rowCount() == 2)
    qtmodeltester.check(screen.clients_model)
    screen.activated()  # reload under the tester
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: screen.clients_model.rowCount() == 2)
