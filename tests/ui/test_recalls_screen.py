"""Recalls: a notice entered here quarantines stock, lists the sessions, exports the trace."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from inventory import receiving
from inventory.db import Database
from inventory.models import Unit
from sterility import sessions
from sterility.chair import use_unit
from sterility.models import Recall
from tests.people import clear_intake, staff
from tests.ui.helpers import find, is_closed, open_dialog, wait_idle
from ui import desktop
from ui.dialogs import ReasonDialog, RecallDialog
from ui.main_window import MainWindow
from ui.screens.recalls import RecallsScreen

Opener = Callable[..., MainWindow]


@pytest.fixture
def treated(ledger: Database, stocked: receiving.ReceiptResult) -> Database:
    """Two clients treated with lot A100, one with a reference a spreadsheet would run."""
    for client, code in (("C-7", "U1-001"), ('=HYPERLINK("http://x")', "U1-002")):
        info = sessions.open_session(
            ledger,
            client_ref=client,
            practitioner="Sam",
            area="face",
            depth_mm="0.5",
            by=staff("Sam"),
            intake=clear_intake(),
        )
        use_unit(ledger, info.id, code, by=staff("Sam"))
    return ledger


def enter_recall(qtbot: QtBot, screen: RecallsScreen) -> None:
    find(screen, QPushButton, "Enter a recall notice").click()
    dialog = open_dialog(qtbot, "Enter a recall notice", RecallDialog)
    qtbot.waitUntil(lambda: dialog.lots.count() == 1)  # the lots of the first product
    dialog.check_lot("A100")
    find(dialog, QLineEdit, "Notice reference").setText("FSN-2026-117")
    find(dialog, QPlainTextEdit, "Notice text").setPlainText("Seal may be breached.")
    find(dialog, QPushButton, "Enter recall").click()
    qtbot.waitUntil(lambda: is_closed(dialog))
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]


def test_a_notice_quarantines_stock_and_lists_the_sessions_to_call(
    qtbot: QtBot, open_window: Opener, treated: Database
) -> None:
    window = open_window("recalls")
    screen = window.screens["recalls"]
    assert isinstance(screen, RecallsScreen)
    enter_recall(qtbot, screen)

    with treated.read() as conn:
        held = conn.execute(
            select(Unit.code).where(Unit.status == "quarantined").order_by(Unit.id)
        ).scalars()
        assert list(held) == [f"U1-{n:03d}" for n in range(3, 11)]
        assert conn.execute(select(Recall.reference)).scalar_one() == "FSN-2026-117"
    assert screen.quarantined_model.rowCount() == 8
    trace = [screen.trace_model.row(r) for r in range(screen.trace_model.rowCount())]
    assert sorted(r.unit_code for r in trace) == ["U1-001", "U1-002"]
    assert (
        "8 units on the shelf quarantined; 2 uses already made"
        in find(screen, QLabel, "Recall result").text()
    )
    assert find(screen, QPlainTextEdit, "Notice text").toPlainText() == "Seal may be breached."


def test_the_trace_exports_as_csv_with_formulas_neutralised(
    qtbot: QtBot,
    open_window: Opener,
    treated: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "trace.csv"
    monkeypatch.setattr(desktop, "ask_save_path", lambda *_args: target)
    window = open_window("recalls")
    screen = window.screens["recalls"]
    assert isinstance(screen, RecallsScreen)
    enter_recall(qtbot, screen)
    find(screen, QPushButton, "Export trace").click()
    wait_idle(qtbot, window)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["unit_code"] for r in rows) == ["U1-001", "U1-002"]
    clients = {r["unit_code"]: r["client_ref"] for r in rows}
    assert clients["U1-001"] == "C-7"
    assert clients["U1-002"] == '\'=HYPERLINK("http://x")'  # inert in a spreadsheet
    assert rows[0]["gtin"] == "09506000100029"  # the leading zero stays
    assert rows[0]["used_at_local"].endswith("+10:00")
    assert f"saved to {target}" in find(screen, QLabel, "Recall result").text()


def test_a_recall_is_closed_with_a_note(
    qtbot: QtBot, open_window: Opener, treated: Database
) -> None:
    window = open_window("recalls")
    screen = window.screens["recalls"]
    assert isinstance(screen, RecallsScreen)
    enter_recall(qtbot, screen)
    find(screen, QPushButton, "Close recall").click()
    dialog = open_dialog(qtbot, "Close recall FSN-2026-117", ReasonDialog)
    qtbot.keyClicks(dialog.field.lineEdit(), "Stock returned; clients called")
    qtbot.keyClick(dialog.field.lineEdit(), Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    with treated.read() as conn:
        note = conn.execute(select(Recall.close_note)).scalar_one()
    assert note == "Stock returned; clients called"
    qtbot.waitUntil(lambda: not find(screen, QPushButton, "Close recall").isEnabled())
    assert screen.recalls_model.row(0).closed_at is not None


def test_a_notice_without_lots_is_explained_in_the_dialog(
    qtbot: QtBot, open_window: Opener, treated: Database
) -> None:
    window = open_window("recalls")
    screen = window.screens["recalls"]
    find(screen, QPushButton, "Enter a recall notice").click()
    dialog = open_dialog(qtbot, "Enter a recall notice", RecallDialog)
    find(dialog, QLineEdit, "Notice reference").setText("FSN-1")
    find(dialog, QPushButton, "Enter recall").click()
    wait_idle(qtbot, window)
    assert dialog.isVisible()
    assert find(dialog, QLabel, "Problem").text() == (
        "Tick at least one lot, or type it under Other lots."
    )
    with treated.read() as conn:
        assert conn.execute(select(Recall.id)).first() is None
    dialog.reject()
