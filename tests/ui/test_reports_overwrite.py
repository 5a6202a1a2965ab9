"""Exporting onto an earlier report asks first: No keeps its files, Yes replaces them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QLabel, QLineEdit, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from inventory import receiving
from inventory.db import Database
from sterility import sessions
from sterility.chair import use_unit
from tests.people import clear_intake, staff
from tests.ui.helpers import find, wait_idle
from ui.main_window import MainWindow
from ui.screens.reports import ReportsScreen

Opener = Callable[..., MainWindow]


def _export(qtbot: QtBot, screen: ReportsScreen) -> None:
    find(screen, QPushButton, "Export report").click()
    qtbot.waitUntil(lambda: not screen.running, timeout=60_000)
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]


def test_an_earlier_export_is_replaced_only_when_the_person_says_yes(
    qtbot: QtBot,
    open_window: Opener,
    ledger: Database,
    stocked: receiving.ReceiptResult,
    tmp_path: Path,
    opened: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = sessions.open_session(
        ledger, client_ref="C-1", practitioner="Sam", area="face", depth_mm="0.5", by=staff("Sam"),
        intake=clear_intake(),
    )
    use_unit(ledger, info.id, "U1-001", by=staff("Sam"))
    window = open_window("reports")
    screen = window.screens["reports"]
    assert isinstance(screen, ReportsScreen)
    folder = tmp_path / "out"
    find(screen, QLineEdit, "Export folder").setText(str(folder))
    find(screen, QDateEdit, "From").setDate(QDate(2026, 3, 1))
    find(screen, QDateEdit, "To").setDate(QDate(2026, 3, 31))
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]

    def question(parent, title, text, *_args):  # the dialog's words, and the answer given
        asked.append(f"{title}\n{text}")
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    _export(qtbot, screen)
    assert not asked, "nothing was there: no question"
    pdf = folder / "compliance-2026-03-01-to-2026-03-31.pdf"
    first = pdf.read_bytes()
    result = find(screen, QLabel, "Export result")

    _export(qtbot, screen)
    assert len(asked) == 1 and "Replace the earlier report?" in asked[0]
    assert pdf.name in asked[0] and str(folder) in asked[0]
    assert pdf.read_bytes() == first, "No keeps the earlier files"
    assert "Nothing was exported" in result.text()

    answer[0] = QMessageBox.StandardButton.Yes
    _export(qtbot, screen)
    assert len(asked) == 2
    assert pdf.read_bytes() != first, "Yes replaces them"
    assert "Saved" in result.text()
    assert (folder / "VERIFY.txt").is_file()
