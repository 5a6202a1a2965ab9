"""The chair: open a session by keyboard, scan, and read a verdict that cannot be missed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from inventory import receiving
from inventory.barcode import element_string
from inventory.clock import FixedClock
from inventory.db import Database
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from sterility.models import Refusal, UnitUse
from tests.conftest import GTIN_05, box
from tests.people import staff
from tests.ui.chair_helpers import fill_intake, open_direct, ready_room
from tests.ui.helpers import find, open_dialog, scan, wait_idle
from ui.main_window import MainWindow
from ui.scan_field import ScanField
from ui.screens.chair import ChairScreen

Opener = Callable[..., MainWindow]


def open_chair(qtbot: QtBot, open_window: Opener, *, client: str = "C-1042") -> ChairScreen:
    """Open a session the way a practitioner does: type, Tab, fill the intake, Enter."""
    window = open_window("chair")
    ready_room(window.ctx.db)
    chair = window.screens["chair"]
    assert isinstance(chair, ChairScreen)
    client_field = find(chair, QLineEdit, "Client reference")
    assert client_field.hasFocus()  # no session: the cursor waits in the form
    qtbot.keyClicks(client_field, client)
    qtbot.keyClick(client_field, Qt.Key.Key_Tab)
    practitioner = find(chair, QComboBox, "Practitioner")
    assert practitioner.hasFocus()
    practitioner.setCurrentText("Dr Haddad")
    find(chair, QComboBox, "Planned depth").setCurrentText("0.5")
    fill_intake(qtbot, chair)
    qtbot.keyClick(client_field, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert chair.session is not None and chair.session.client_ref == client, (
        chair.verdict.headline.text(),
        chair.verdict.details.text(),
    )
    qtbot.waitUntil(lambda: find(chair, ScanField, "Scan unit").hasFocus())
    return chair


def scan_unit(qtbot: QtBot, chair: ChairScreen, *parts: str) -> None:
    field = find(chair, ScanField, "Scan unit")
    scan(qtbot, field, *parts)
    qtbot.waitUntil(lambda: not chair.busy and chair.ctx.worker.idle)


def test_an_accepted_scan_is_green_with_product_and_lot(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = open_chair(qtbot, open_window)
    scan_unit(qtbot, chair, "U1-001")
    verdict = chair.verdict
    assert verdict.state == "ok"
    assert verdict.headline.text() == "OK to use"
    assert "12-pin cartridge 0.5 mm" in verdict.details.text()
    assert "lot A100" in verdict.details.text()
    assert "unit U1-001" in verdict.details.text()
    assert chair.uses_model.rowCount() == 1
    assert chair.uses_model.row(0).unit_code == "U1-001"
    qtbot.waitUntil(lambda: find(chair, ScanField, "Scan unit").hasFocus())  # ready for the next
    with ledger.read() as conn:
        assert conn.execute(select(UnitUse.session_id)).scalars().all() == [chair.session.id]


def test_the_makers_gs1_code_with_a_separator_is_accepted(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    """A roller with the maker's serial: scanned as a burst with Ctrl+] after the lot."""
    chair = open_chair(qtbot, open_window)
    find(chair, QComboBox, "Planned depth")  # the roller is 1.5 mm: plan for it
    sessions.close_session(chair.ctx.db, chair.session.id, by=staff("test"), adverse="none")
    chair.session = None
    chair._show_session(None)
    find(chair, QLineEdit, "Client reference").setText("C-7")
    find(chair, QComboBox, "Planned depth").setCurrentText("1.5")
    fill_intake(qtbot, chair, concern="stretch marks")  # 1.5 to 2.5 mm
    find(chair, QPushButton, "Open session").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    code = element_string("09506000100074", date(2027, 1, 31), "R1", "SN0001")
    before, after = code.split("\x1d")
    scan_unit(qtbot, chair, before, after)
    assert chair.verdict.state == "ok"
    assert "Scalp roller" in chair.verdict.details.text()


