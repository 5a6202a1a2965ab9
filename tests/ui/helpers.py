"""How UI tests act like a person: find controls by accessible name, type, scan, wait."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import shiboken6
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow

W = TypeVar("W", bound=QWidget)


def wait_idle(qtbot: QtBot, window: MainWindow, timeout: int = 10_000) -> None:
    """Until every background job has run and its result has reached the widgets."""
    long = window.ctx.long_worker
    qtbot.waitUntil(lambda: window.ctx.worker.idle and (long is None or long.idle), timeout=timeout)


def find(root: QWidget, cls: type[W], name: str) -> W:
    """The one widget of this type with this accessible name (what a screen reader sees)."""
    found = [w for w in root.findChildren(cls) if w.accessibleName() == name]
    assert len(found) == 1, f"expected one {cls.__name__} named {name!r}, found {len(found)}"
    return found[0]


def open_dialog(qtbot: QtBot, name: str, cls: type[W] = QDialog) -> W:  # type: ignore[assignment]
    """The visible dialog with this accessible name, once it has opened."""
    found: list[W] = []

    def opened() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, cls) and w.isVisible() and w.accessibleName() == name
        ]
        return len(found) == 1

    qtbot.waitUntil(opened, timeout=5_000)
    return found[0]


def is_closed(widget: QWidget) -> bool:
    """Closed: hidden, or already deleted (dialogs delete themselves on close)."""
    return not shiboken6.isValid(widget) or not widget.isVisible()


def message_box(qtbot: QtBot, name: str = "Error message") -> QMessageBox:
    return open_dialog(qtbot, name, QMessageBox)


def scan(qtbot: QtBot, field: QWidget, *parts: str) -> None:
    """A keyboard-wedge scanner's burst: the characters, Ctrl+] between parts, then Enter."""
    for number, part in enumerate(parts):
        if number:
            qtbot.keyClick(field, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(field, part)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def read_codes(image: QImage) -> list[zxingcpp.Barcode]:
    """The barcodes zxing-cpp reads in a Qt image (what a phone would read off the screen)."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(gray.constBits(), np.uint8).reshape(gray.height(), gray.bytesPerLine())
    return list(zxingcpp.read_barcodes(np.ascontiguousarray(rows[:, : gray.width()])))
