"""The pinned PySide6 does not leak references to None or True.

PySide6 6.12.0 on Python 3.11 lost one reference to None on every Qt call returning
nothing and one to True on every emit, until CPython aborted mid-session. This keeps a
leaking build from being pinned again.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLineEdit


class _Sender(QObject):
    happened = Signal()


def test_void_calls_and_emits_keep_none_and_true_alive(qtbot) -> None:
    field, sender = QLineEdit(), _Sender()
    qtbot.addWidget(field)
    for _ in range(50):  # warm caches first
        field.setText("x")
        sender.happened.emit()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(5000):
        field.setText("x")
        sender.happened.emit()
    assert none_before - sys.getrefcount(None) < 100
    assert true_before - sys.getrefcount(True) < 100