def _used_elsewhere(db: Database) -> str:
    other = open_direct(db, client_ref="C-9", practitioner="Sam")
    use_unit(db, other.id, "U1-002", by=staff("Sam"))
    return "U1-002"


def _expired(db: Database) -> str:
    """Received in date (the last day of March); scanned at the chair in April."""
    clock = db.clock
    assert isinstance(clock, FixedClock)
    result = receiving.receive(
        db, [box(GTIN_05, "OLD1", date(2026, 3, 31))], by=staff("Test Manager")
    )
    clock.at += timedelta(days=30)
    return result.lines[0].unit_codes[0]


def _recalled(db: Database) -> str:
    recalls.enter_recall(
        db,
        gtin=GTIN_05,
        lots=["A100"],
        reference="FSN-2026-117",
        notice_text="Seal may be breached.",
        notice_date=date(2026, 3, 9),
        by=staff("Test Manager"),
    )
    return "U1-003"


def _quarantined(db: Database) -> str:
    holds.quarantine(db, "U1-004", reason="package dented", by=staff("Test Manager"))
    return "U1-004"


def _wasted(db: Database) -> str:
    holds.waste(db, "U1-005", reason="dropped on the floor", by=staff("Test Manager"))
    return "U1-005"


REFUSALS = {
    # reason: (prepare the ledger -> what to scan, headline, words the message must hold)
    "already_used": (
        _used_elsewhere,
        "Do not use: already used",
        ["already used in session", "at 2026-03-10 11:30:00 +10:00"],
    ),
    "expired": (_expired, "Do not use: expired", ["expired on 2026-03-31"]),
    "recalled": (_recalled, "Do not use: recalled", ["recalled by notice FSN-2026-117"]),
    "quarantined": (_quarantined, "Do not use: in quarantine", ["in quarantine (package dented)"]),
    "wasted": (
        _wasted,
        "Do not use: discarded as waste",
        ["discarded as waste (dropped on the floor)"],
    ),
    "unknown_code": (
        lambda db: "U999-001",
        "Do not use: unknown unit",
        ["No unit with code U999-001"],
    ),
    "unreadable": (
        lambda db: "0109506000100028" + "21SN1",
        "Not read: scan again",
        ["check digit"],
    ),
    "not_a_unit": (
        lambda db: box(GTIN_05, "A100"),
        "Not a unit label",
        ["barcode names product 09506000100029, lot A100 but no serial"],
    ),
}


@pytest.mark.parametrize("reason", sorted(REFUSALS))
def test_each_refusal_is_red_with_the_reason_in_plain_words(
    qtbot: QtBot,
    open_window: Opener,
    stocked: receiving.ReceiptResult,
    ledger: Database,
    reason: str,
) -> None:
    prepare, headline, words = REFUSALS[reason]
    scanned = prepare(ledger)
    chair = open_chair(qtbot, open_window)
    parts = scanned.split("\x1d")
    scan_unit(qtbot, chair, *parts)
    verdict = chair.verdict
    assert verdict.state == "refused", verdict.details.text()
    assert verdict.code == reason
    assert verdict.headline.text() == headline
    for word in words:
        assert word in verdict.details.text()
    assert chair.uses_model.rowCount() == 0
    qtbot.waitUntil(lambda: find(chair, ScanField, "Scan unit").hasFocus())
    with ledger.read() as conn:
        recorded = conn.execute(
            select(Refusal.reason).where(Refusal.session_id == chair.session.id)
        ).scalars()
        assert list(recorded) == [reason]


