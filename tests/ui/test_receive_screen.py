"""Receiving: a scanner burst is parsed and shown before saving, then saved in one step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from inventory.catalog import add_product
from inventory.db import Database
from inventory.models import Product, Receipt, Unit
from tests.conftest import GTIN_05, GTIN_ROLLER, add_products
from tests.people import staff
from tests.ui.helpers import find, is_closed, open_dialog, scan, wait_idle
from ui.dialogs import ProductDialog
from ui.main_window import MainWindow
from ui.scan_field import ScanField
from ui.screens.receive import ReceiveScreen

Opener = Callable[..., MainWindow]
NEW_GTIN = "09506000199993"  # a valid GTIN the catalogue does not know


def units_in(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(Unit)).scalar_one()


def receive_screen(qtbot: QtBot, open_window: Opener) -> ReceiveScreen:
    window = open_window("receive")
    screen = window.screens["receive"]
    assert isinstance(screen, ReceiveScreen)
    return screen


def parsed(screen: ReceiveScreen, what: str) -> str:
    return find(screen, QLabel, f"Parsed {what}").text()


def test_a_scanner_burst_is_shown_parsed_then_received_in_one_step(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    add_products(ledger)
    screen = receive_screen(qtbot, open_window)
    find(screen, QLineEdit, "Supplier").setText("MedSupply")
    find(screen, QLineEdit, "Invoice").setText("INV-77")
    field = find(screen, ScanField, "Scan box")
    # A roller box with the maker's serial: the separator ends the lot.
    scan(qtbot, field, f"01{GTIN_ROLLER}1727013110R7", "21SN0042")
    # A box of cartridges, expiry after the lot, so the separator matters again.
    scan(qtbot, field, f"01{GTIN_05}10A200", "17270131")
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]

    assert parsed(screen, "gtin") == GTIN_05
    assert parsed(screen, "lot") == "A200"
    assert parsed(screen, "expiry") == "2027-01-31"
    assert parsed(screen, "product") == "12-pin cartridge 0.5 mm"
    assert parsed(screen, "units in box") == "10"
    roller = screen.boxes[0]
    assert (roller.scan.lot, roller.scan.serial) == ("R7", "SN0042")
    assert units_in(ledger) == 0  # nothing is saved before Receive

    receive = find(screen, QPushButton, "Receive units")
    assert receive.isEnabled() and receive.text() == "Receive 2 boxes"
    qtbot.keyClick(field, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]

    assert units_in(ledger) == 11
    with ledger.read() as conn:
        receipt = conn.execute(select(Receipt.supplier, Receipt.invoice, Receipt.received_by)).one()
        serial = conn.execute(select(Unit.serial).where(Unit.code == "U1-001")).scalar_one()
    assert tuple(receipt) == ("MedSupply", "INV-77", "Test Manager")
    assert serial == "SN0042"
    result = find(screen, QLabel, "Receipt result").text()
    assert "Receipt 1 saved: 11 units." in result
    assert "10 × 12-pin cartridge 0.5 mm, lot A200, expires 2027-01-31: U1-002 to U1-011" in result
    assert screen.boxes == []


def test_unit_labels_are_printed_for_units_without_a_serial(
    qtbot: QtBot, open_window: Opener, ledger: Database, opened: list[Path]
) -> None:
    add_products(ledger)
    screen = receive_screen(qtbot, open_window)
    scan(qtbot, find(screen, ScanField, "Scan box"), f"01{GTIN_05}1727013110A300")
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    find(screen, QPushButton, "Receive units").click()
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    labels = find(screen, QPushButton, "Print unit labels")
    assert labels.isEnabled()
    labels.click()
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    assert screen.labels_path is not None and screen.labels_path.read_bytes().startswith(b"%PDF")
    assert opened == [screen.labels_path]  # handed to the PDF viewer to print
    assert "Labels for 10 units saved" in find(screen, QLabel, "Receipt result").text()


def test_a_scan_that_lost_its_separator_is_refused_with_the_reason(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    add_products(ledger)
    screen = receive_screen(qtbot, open_window)
    # What a plain line edit makes of "10A200<GS>17270131": the expiry swallowed by the lot.
    scan(qtbot, find(screen, ScanField, "Scan box"), f"01{GTIN_05}10A20017270131")
    problem = find(screen, QLabel, "Scan problem").text()
    assert problem.startswith("Not added.")
    assert "separator" in problem or "expiry" in problem
    assert screen.boxes == []
    assert not find(screen, QPushButton, "Receive units").isEnabled()


def test_an_unknown_product_is_added_from_the_receive_screen(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    add_products(ledger)
    screen = receive_screen(qtbot, open_window)
    scan(qtbot, find(screen, ScanField, "Scan box"), f"01{NEW_GTIN}1727013110N1")
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    assert screen.problem(screen.boxes[0]).startswith(f"GTIN {NEW_GTIN} is not in the catalogue")
    assert not find(screen, QPushButton, "Receive units").isEnabled()

    find(screen, QPushButton, "Add product").click()
    dialog = open_dialog(qtbot, "Add a product", ProductDialog)
    assert find(dialog, QLineEdit, "GTIN").text() == NEW_GTIN
    find(dialog, QLineEdit, "Maker").setText("Aurel Derm")
    find(dialog, QLineEdit, "Product name").setText("9-pin cartridge 0.75 mm")
    find(dialog, QComboBox, "Needle length (mm)").setCurrentText("0.75")
    find(dialog, QPushButton, "Add product").click()
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: is_closed(dialog))

    assert screen.problem(screen.boxes[0]) == ""
    assert screen.boxes[0].product is not None
    assert screen.boxes[0].product.name == "9-pin cartridge 0.75 mm"
    assert find(screen, QPushButton, "Receive units").isEnabled()


def test_a_wrong_product_field_is_explained_inside_the_dialog(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    add_products(ledger)
    screen = receive_screen(qtbot, open_window)
    scan(qtbot, find(screen, ScanField, "Scan box"), f"01{NEW_GTIN}1727013110N1")
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    find(screen, QPushButton, "Add product").click()
    dialog = open_dialog(qtbot, "Add a product", ProductDialog)
    find(dialog, QLineEdit, "Product name").setText("Cartridge")  # no maker
    find(dialog, QPushButton, "Add product").click()
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    assert dialog.isVisible()
    assert find(dialog, QLabel, "Problem").text() == "The maker is required."
    with ledger.read() as conn:
        assert conn.execute(select(Product.id).where(Product.gtin == NEW_GTIN)).first() is None
    dialog.reject()


def test_an_expired_box_and_a_second_expiry_are_flagged_before_saving(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    add_products(ledger)
    from inventory.receiving import receive
    from tests.conftest import box

    receive(ledger, [box(GTIN_05, "A100")], by=staff("Test Manager"))  # lot A100 expires 2027-01-31
    screen = receive_screen(qtbot, open_window)
    field = find(screen, ScanField, "Scan box")
    scan(qtbot, field, f"01{GTIN_05}1726013110OLD")  # expired on 2026-01-31
    scan(qtbot, field, f"01{GTIN_05}1727063010A100")  # A100 again, another expiry
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    problems = [screen.problem(b) for b in screen.boxes]
    assert problems[0].startswith("Lot OLD of 12-pin cartridge 0.5 mm expired on 2026-01-31")
    assert problems[1].startswith(
        f"Lot A100 of GTIN {GTIN_05} is already recorded with expiry 2027-01-31"
    )
    assert not find(screen, QPushButton, "Receive units").isEnabled()
    screen.table.setFocus()
    screen.table.selectRow(0)
    qtbot.keyClick(screen.table, Qt.Key.Key_Delete)  # the expired box goes back to the supplier
    assert [b.scan.lot for b in screen.boxes] == ["A100"]
    assert find(screen, ScanField, "Scan box").hasFocus()


def test_a_serial_scanned_twice_cannot_be_received_twice(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    add_products(ledger)
    add_product  # noqa: B018 - the catalogue is enough; nothing else to add
    screen = receive_screen(qtbot, open_window)
    field = find(screen, ScanField, "Scan box")
    for _ in range(2):
        scan(qtbot, field, f"01{GTIN_ROLLER}1727013110R7", "21SN0042")
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    first, second = (screen.problem(b) for b in screen.boxes)
    assert first == ""  # the first scan is received; the second is what receiving refuses
    assert second.startswith("Serial SN0042 of GTIN") and "on this delivery twice" in second
    assert not find(screen, QPushButton, "Receive units").isEnabled()
