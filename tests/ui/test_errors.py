"""Errors: a rule's sentence in a plain dialog; a bug in a copyable report, logged; never silent."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from inventory.errors import InvalidInput
from tests.ui.helpers import find, is_closed, message_box, open_dialog, wait_idle
from ui.errors import ErrorReportDialog, install_excepthook, show_error
from ui.main_window import MainWindow

Opener = Callable[..., MainWindow]


@pytest.fixture
def expect_error_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """For tests that provoke a bug on purpose: the log is theirs to check."""
    return caplog


def test_a_rule_is_shown_in_its_own_words(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window()
    show_error(window, InvalidInput("The reorder level must be 0 or more."))
    box = message_box(qtbot)
    assert box.text() == "The reorder level must be 0 or more."
    box.close()


def test_a_failing_background_job_shows_a_report_and_is_logged(
    qtbot: QtBot, open_window: Opener, expect_error_log: pytest.LogCaptureFixture
) -> None:
    window = open_window()

    def broken() -> None:
        raise ZeroDivisionError("a bug in a query")

    window.ctx.worker.submit(broken, owner=window)  # no failure callback: the default one
    wait_idle(qtbot, window)
    dialog = open_dialog(qtbot, "Unexpected error", ErrorReportDialog)
    report = find(dialog, QPlainTextEdit, "Error report").toPlainText()
    assert "ZeroDivisionError: a bug in a query" in report
    assert "in broken" in report  # the traceback, for support
    find(dialog, QPushButton, "Copy report").click()
    assert QGuiApplication.clipboard().text() == report
    assert any(
        r.levelno == logging.ERROR and r.exc_info and r.exc_info[0] is ZeroDivisionError
        for r in expect_error_log.records
    )
    dialog.close()


def test_an_exception_in_a_slot_reaches_the_excepthook_dialog_and_the_log_file(
    qtbot: QtBot,
    open_window: Opener,
    expect_error_log: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_window()
    log_file = tmp_path / "app.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    logging.getLogger().addHandler(handler)
    undo = install_excepthook()
    try:
        hook = sys.excepthook

        def boom() -> None:
            raise RuntimeError("unexpected state in a slot")

        try:
            boom()
        except RuntimeError:
            hook(*sys.exc_info())  # what PySide does with an exception from a slot
        dialog = open_dialog(qtbot, "Unexpected error", ErrorReportDialog)
        assert "RuntimeError: unexpected state in a slot" in dialog.report.toPlainText()
        dialog.close()
    finally:
        undo()
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert "unexpected state in a slot" in log_file.read_text(encoding="utf-8")
    assert sys.excepthook is not hook


def test_errors_from_another_thread_are_shown_on_the_main_thread(
    qtbot: QtBot, open_window: Opener, expect_error_log: pytest.LogCaptureFixture
) -> None:
    import threading

    open_window()
    undo = install_excepthook()
    try:

        def fail() -> None:
            raise ValueError("from a helper thread")

        thread = threading.Thread(target=fail)
        thread.start()
        thread.join()
        dialog = open_dialog(qtbot, "Unexpected error", ErrorReportDialog)
        assert "ValueError: from a helper thread" in dialog.report.toPlainText()
        dialog.close()
    finally:
        undo()


def test_a_second_error_joins_the_open_report(
    qtbot: QtBot, open_window: Opener, expect_error_log: pytest.LogCaptureFixture
) -> None:
    window = open_window()
    first = show_error(window, KeyError("one"))
    second = show_error(window, KeyError("two"))
    assert first is second
    text = find(first, QPlainTextEdit, "Error report").toPlainText()
    assert "KeyError: 'one'" in text and "KeyError: 'two'" in text
    first.close()
    qtbot.waitUntil(lambda: is_closed(first))
