"""Inventory: units and lots filtered and sorted in SQL; quarantine, release, waste by reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QTableView, QTabWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from inventory import receiving
from inventory.db import Database
from inventory.models import AuditEvent, Unit
from sterility import recalls
from tests.conftest import GTIN_05, GTIN_10, box
from tests.people import staff
from tests.ui.helpers import find, message_box, open_dialog, wait_idle
from ui.dialogs import ReasonDialog
from ui.main_window import MainWindow
from ui.screens.inventory import InventoryScreen

Opener = Callable[..., MainWindow]


def inventory(qtbot: QtBot, open_window: Opener, **filters: object) -> InventoryScreen:
    window = open_window("inventory", **filters)
    screen = window.screens["inventory"]
    assert isinstance(screen, InventoryScreen)
    qtbot.waitUntil(lambda: screen.units_model.total is not None)
    return screen


def codes_shown(screen: InventoryScreen) -> list[str]:
    model = screen.units_model
    return [model.code_of(r) for r in range(model.rowCount())]


def status_of(db: Database, code: str) -> tuple[str, str | None]:
    with db.read() as conn:
        row = conn.execute(select(Unit.status, Unit.status_reason).where(Unit.code == code)).one()
    return row.status, row.status_reason


def select_codes(screen: InventoryScreen, *codes: str) -> None:
    view = find(screen, QTableView, "Units table")
    view.clearSelection()
    for number in range(screen.units_model.rowCount()):
        if screen.units_model.code_of(number) in codes:
            view.selectionModel().select(
                screen.units_model.index(number, 0),
                view.selectionModel().SelectionFlag.Select
                | view.selectionModel().SelectionFlag.Rows,
            )


def give_reason(qtbot: QtBot, title: str, reason: str, action: str) -> None:
    dialog = open_dialog(qtbot, title, ReasonDialog)
    ok = find(dialog, QPushButton, action)
    assert not ok.isEnabled()  # no reason, no change
    reason_field = find(dialog, QComboBox, "Reason")
    qtbot.keyClicks(reason_field.lineEdit(), reason)
    assert ok.isEnabled()
    ok.click()


def test_quarantine_from_the_units_table_asks_for_a_reason(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    screen = inventory(qtbot, open_window)
    assert screen.units_model.total == 21
    select_codes(screen, "U1-003")
    find(screen, QPushButton, "Quarantine selected units").click()
    give_reason(qtbot, "Quarantine unit U1-003", "box crushed in transit", "Quarantine")
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]

    assert status_of(ledger, "U1-003") == ("quarantined", "box crushed in transit")
    row = codes_shown(screen).index("U1-003")
    status = screen.units_model.index(row, 7)
    assert status.data() == "Quarantined"  # the row was re-read in place
    assert screen.units_model.index(row, 9).data() == "box crushed in transit"
    assert find(screen, QLabel, "Inventory result").text() == "Quarantined 1 unit: U1-003."
    with ledger.read() as conn:
        event = conn.execute(
            select(AuditEvent.action, AuditEvent.actor).where(AuditEvent.entity_id == "U1-003")
        ).one()
    assert tuple(event) == ("quarantine", "Test Manager")


def test_waste_several_units_then_release_is_refused_for_them(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    screen = inventory(qtbot, open_window)
    select_codes(screen, "U1-001", "U1-002")
    find(screen, QPushButton, "Waste selected units").click()
    give_reason(qtbot, "Waste 2 units", "dropped on the floor", "Waste")
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    assert status_of(ledger, "U1-001")[0] == status_of(ledger, "U1-002")[0] == "wasted"

    select_codes(screen, "U1-001")
    find(screen, QPushButton, "Release selected units").click()
    give_reason(qtbot, "Release unit U1-001", "found it", "Release")
    box_ = message_box(qtbot)
    assert box_.text() == "Nothing to release in U1-001: U1-001 is wasted."
    box_.close()
    assert status_of(ledger, "U1-001")[0] == "wasted"


def test_a_recalled_unit_is_never_released(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    recalls.enter_recall(
        ledger,
        gtin=GTIN_10,
        lots=["B200"],
        reference="FSN-9",
        notice_text="Recalled.",
        notice_date=date(2026, 3, 9),
        by=staff("Test Manager"),
    )
    screen = inventory(qtbot, open_window, status="quarantined")
    assert screen.units_model.total == 10
    select_codes(screen, codes_shown(screen)[0])
    find(screen, QPushButton, "Release selected units").click()
    give_reason(qtbot, f"Release unit {codes_shown(screen)[0]}", "looks fine", "Release")
    box_ = message_box(qtbot)
    assert "is under a recall and cannot be released" in box_.text()
    box_.close()


def test_filters_by_lot_status_and_expiry_run_in_sql(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    screen = inventory(qtbot, open_window)
    lot = find(screen, QLineEdit, "Lot filter")
    qtbot.keyClicks(lot, "B2")  # applied a moment after typing stops
    qtbot.waitUntil(lambda: screen.units_model.filters.get("lot_contains") == "B2")
    qtbot.waitUntil(lambda: screen.units_model.total == 10)
    assert {screen.units_model.row_data(r).lot for r in range(10)} == {"B200"}
    assert find(screen, QLabel, "Rows shown").text() == "10 units match the filters"

    lot.clear()
    qtbot.keyClick(lot, Qt.Key.Key_Return)
    expiry = find(screen, QComboBox, "Expiry filter")
    expiry.setCurrentIndex(expiry.findData("expired"))
    qtbot.waitUntil(lambda: screen.units_model.total == 0)
    expiry.setCurrentIndex(expiry.findData(None))
    status = find(screen, QComboBox, "Status filter")
    status.setCurrentIndex(status.findData("in_stock"))
    qtbot.waitUntil(lambda: screen.units_model.total == 21)
    needle = find(screen, QComboBox, "Needle length filter")
    qtbot.waitUntil(lambda: needle.findData(1500) >= 0)
    needle.setCurrentIndex(needle.findData(1500))
    qtbot.waitUntil(lambda: codes_shown(screen) == ["U1-021"])  # the roller


def test_sorting_happens_in_sql_and_keeps_paging(
    qtbot: QtBot, open_window: Opener, ledger: Database, stocked: receiving.ReceiptResult
) -> None:
    receiving.receive(ledger, [box(GTIN_05, "BIG1")], by=staff("Test Manager"), units=450)
    screen = inventory(qtbot, open_window)
    model = screen.units_model
    assert model.total == 471
    assert model.rowCount() == 200  # one page, not everything
    view = find(screen, QTableView, "Units table")
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # by unit, newest first
    qtbot.waitUntil(lambda: model.rowCount() == 200 and model.code_of(0) == "U2-450")
    view.scrollToBottom()  # the view asks for the next page as a person scrolls
    qtbot.waitUntil(lambda: model.rowCount() == 400)
    codes = codes_shown(screen)
    assert codes[199:201] == ["U2-251", "U2-250"]  # the pages join without a gap
    assert len(set(codes)) == 400


def test_a_whole_lot_is_wasted_from_the_lots_table(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    screen = inventory(qtbot, open_window)
    # It opens on what is in stock (issue 16); a lot wasted whole then leaves that list.
    find(screen, QComboBox, "Status filter").setCurrentIndex(0)  # All statuses
    find(screen, QTabWidget, "Inventory tables").setCurrentIndex(1)
    lots = screen.lots_model
    qtbot.waitUntil(lambda: lots.rowCount() == 3)
    row = next(r for r in range(3) if lots.row_data(r).lot == "B200")
    find(screen, QTableView, "Lots table").selectRow(row)
    find(screen, QPushButton, "Waste selected lots").click()
    give_reason(qtbot, "Waste lot B200", "package breached", "Waste")
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: lots.rowCount() == 3)
    wasted = next(lots.row_data(r) for r in range(3) if lots.row_data(r).lot == "B200")
    assert (wasted.wasted, wasted.in_stock) == (10, 0)
    assert "Wasted 10 units" in find(screen, QLabel, "Inventory result").text()


def test_dashboard_click_through_sets_the_filters(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window()
    window.show_screen("inventory", {"status": "in_stock", "expiry": "90"})
    screen = window.screens["inventory"]
    assert isinstance(screen, InventoryScreen)
    wait_idle(qtbot, window)
    assert find(screen, QComboBox, "Status filter").currentData() == "in_stock"
    assert find(screen, QComboBox, "Expiry filter").currentData() == "90"
    assert screen.units_model.total == 0  # everything expires in 2027
