"""The Equipment screen: pens and cleanings, sharps containers, sterilizer cycles, by role."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTabWidget
from pytestqt.qtbot import QtBot

from inventory import receiving
from inventory.clock import FixedClock
from inventory.db import Database
from sterility import pens, sharps, sterilizer
from sterility.chair import use_unit
from tests.people import staff
from tests.sterility.equipment_sessions import treat
from tests.ui.helpers import find, is_closed, open_dialog, wait_idle
from ui.dialogs import ReasonDialog
from ui.equipment_dialogs import (
    CleaningDialog,
    CollectionDialog,
    ContainerDialog,
    CycleDialog,
    IndicatorDialog,
    PenDialog,
)
from ui.main_window import MainWindow
from ui.screens.equipment import EquipmentScreen

Opener = Callable[..., MainWindow]


def screen_of(window: MainWindow) -> EquipmentScreen:
    screen = window.screens["equipment"]
    assert isinstance(screen, EquipmentScreen)
    return screen


def click(qtbot: QtBot, screen: EquipmentScreen, name: str) -> None:
    widget = find(screen, QPushButton, name)
    assert widget.isEnabled(), f"{name} is disabled: {widget.toolTip()}"
    widget.click()


def saved(qtbot: QtBot, window: MainWindow, dialog, action: str) -> None:  # type: ignore[no-untyped-def]
    find(dialog, QPushButton, action).click()
    qtbot.waitUntil(lambda: is_closed(dialog))
    wait_idle(qtbot, window)


def rows(model) -> list:  # type: ignore[no-untyped-def]
    return [model.row(n) for n in range(model.rowCount())]


def test_a_pen_is_added_cleaned_flagged_when_used_and_retired(
    qtbot: QtBot, open_window: Opener, ledger: Database, clock: FixedClock
) -> None:
    window = open_window("equipment")
    screen = screen_of(window)
    assert find(screen, QTabWidget, "Equipment sections").tabText(0) == "Pens"

    click(qtbot, screen, "Add pen")
    dialog = open_dialog(qtbot, "Add a pen", PenDialog)
    find(dialog, QLineEdit, "Pen serial").setText("DP-1001")
    find(dialog, QLineEdit, "Pen model").setText("Dermapen 4")
    saved(qtbot, window, dialog, "Add pen")
    assert "Pen DP-1001 added" in find(screen, QLabel, "Equipment result").text()
    (row,) = rows(screen.pens_model)
    assert (row.pen.serial, row.overdue is not None) == ("DP-1001", True)  # never cleaned
    assert "has no cleaning recorded" in find(screen, QLabel, "Pen warning").text()

    click(qtbot, screen, "Add pen")  # the same serial again: the rule's sentence, kept open
    again = open_dialog(qtbot, "Add a pen", PenDialog)
    find(again, QLineEdit, "Pen serial").setText("dp-1001")
    find(again, QPushButton, "Add pen").click()
    wait_idle(qtbot, window)
    assert again.isVisible()
    assert "already in the pen list" in find(again, QLabel, "Problem").text()
    again.reject()

    click(qtbot, screen, "Record cleaning")
    cleaning = open_dialog(qtbot, "Record a cleaning of pen DP-1001", CleaningDialog)
    method = find(cleaning, QComboBox, "Cleaning method")
    qtbot.keyClicks(method.lineEdit(), "Wiped with 70% alcohol")
    saved(qtbot, window, cleaning, "Record cleaning")
    assert "recorded: Wiped with 70% alcohol, 2026-03-10 11:30 +10:00, by Test Manager" in (
        find(screen, QLabel, "Equipment result").text()
    )
    assert screen.pens_model.row(0).overdue is None
    assert "is clean" in find(screen, QLabel, "Pen warning").text()

    clock.advance(minutes=5)
    treat(ledger, pen="DP-1001")
    window.show_screen("equipment")
    wait_idle(qtbot, window)
    assert screen.pens_model.row(0).sessions_since == 1
    assert (
        find(screen, QLabel, "Pen warning")
        .text()
        .startswith("Pen DP-1001 was used in a session at 2026-03-10 11:35:00 +10:00")
    )

    click(qtbot, screen, "Retire pen")
    retire = open_dialog(qtbot, "Retire pen DP-1001", ReasonDialog)
    qtbot.keyClicks(retire.field.lineEdit(), "Motor failed")
    find(retire, QPushButton, "Retire pen").click()
    wait_idle(qtbot, window)
    assert not screen.pens_model.row(0).pen.active
    assert not find(screen, QPushButton, "Record cleaning").isEnabled()
    assert not find(screen, QPushButton, "Retire pen").isEnabled()


def test_a_sharps_container_is_opened_counted_sealed_and_collected(
    qtbot: QtBot,
    open_window: Opener,
    ledger: Database,
    stocked: receiving.ReceiptResult,
    clock: FixedClock,
) -> None:
    window = open_window("equipment")
    screen = screen_of(window)
    screen.tabs.setCurrentIndex(1)
    assert not find(screen, QPushButton, "Seal container").isEnabled()  # nothing selected

    click(qtbot, screen, "Open container")
    dialog = open_dialog(qtbot, "Open a sharps container", ContainerDialog)
    qtbot.keyClicks(find(dialog, QComboBox, "Room").lineEdit(), "Room 1")
    find(dialog, QLineEdit, "Container label").setText("Bin A")
    saved(qtbot, window, dialog, "Open container")
    (box,) = rows(screen.sharps_model)
    assert (box.room, box.label, box.state, box.cartridges) == ("Room 1", "Bin A", "open", 0)

    click(qtbot, screen, "Open container")  # a second at the same room: refused in words
    second = open_dialog(qtbot, "Open a sharps container", ContainerDialog)
    find(second, QComboBox, "Room").setCurrentText("Room 1")  # the room is offered
    find(second, QPushButton, "Open container").click()
    wait_idle(qtbot, window)
    assert "Seal it first" in find(second, QLabel, "Problem").text()
    second.reject()

    session = treat(ledger, room="Room 1")
    use_unit(ledger, session, "U1-001", by=staff("Sam"))
    use_unit(ledger, session, "U1-002", by=staff("Sam"))
    window.show_screen("equipment")
    wait_idle(qtbot, window)
    assert screen.sharps_model.row(0).cartridges == 2
    assert not find(screen, QPushButton, "Record collection").isEnabled()  # still open

    clock.advance(minutes=30)  # the session is over
    click(qtbot, screen, "Seal container")
    wait_idle(qtbot, window)
    assert "sealed with 2 cartridges in it" in find(screen, QLabel, "Equipment result").text()
    assert screen.sharps_model.row(0).state == "sealed"

    click(qtbot, screen, "Record collection")
    collect = open_dialog(qtbot, f"Record the collection of sharps container {box.id} (Bin A)")
    assert isinstance(collect, CollectionDialog)
    find(collect, QLineEdit, "Collector's reference").setText("DOC-55120")
    saved(qtbot, window, collect, "Record collection")
    done = screen.sharps_model.row(0)
    assert (done.state, done.collector_ref) == ("collected", "DOC-55120")


def test_a_failed_biological_indicator_quarantines_the_load_and_lists_the_exposed_sessions(
    qtbot: QtBot, open_window: Opener, ledger: Database, clock: FixedClock
) -> None:
    earlier = sterilizer.add_cycle(
        ledger,
        sterilizer="Autoclave 1",
        cycle_number="100",
        temperature_c=134,
        pressure_kpa=206,
        holding_minutes=4,
        load_contents="instruments",
        packs=["forceps"],
        chemical="pass",
        bi="pending",
        by=staff("Sam"),
    )
    session = treat(ledger)
    sterilizer.use_pack(ledger, session, earlier.packs[0].code, by=staff("Sam"))
    clock.advance(minutes=10)
    window = open_window("equipment")
    screen = screen_of(window)
    screen.tabs.setCurrentIndex(2)

    click(qtbot, screen, "Record cycle")
    dialog = open_dialog(qtbot, "Record a sterilizer cycle", CycleDialog)
    assert find(dialog, QComboBox, "Sterilizer").currentText() == "Autoclave 1"
    find(dialog, QLineEdit, "Cycle number").setText("101")
    find(dialog, QLineEdit, "Load contents").setText("2 instrument packs")
    find(dialog, QPlainTextEdit, "Packs").setPlainText("scissors\n\ntweezers\n")
    saved(qtbot, window, dialog, "Record cycle")
    recorded = rows(screen.cycles_model)[0]
    codes = [p.code for p in recorded.packs]
    assert codes == [f"C{recorded.id}-1", f"C{recorded.id}-2"]
    assert f"pouch codes: {', '.join(codes)}" in find(screen, QLabel, "Equipment result").text()

    click(qtbot, screen, "Read biological indicator")
    read = open_dialog(qtbot, "Read the biological indicator of cycle 101", IndicatorDialog)
    combo = find(read, QComboBox, "Indicator result")
    combo.setCurrentIndex(combo.findData("fail"))
    saved(qtbot, window, read, "Record reading")
    assert "packs are quarantined" in find(screen, QLabel, "Equipment result").text()
    assert [p.state for p in rows(screen.packs_model)] == ["quarantined", "quarantined"]
    exposed = rows(screen.exposure_model)
    assert [(e.session_id, e.pack_code) for e in exposed] == [(session, earlier.packs[0].code)]
    assert "1 session used packs" in find(screen, QLabel, "Cycle summary").text()
    assert not find(screen, QPushButton, "Read biological indicator").isEnabled()  # read once


def test_the_buttons_follow_the_role(qtbot: QtBot, open_window: Opener, ledger: Database) -> None:
    pens.add_pen(ledger, "DP-1", by=staff("Manager"))
    box = sharps.open_container(ledger, "Room 1", by=staff("Manager"))
    assert box.state == "open"
    names = (
        "Add pen",
        "Record cleaning",
        "Retire pen",
        "Open container",
        "Seal container",
        "Record cycle",
    )
    window = open_window("equipment", actor=staff("Sam"))
    screen = screen_of(window)
    enabled = {name: find(screen, QPushButton, name).isEnabled() for name in names}
    assert enabled == {
        "Add pen": False,  # a manager adds and retires pens
        "Record cleaning": True,
        "Retire pen": False,
        "Open container": True,
        "Seal container": True,
        "Record cycle": True,
    }
    assert "Only a manager can add or retire pens" in find(screen, QPushButton, "Add pen").toolTip()
    window.close()
    inspector = screen_of(open_window("equipment", actor=staff("Inspector")))
    assert not any(find(inspector, QPushButton, name).isEnabled() for name in names)
    assert inspector.pens_model.rowCount() == 1  # an inspector reads everything
