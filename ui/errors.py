"""How errors reach a person: a rule's sentence in a plain dialog, a bug in a copyable report.

A :class:`~inventory.errors.LedgerError` carries a sentence written for clinic staff, so
it is shown as it is. Anything else is a bug: it is logged with its traceback to the
rotating log file, and shown in a dialog whose report can be copied to support. The
app installs :func:`install_excepthook` so that no exception, in any slot or thread,
ends the app silently.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

import PySide6
from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inventory import __version__
from inventory.errors import LedgerError

log = logging.getLogger("sterile_ledger.ui")


def log_file_hint() -> str:
    try:
        from inventory.paths import log_dir

        return str(log_dir() / "sterile-ledger.log")
    except Exception:  # the folder may be what is broken
        return "the log file in the data folder's logs/"


def error_report(error: BaseException) -> str:
    """The text a person copies to support: versions, platform and the traceback."""
    lines = [
        f"Sterile Ledger {__version__}",
        f"Python {platform.python_version()}, PySide6 {PySide6.__version__}, {platform.platform()}",
        "",
        *traceback.format_exception(type(error), error, error.__traceback__),
    ]
    return "\n".join(line.rstrip("\n") for line in lines)


class ErrorReportDialog(QDialog):
    """An unexpected error: what happened, that nothing half-written was kept, the report."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sterile Ledger: unexpected error")
        self.setAccessibleName("Unexpected error")
        self.setObjectName("errorReportDialog")
        intro = QLabel(
            "Sterile Ledger hit a problem it did not expect. Each change is saved in one "
            "step, so nothing half-written was kept. The details were written to "
            f"{log_file_hint()}. Copy the report below and send it to your support contact."
        )
        intro.setWordWrap(True)
        self.report = QPlainTextEdit(report)
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Error report")
        self.report.setMinimumSize(560, 220)
        copy = QPushButton("Copy report")
        copy.setAccessibleName("Copy report")
        copy.setToolTip("Copy the report to the clipboard")
        copy.clicked.connect(self.copy_report)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.report)
        layout.addWidget(buttons)

    def append(self, report: str) -> None:
        self.report.appendPlainText("\n" + "-" * 60 + "\n" + report)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())


def show_error(parent: QWidget | None, error: BaseException, title: str = "") -> QDialog:
    """Show an error without blocking: a rule's sentence, or a report for a bug."""
    if isinstance(error, LedgerError):
        box = QMessageBox(parent)
        busy = error.code in ("busy", "unit_busy")  # another workstation writing: a wait
        box.setIcon(QMessageBox.Icon.Information if busy else QMessageBox.Icon.Warning)
        box.setWindowTitle(("Busy: try again" if busy else title) or "Sterile Ledger")
        box.setText(error.message)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAccessibleName("Error message")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box
    return show_unexpected(parent, error)


def show_unexpected(parent: QWidget | None, error: BaseException) -> QDialog:
    """Log a bug with its traceback and show the copyable report (one dialog at a time)."""
    log.error("unexpected error: %s", error, exc_info=(type(error), error, error.__traceback__))
    report = error_report(error)
    window = parent.window() if parent is not None else _main_window()
    existing = window.findChild(ErrorReportDialog) if window is not None else None
    if existing is not None and existing.isVisible():
        existing.append(report)
        return existing
    dialog = ErrorReportDialog(report, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def _main_window() -> QWidget | None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    return app.activeWindow() or next(
        (w for w in app.topLevelWidgets() if w.isWindow() and w.isVisible()), None
    )


class _Relay(QObject):
    """Carries an exception from another thread to the main thread's dialog."""

    raised = Signal(object)


_relay: _Relay | None = None


def install_excepthook() -> Callable[[], None]:
    """Route every uncaught exception to the log and a dialog; returns an undo function."""
    global _relay
    _relay = _Relay()
    _relay.raised.connect(lambda error: show_unexpected(None, error))
    previous_hook, previous_thread_hook = sys.excepthook, threading.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous_hook(kind, error, tb)
            return
        if error.__traceback__ is None:
            error = error.with_traceback(tb)
        app = QApplication.instance()
        if app is None:
            log.critical("uncaught error", exc_info=(kind, error, tb))
            previous_hook(kind, error, tb)
        elif QThread.currentThread() == app.thread():
            show_unexpected(None, error)
        elif _relay is not None:
            _relay.raised.emit(error)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook

    def undo() -> None:
        sys.excepthook = previous_hook
        threading.excepthook = previous_thread_hook

    return undo