def test_a_scan_into_a_session_closed_elsewhere_is_refused(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = open_chair(qtbot, open_window)
    sessions.close_session(
        ledger, chair.session.id, by=staff("another workstation"), adverse="none"
    )
    scan_unit(qtbot, chair, "U1-001")
    assert chair.verdict.state == "refused"
    assert chair.verdict.headline.text() == "This session is closed"


def test_deeper_needles_ask_first_and_are_used_on_yes(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = open_chair(qtbot, open_window)
    scan_unit(qtbot, chair, "U1-011")  # a 1.0 mm cartridge; 0.5 mm was planned
    assert chair.verdict.state == "confirm"
    box_ = open_dialog(qtbot, "Confirm deeper needles")
    assert "1.0 mm needles, deeper than the 0.5 mm planned" in box_.text()
    find(box_, QPushButton, "Use it anyway").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.verdict.state == "ok"
    assert "Deeper than planned: confirmed." in chair.verdict.details.text()
    with ledger.read() as conn:
        assert conn.execute(select(UnitUse.deeper_confirmed)).scalars().all() == [True]


def test_deeper_needles_declined_by_keyboard_are_not_used(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = open_chair(qtbot, open_window)
    scan_unit(qtbot, chair, "U1-011")
    box_ = open_dialog(qtbot, "Confirm deeper needles")
    qtbot.keyClick(box_, Qt.Key.Key_Escape)  # No is the default and the escape button
    qtbot.waitUntil(lambda: chair.verdict.state == "refused")
    assert chair.verdict.headline.text() == "Not used: deeper than planned"
    qtbot.waitUntil(lambda: find(chair, ScanField, "Scan unit").hasFocus())
    with ledger.read() as conn:
        assert conn.execute(select(UnitUse.id)).all() == []


def test_a_second_scan_in_the_same_session_changes_nothing_and_says_so(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    chair = open_chair(qtbot, open_window)
    scan_unit(qtbot, chair, "U1-001")
    scan_unit(qtbot, chair, "U1-001")
    assert chair.verdict.state == "info"
    assert chair.verdict.headline.text() == "Already recorded in this session"
    assert chair.uses_model.rowCount() == 1


def test_close_session_with_the_keyboard(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = open_chair(qtbot, open_window)
    session_id = chair.session.id
    qtbot.keyClick(
        find(chair, ScanField, "Scan unit"), Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier
    )
    dialog = open_dialog(qtbot, "Close session")
    close = find(dialog, QPushButton, "Close session")
    assert not close.isEnabled()  # not on silence: adverse events, or none, first
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Space)  # "None observed" has the focus
    assert close.isEnabled()
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.session is None
    with ledger.read() as conn:
        assert not sessions.get_session(conn, session_id).is_open
    assert find(chair, QLineEdit, "Client reference").isVisible()


def test_an_open_session_can_be_resumed(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    earlier = open_direct(ledger, client_ref="C-5", practitioner="Sam", area="neck", depth_mm="1.0")
    window = open_window("chair")
    chair = window.screens["chair"]
    assert isinstance(chair, ChairScreen)
    resume = find(chair, QComboBox, "Open sessions")
    assert resume.currentData() == earlier.id
    find(chair, QPushButton, "Resume session").click()
    wait_idle(qtbot, window)
    assert chair.session is not None and chair.session.id == earlier.id


def test_the_chair_fits_a_1280_by_800_screen(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    chair = open_chair(qtbot, open_window)
    scan_unit(qtbot, chair, "U1-001")
    window = chair.window()
    assert (window.width(), window.height()) == (1280, 800)
    area = window.rect()
    for widget in (chair.verdict, find(chair, ScanField, "Scan unit"), chair.close_button):
        top_left = widget.mapTo(window, widget.rect().topLeft())
        bottom_right = widget.mapTo(window, widget.rect().bottomRight())
        assert area.contains(top_left) and area.contains(bottom_right), widget.accessibleName()
    assert chair.verdict.width() >= 0.75 * window.width()  # full width of the content area
    assert chair.verdict.height() >= 160
    assert chair.verdict.headline.font().pointSizeF() >= 20


def test_a_chair_scan_does_not_wait_for_a_report_being_built(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    import threading

    chair = open_chair(qtbot, open_window)
    reports = chair.window().screens["reports"]
    release = threading.Event()
    long_job = reports.run_job(lambda job: release.wait(30), label="a long report")
    try:
        scan_unit(qtbot, chair, "U1-001")
        assert chair.verdict.state == "ok"  # the verdict came while the report still runs
        assert not long_job.is_cancelled() and not release.is_set()
    finally:
        release.set()
    wait_idle(qtbot, chair.window())
