"""The chair knows microneedling: screening, depth guidance, consent, the pen, the series,
a cartridge outside the range, and closing with adverse events and the aftercare sheet.

Each test drives the real chair over a real SQLite ledger, as a person does, and reads
back what was recorded.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from inventory import receiving
from inventory.clock import FixedClock
from inventory.db import Database
from sterility import intake, pens, sessions
from sterility.care_models import AdverseEvent, SessionConfirmation
from sterility.models import Refusal, TreatmentSession, UnitUse
from tests.people import PASSWORD, staff
from tests.ui.chair_helpers import fill_intake, open_direct, ready_room, tick
from tests.ui.helpers import find, open_dialog, scan, wait_idle
from ui import desktop
from ui.main_window import MainWindow
from ui.screens.chair import ChairScreen

Opener = Callable[..., MainWindow]


def chair_at(
    qtbot: QtBot, open_window: Opener, *, actor: str = "Test Manager", client: str = "C-1042"
) -> ChairScreen:
    """The chair with its room ready (a sharps container open), the client typed."""
    window = open_window("chair", actor=staff(actor))
    ready_room(window.ctx.db)
    chair = window.screens["chair"]
    assert isinstance(chair, ChairScreen)
    find(chair, QLineEdit, "Client reference").setText(client)
    if actor == "Test Manager":
        find(chair, QComboBox, "Practitioner").setCurrentText("Dr Haddad")
    return chair


def press_open(qtbot: QtBot, chair: ChairScreen) -> None:
    find(chair, QPushButton, "Open session").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]


def confirmations(db: Database, session_id: int | None = None) -> list[tuple[str, str, str]]:
    """What was confirmed (kind, reason, by whom): in one session, or in all."""
    query = select(
        SessionConfirmation.kind, SessionConfirmation.reason, SessionConfirmation.confirmed_by
    ).order_by(SessionConfirmation.id)
    if session_id is not None:
        query = query.where(SessionConfirmation.session_id == session_id)
    with db.read() as conn:
        return [tuple(row) for row in conn.execute(query)]


def session_count(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(TreatmentSession)).scalar_one()


# -- screening


def test_a_yes_needs_a_manager_and_cancel_records_the_refusal(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = chair_at(qtbot, open_window, actor="Sam Okafor")
    fill_intake(qtbot, chair, yes=("rosacea",))
    said = find(chair, QLabel, "Screening result")
    assert said.isVisible() and "a manager must override" in said.text()
    press_open(qtbot, chair)
    dialog = open_dialog(qtbot, "Manager override")
    override = find(dialog, QPushButton, "Override and open")
    assert not override.isEnabled()
    # The practitioner cannot override: their own name and password are refused.
    find(dialog, QLineEdit, "Staff name").setText("Sam Okafor")
    find(dialog, QLineEdit, "Password").setText(PASSWORD)
    find(dialog, QPushButton, "Sign in as manager").click()
    message = find(dialog, QLabel, "Sign-in message")
    qtbot.waitUntil(lambda: "cannot override" in message.text(), timeout=10_000)
    find(dialog, QPlainTextEdit, "Override reason").setPlainText("Client insists")
    assert not override.isEnabled()  # still no manager
    find(dialog, QPushButton, "Cancel").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.session is None
    assert chair.verdict.code == "screening_positive"
    assert chair.verdict.headline.text() == "Not opened: screening positive"
    assert "Rosacea?" in chair.verdict.details.text()
    with ledger.read() as conn:
        reasons = conn.execute(select(Refusal.reason, Refusal.session_id)).all()
    assert [tuple(r) for r in reasons] == [("screening_positive", None)]
    assert session_count(ledger) == 0


def test_a_manager_signs_in_at_the_practitioners_chair_to_override(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = chair_at(qtbot, open_window, actor="Sam Okafor")
    fill_intake(qtbot, chair, yes=("acne",))
    press_open(qtbot, chair)
    dialog = open_dialog(qtbot, "Manager override")
    find(dialog, QLineEdit, "Staff name").setText("Test Manager")
    find(dialog, QLineEdit, "Password").setText(PASSWORD)
    find(dialog, QPushButton, "Sign in as manager").click()
    who = find(dialog, QLabel, "Overriding manager")
    qtbot.waitUntil(lambda: "Test Manager (manager) signed in" in who.text(), timeout=10_000)
    find(dialog, QPlainTextEdit, "Override reason").setPlainText("Acne is on the back only")
    find(dialog, QPushButton, "Override and open").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.session is not None and chair.session.practitioner == "Sam Okafor"
    assert chair.ctx.actor.name == "Sam Okafor"  # the window stays the practitioner's
    assert confirmations(ledger) == [
        ("screening_override", "Acne is on the back only", "Test Manager")
    ]
    with ledger.read() as conn:
        recorded = intake.intake_of(conn, chair.session.id)
    assert recorded is not None and recorded.screening_positive
    assert [a.key for a in recorded.positive] == ["acne"]
    qtbot.waitUntil(lambda: "overridden by Test Manager" in chair.session_care.text())


def test_a_manager_at_the_chair_only_gives_the_reason(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = chair_at(qtbot, open_window)
    fill_intake(qtbot, chair, yes=("keloid",))
    press_open(qtbot, chair)
    dialog = open_dialog(qtbot, "Manager override")
    assert not [w for w in dialog.findChildren(QLineEdit) if w.accessibleName() == "Password"]
    find(dialog, QPlainTextEdit, "Override reason").setPlainText("Small keloid, far from area")
    find(dialog, QPushButton, "Override and open").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.session is not None
    assert confirmations(ledger) == [
        ("screening_override", "Small keloid, far from area", "Test Manager")
    ]


def test_every_question_is_answered_and_the_consent_ticked_before_opening(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = chair_at(qtbot, open_window)
    fill_intake(qtbot, chair, consent=False)
    no, _yes = chair.intake.answer_buttons["eczema"]
    group = no.group()
    group.setExclusive(False)
    no.setChecked(False)  # one question left unanswered
    group.setExclusive(True)
    press_open(qtbot, chair)
    assert chair.session is None
    assert chair.verdict.headline.text() == "Complete the session form"
    assert "Eczema in the area?" in chair.verdict.details.text()
    qtbot.waitUntil(no.hasFocus)
    qtbot.mouseClick(no, Qt.MouseButton.LeftButton)
    press_open(qtbot, chair)
    assert chair.session is None
    assert "consent form v1" in chair.verdict.details.text()
    consent = find(chair, QCheckBox, "Client signed consent form v1")
    # The text the client signs can be read at the chair.
    find(chair, QPushButton, "Read the consent form").click()
    shown = open_dialog(qtbot, "Consent to microneedling (consent form v1)")
    assert "microneedling" in find(shown, QPlainTextEdit, "Form text").toPlainText().lower()
    shown.reject()
    tick(qtbot, consent)
    press_open(qtbot, chair)
    assert chair.session is not None
    assert session_count(ledger) == 1


# -- depth guidance, spacing, the pen


def test_depth_outside_the_range_is_shown_inline_and_its_confirmation_recorded(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = chair_at(qtbot, open_window)
    fill_intake(qtbot, chair, concern="texture and pores")
    guidance_line = find(chair, QLabel, "Depth guidance")
    assert guidance_line.text() == "Clinic range for texture and pores: 0.5 to 1.0 mm."
    find(chair, QComboBox, "Planned depth").setCurrentText("1.5")
    assert "1.5 mm is outside it: you will be asked to confirm" in guidance_line.text()
    press_open(qtbot, chair)
    dialog = open_dialog(qtbot, "Confirm before opening")
    assert chair.verdict.state == "confirm"
    reason = find(dialog, QLineEdit, "Reason: Planned depth outside the clinic's range")
    confirm = find(dialog, QPushButton, "Confirm and open")
    assert confirm.isEnabled()  # a reason is optional here
    reason.setText("Thicker skin on the forehead")
    confirm.click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.session is not None
    assert confirmations(ledger) == [
        ("depth_outside_range", "Thicker skin on the forehead", "Test Manager")
    ]


def test_cancelling_the_warnings_opens_nothing(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = chair_at(qtbot, open_window)
    fill_intake(qtbot, chair, room="Room 9")  # no sharps container open there
    qtbot.waitUntil(lambda: "No sharps container" in chair.intake.warnings.text())
    press_open(qtbot, chair)
    dialog = open_dialog(qtbot, "Confirm before opening")
    find(dialog, QPushButton, "Cancel").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.session is None and session_count(ledger) == 0
    assert "Nothing was opened" in chair.verdict.details.text()


def test_a_session_too_soon_in_the_series_needs_a_reason(
    qtbot: QtBot,
    open_window: Opener,
    stocked: receiving.ReceiptResult,
    ledger: Database,
    clock: FixedClock,
) -> None:
    earlier = open_direct(ledger, client_ref="C-1042", practitioner="Dr Haddad")
    sessions.close_session(ledger, earlier.id, by=staff("Dr Haddad"), adverse="none")
    clock.at += timedelta(days=10)  # the client is back ten days later
    chair = chair_at(qtbot, open_window)
    fill_intake(qtbot, chair)
    series = find(chair, QLabel, "Series")
    qtbot.waitUntil(lambda: "session 2 of 3" in series.text())
    assert "(10 days ago)" in series.text()
    assert "Last session 2026-03-10 (10 days ago)" in series.text()
    assert "Next due between 2026-04-07 and 2026-04-21" in series.text()
    press_open(qtbot, chair)
    dialog = open_dialog(qtbot, "Confirm before opening")
    confirm = find(dialog, QPushButton, "Confirm and open")
    assert not confirm.isEnabled()  # the spacing needs a reason
    find(dialog, QLineEdit, "Reason: Sooner than the series spacing").setText(
        "Client travels next month"
    )
    assert confirm.isEnabled()
    confirm.click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.session is not None
    assert confirmations(ledger, chair.session.id) == [
        ("series_spacing", "Client travels next month", "Test Manager")
    ]
    with ledger.read() as conn:
        recorded = intake.intake_of(conn, chair.session.id)
    assert recorded is not None and recorded.series_words == "session 2 of 3"


def test_a_pen_not_cleaned_warns_and_its_sleeve_is_asked_for(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    pens.add_pen(ledger, "PEN-7", model="Dr. Pen A6", by=staff("Test Manager"))
    chair = chair_at(qtbot, open_window)
    fill_intake(qtbot, chair)
    pen = find(chair, QComboBox, "Pen")
    items = [pen.itemText(i) for i in range(pen.count())]
    assert items == ["No pen (derma roller)", "PEN-7 (Dr. Pen A6) · cleaning overdue"]
    pen.setCurrentIndex(1)
    press_open(qtbot, chair)  # no sleeve ticked
    assert chair.session is None
    assert "Fit a new barrier sleeve on pen PEN-7" in chair.verdict.details.text()
    tick(qtbot, find(chair, QCheckBox, "New barrier sleeve fitted"))
    qtbot.waitUntil(lambda: "Pen PEN-7 has no cleaning recorded" in chair.intake.warnings.text())
    press_open(qtbot, chair)
    dialog = open_dialog(qtbot, "Confirm before opening")
    find(dialog, QLineEdit, "Reason: Pen not cleaned since its last session").setText(
        "Cleaned, record to follow"
    )
    find(dialog, QPushButton, "Confirm and open").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.session is not None and chair.session.device == "PEN-7"
    assert confirmations(ledger) == [
        ("pen_cleaning_overdue", "Cleaned, record to follow", "Test Manager")
    ]
    with ledger.read() as conn:
        recorded = intake.intake_of(conn, chair.session.id)
    assert recorded is not None and recorded.pen_serial == "PEN-7" and recorded.sleeve_fitted


def test_the_room_is_remembered_on_this_workstation(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    chair = chair_at(qtbot, open_window)
    fill_intake(qtbot, chair)
    press_open(qtbot, chair)
    assert chair.session is not None
    assert chair.ctx.prefs.text("chair/room") == "Room 1"
    assert find(chair, QLineEdit, "Room").text() == "Room 1"  # kept for the next client


# -- scanning


def test_a_cartridge_outside_the_range_asks_and_is_used_on_yes(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = chair_at(qtbot, open_window)
    find(chair, QComboBox, "Planned depth").setCurrentText("1.0")
    fill_intake(qtbot, chair, concern="acne scars")  # 1.0 to 2.5 mm
    press_open(qtbot, chair)
    assert chair.session is not None
    scan(qtbot, chair.scan, "U1-001")  # a 0.5 mm cartridge
    box = open_dialog(qtbot, "Confirm needles outside the range")
    assert chair.verdict.state == "confirm"
    assert chair.verdict.headline.text() == "Outside the clinic's range"
    assert "0.5 mm" in box.text()
    find(box, QPushButton, "Use it anyway").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.verdict.state == "ok"
    assert "Outside the clinic's range for the concern: confirmed." in chair.verdict.details.text()
    with ledger.read() as conn:
        used = conn.execute(select(UnitUse.session_id)).scalars().all()
        rows = conn.execute(select(SessionConfirmation.kind, SessionConfirmation.unit_id)).all()
    assert used == [chair.session.id]
    assert [kind for kind, _unit in rows] == ["cartridge_outside_range"]
    assert rows[0][1] is not None


def test_a_cartridge_outside_the_range_declined_is_not_used(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    chair = chair_at(qtbot, open_window)
    find(chair, QComboBox, "Planned depth").setCurrentText("1.0")
    fill_intake(qtbot, chair, concern="acne scars")
    press_open(qtbot, chair)
    scan(qtbot, chair.scan, "U1-001")
    box = open_dialog(qtbot, "Confirm needles outside the range")
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: chair.verdict.state == "refused")
    assert chair.verdict.headline.text() == "Not used: outside the clinic's range"
    with ledger.read() as conn:
        assert conn.execute(select(UnitUse.id)).all() == []


# -- closing


def test_closing_asks_for_adverse_events_and_prints_the_aftercare_sheet(
    qtbot: QtBot,
    open_window: Opener,
    stocked: receiving.ReceiptResult,
    ledger: Database,
    tmp_path: Path,
    opened: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chair = chair_at(qtbot, open_window)
    fill_intake(qtbot, chair)
    press_open(qtbot, chair)
    assert chair.session is not None
    session_id = chair.session.id
    target = tmp_path / "sheets" / "aftercare.pdf"
    target.parent.mkdir()
    asked: list[Path] = []

    def ask(_parent: object, _caption: str, suggested: Path, _kinds: str) -> Path:
        asked.append(suggested)
        return target

    monkeypatch.setattr(desktop, "ask_save_path", ask)
    qtbot.keyClick(chair.scan, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    dialog = open_dialog(qtbot, "Close session")
    close = find(dialog, QPushButton, "Close session")
    assert not close.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter alone closes nothing
    assert dialog.isVisible() and chair.session is not None
    find(dialog, QRadioButton, "Adverse events observed").setChecked(True)
    assert not close.isEnabled()  # a description is needed
    find(dialog, QPlainTextEdit, "Adverse event description").setPlainText(
        "Pinpoint bleeding at the left cheek, pressure applied"
    )
    assert close.isEnabled()
    find(dialog, QCheckBox, "Print aftercare sheet").setChecked(True)
    close.click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: target.exists() and target in opened, timeout=20_000)
    assert chair.session is None
    assert asked and asked[0].name == f"aftercare-session-{session_id}.pdf"
    assert asked[0].parent == chair.ctx.data_dir / "reports"
    assert "aftercare sheet is saved" in chair.verdict.details.text()
    with ledger.read() as conn:
        events = conn.execute(select(AdverseEvent.none_observed, AdverseEvent.description)).all()
        closed = sessions.get_session(conn, session_id)
    assert [tuple(e) for e in events] == [
        (False, "Pinpoint bleeding at the left cheek, pressure applied")
    ]
    assert not closed.is_open
    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "SPF 30" in text and "24 hours" in text
    assert chair.ctx.prefs.text("chair/print_aftercare") == "1"  # offered again next time


def test_none_observed_closes_without_a_sheet(
    qtbot: QtBot,
    open_window: Opener,
    stocked: receiving.ReceiptResult,
    ledger: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(desktop, "ask_save_path", lambda *_a: pytest.fail("no sheet asked"))
    chair = chair_at(qtbot, open_window)
    fill_intake(qtbot, chair)
    press_open(qtbot, chair)
    find(chair, QPushButton, "Close session").click()
    dialog = open_dialog(qtbot, "Close session")
    assert not find(dialog, QCheckBox, "Print aftercare sheet").isChecked()
    find(dialog, QRadioButton, "None observed").setChecked(True)
    find(dialog, QPushButton, "Close session").click()
    wait_idle(qtbot, chair.window())  # type: ignore[arg-type]
    assert chair.session is None
    with ledger.read() as conn:
        events = conn.execute(select(AdverseEvent.none_observed)).scalars().all()
    assert events == [True]
