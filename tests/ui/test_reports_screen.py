"""Reports: export through the screen with progress, cancel it, then open the folder."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from inventory import receiving
from inventory.db import Database
from reports.export import ExportCancelled
from sterility import sessions
from sterility.chair import use_unit
from tests.people import clear_intake, staff
from tests.ui.helpers import find, wait_idle
from ui.main_window import MainWindow
from ui.screens import reports as reports_screen
from ui.screens.reports import ReportsScreen, period_for

Opener = Callable[..., MainWindow]


def reports(qtbot: QtBot, open_window: Opener, folder: Path) -> ReportsScreen:
    window = open_window("reports")
    screen = window.screens["reports"]
    assert isinstance(screen, ReportsScreen)
    find(screen, QLineEdit, "Export folder").setText(str(folder))
    find(screen, QDateEdit, "From").setDate(QDate(2026, 3, 1))
    find(screen, QDateEdit, "To").setDate(QDate(2026, 3, 31))
    assert find(screen, QComboBox, "Period").currentText() == "Custom"
    return screen


def test_a_compliance_report_is_exported_through_the_screen(
    qtbot: QtBot,
    open_window: Opener,
    ledger: Database,
    stocked: receiving.ReceiptResult,
    tmp_path: Path,
    opened: list[Path],
) -> None:
    info = sessions.open_session(
        ledger, client_ref="C-1", practitioner="Sam", area="face", depth_mm="0.5", by=staff("Sam"),
        intake=clear_intake(),
    )
    use_unit(ledger, info.id, "U1-001", by=staff("Sam"))
    folder = tmp_path / "out"
    screen = reports(qtbot, open_window, folder)
    progress: list[int] = []
    screen.progress.valueChanged.connect(progress.append)
    find(screen, QPushButton, "Export report").click()
    assert screen.running
    qtbot.waitUntil(lambda: not screen.running, timeout=60_000)
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]

    result = screen.last_result
    assert result.pdf is not None and result.pdf.is_file()
    assert result.pdf.read_bytes().startswith(b"%PDF")
    assert result.csv_files and all(p.is_file() for p in result.csv_files)
    assert len(result.digest) == 64
    text = find(screen, QLabel, "Export result").text()
    assert f"in {folder}" in text and result.pdf.name in text and result.digest in text
    assert progress and progress[-1] == 1000 and len(set(progress)) > 2
    assert opened == [folder]  # the folder is opened for the manager (nothing launched here)
    assert find(screen, QPushButton, "Export report").isEnabled()


def test_cancel_stops_the_export_while_the_window_stays_usable(
    qtbot: QtBot,
    open_window: Opener,
    ledger: Database,
    tmp_path: Path,
    opened: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = threading.Event()

    def slow_export(db, start, end, *, pdf, csv, by, progress, cancel, **_options):
        assert (start, end, by.name) == (date(2026, 3, 1), date(2026, 3, 31), "Test Manager")
        started.set()
        for step in range(1000):
            if cancel():
                raise ExportCancelled("The export was cancelled.")
            progress(step / 1000, f"Sessions {step}")
            time.sleep(0.01)
        raise AssertionError("the export was never cancelled")

    monkeypatch.setattr(reports_screen, "export_compliance", slow_export)
    screen = reports(qtbot, open_window, tmp_path / "out")
    window = screen.window()
    assert isinstance(window, MainWindow)
    find(screen, QPushButton, "Export report").click()
    qtbot.waitUntil(started.is_set)
    qtbot.waitUntil(lambda: screen.progress.value() > 0)
    assert not find(screen, QPushButton, "Export report").isEnabled()

    window.show_screen("dashboard")  # the window answers while the report is built
    assert window.stack.currentWidget() is window.screens["dashboard"]
    window.show_screen("reports")
    find(screen, QPushButton, "Cancel export").click()
    qtbot.waitUntil(lambda: not screen.running, timeout=10_000)

    assert find(screen, QLabel, "Export result").text() == (
        "Export cancelled; no report files were kept."
    )
    assert find(screen, QPushButton, "Export report").isEnabled()
    assert not find(screen, QPushButton, "Open folder").isEnabled()
    assert opened == []


def test_nothing_to_export_is_said_before_any_work(
    qtbot: QtBot, open_window: Opener, tmp_path: Path
) -> None:
    screen = reports(qtbot, open_window, tmp_path)
    find(screen, QCheckBox, "PDF").setChecked(False)
    find(screen, QCheckBox, "CSV").setChecked(False)
    find(screen, QPushButton, "Export report").click()
    assert find(screen, QLabel, "Export result").text() == "Choose PDF, CSV or both."
    assert not screen.running


def test_named_periods_are_whole_calendar_periods() -> None:
    today = date(2026, 3, 10)
    assert period_for("Last month", today) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_for("This month", today) == (date(2026, 3, 1), today)
    assert period_for("Last 3 months", today) == (date(2026, 1, 1), today)
    assert period_for("Last year", today) == (date(2025, 1, 1), date(2025, 12, 31))
