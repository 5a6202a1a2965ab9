"""Driving the real window from a script: typing, scanning, waiting, taking pictures.

The screenshot script and the UI benchmark use these, so Qt stays inside ``ui/``; the
tests use pytest-qt's qtbot for the same things.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from ui.main_window import MainWindow
from ui.screens.chair import ChairScreen

SCREEN = {"name": "Clinic", "x": 0, "y": 0, "width": 1920, "height": 1080, "dpr": 1}


def platform_args(scratch: Path) -> list[str]:
    """Offscreen, a 1920x1080 virtual screen (the plugin's default is 800x800)."""
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        return []
    config = scratch / "screens.json"
    config.write_text(json.dumps({"screens": [SCREEN | {"logicalDpi": 96}]}), encoding="utf-8")
    return ["-platform", f"offscreen:configfile={config}"]


def keep_settings_in(folder: Path) -> None:
    """This run's workstation preferences go to ``folder``, not the user's own."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


def spin_until(done: Callable[[], object], timeout: float = 120.0) -> float:
    """Process events until ``done()`` is true; returns the seconds it took."""
    start = time.perf_counter()
    while not done():
        QApplication.processEvents()
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the window did not get there in time")
        time.sleep(0.001)
    return time.perf_counter() - start


def settle(window: MainWindow, extra_ms: int = 120, timeout: float = 60.0) -> None:
    """Until the worker has delivered everything and the widgets have repainted."""
    spin_until(lambda: window.ctx.worker.idle, timeout)
    QTest.qWait(extra_ms)


def settle_widget(widget: QWidget, extra_ms: int = 120, timeout: float = 60.0) -> None:
    """A dialog before any window: until its own worker (if any) is idle and it repainted."""
    worker = getattr(widget, "worker", None)
    spin_until(lambda: worker is None or worker.idle, timeout)
    QTest.qWait(extra_ms)


def find(window: QWidget, name: str) -> QWidget:
    found = [w for w in window.findChildren(QWidget) if w.accessibleName() == name]
    if len(found) != 1:
        raise LookupError(f"{len(found)} widgets named {name!r}")
    return found[0]


def open_dialog(name: str) -> QDialog:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible() and widget.accessibleName() == name:
            return widget
    raise LookupError(f"no open dialog named {name!r}")


def type_text(widget: QWidget, text: str) -> None:
    QTest.keyClicks(widget, text)


def press_enter(widget: QWidget) -> None:
    QTest.keyClick(widget, Qt.Key.Key_Return)


def scan_burst(widget: QWidget, parts: list[str], *, enter: bool = True) -> None:
    """What a keyboard-wedge scanner types: the characters, Ctrl+] between parts, Enter."""
    widget.setFocus()
    for number, part in enumerate(parts):
        if number:
            QTest.keyClick(widget, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(widget, part)
    if enter:
        press_enter(widget)


def save_picture(window: QWidget, path: Path, dialog: QWidget | None = None) -> Path:
    """The window as shown; a dialog (its own window) is drawn where it sits over it."""
    picture = window.grab()
    if dialog is not None:
        picture = _with_dialog(picture, window, dialog)
    picture.save(str(path))
    return path


def _with_dialog(base: QPixmap, window: QWidget, dialog: QWidget) -> QPixmap:
    shot = dialog.grab()
    offset = dialog.frameGeometry().topLeft() - window.frameGeometry().topLeft()
    if not base.rect().contains(offset):
        offset = QPoint((base.width() - shot.width()) // 2, (base.height() - shot.height()) // 3)
    painter = QPainter(base)
    painter.fillRect(base.rect(), QColor(20, 30, 40, 70))  # the window dims behind a dialog
    painter.drawPixmap(offset, shot)
    painter.end()
    return base


def time_scan(chair: ChairScreen, code: str, timeout_ms: int = 10_000) -> float:
    """Seconds from Enter in the scan field to the verdict on screen, waiting the way the
    app does: in Qt's event loop, so the worker thread runs freely meanwhile."""
    loop = QEventLoop()
    banner = chair.verdict
    shown_before = banner.show_accepted

    def shown(verdict: object) -> None:
        shown_before(verdict)  # type: ignore[arg-type]
        loop.quit()

    banner.show_accepted = shown  # type: ignore[method-assign]
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    try:
        QTest.keyClicks(chair.scan, code)
        guard.start(timeout_ms)
        start = time.perf_counter()
        QTest.keyClick(chair.scan, Qt.Key.Key_Return)
        loop.exec()
        elapsed = time.perf_counter() - start
    finally:
        banner.show_accepted = shown_before  # type: ignore[method-assign]
        guard.stop()
    if banner.state != "ok":
        raise RuntimeError(f"{code} was not accepted: {banner.details.text()}")
    return elapsed
