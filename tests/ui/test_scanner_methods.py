"""Each way a scanner sends the separator, as key events, in the field and in "Try it"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.helpers import find, wait_idle
from ui.main_window import MainWindow
from ui.prefs import Prefs
from ui.scan_field import GS, ScanField

Opener = Callable[..., MainWindow]
GTIN = "09506000100029"
ALT_KEYPAD = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.KeypadModifier
NO_MODS = Qt.KeyboardModifier.NoModifier


def press(widget: QWidget, key: Qt.Key, mods: Qt.KeyboardModifier, text: str = "") -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, mods, text))


def alt_down(widget: QWidget) -> None:
    QApplication.sendEvent(
        widget, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Alt, Qt.KeyboardModifier.AltModifier)
    )


def alt_up(widget: QWidget) -> None:
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Alt, NO_MODS))


def alt_0029(widget: QWidget, *, release_between: bool = False) -> None:
    """Alt held, keypad 0 0 2 9 (X11 delivers digits with Alt and the keypad flag)."""
    alt_down(widget)
    for digit in "0029":
        press(widget, getattr(Qt.Key, f"Key_{digit}"), ALT_KEYPAD, digit)
        if release_between:
            alt_up(widget)
            alt_down(widget)
    alt_up(widget)


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    qtbot.keyClicks(widget, text)


def field(qtbot: QtBot, prefs: Prefs) -> ScanField:
    widget = ScanField(prefs=prefs)
    qtbot.addWidget(widget)
    widget.show()
    widget.setFocus()
    return widget


def test_alt_keypad_0029_with_the_default_setting_is_one_separator(
    qtbot: QtBot, prefs: Prefs
) -> None:
    scan_field = field(qtbot, prefs)
    assert prefs.scanner_method == "ctrl"
    type_text(qtbot, scan_field, f"01{GTIN}1727013110GUIALT")
    alt_0029(scan_field)
    type_text(qtbot, scan_field, "21SALT01")
    assert scan_field.scan_text() == f"01{GTIN}1727013110GUIALT{GS}21SALT01"
    with qtbot.waitSignal(scan_field.scanned):
        qtbot.keyClick(scan_field, Qt.Key.Key_Return)
    assert scan_field.last_methods == ["alt0029"]


def test_alt_released_between_digits_still_makes_one_separator(
    qtbot: QtBot, prefs: Prefs
) -> None:
    scan_field = field(qtbot, prefs)
    type_text(qtbot, scan_field, "10LOT1")
    alt_0029(scan_field, release_between=True)
    type_text(qtbot, scan_field, "21S1")
    assert scan_field.scan_text() == f"10LOT1{GS}21S1"


def test_keypad_with_num_lock_off_is_read_as_its_digits(qtbot: QtBot, prefs: Prefs) -> None:
    scan_field = field(qtbot, prefs)
    type_text(qtbot, scan_field, "10LOT1")
    alt_down(scan_field)
    for key in (Qt.Key.Key_Insert, Qt.Key.Key_Insert, Qt.Key.Key_Down, Qt.Key.Key_PageUp):
        press(scan_field, key, ALT_KEYPAD)
    alt_up(scan_field)
    assert scan_field.scan_text() == f"10LOT1{GS}"


def test_windows_composed_separator_after_the_digits_is_not_doubled(
    qtbot: QtBot, prefs: Prefs
) -> None:
    scan_field = field(qtbot, prefs)
    type_text(qtbot, scan_field, "10LOT1")
    alt_0029(scan_field)
    press(scan_field, Qt.Key.Key_unknown, NO_MODS, GS)  # what Windows composes afterwards
    type_text(qtbot, scan_field, "21S1")
    assert scan_field.scan_text() == f"10LOT1{GS}21S1"


def test_each_method_is_recorded_with_the_scan(qtbot: QtBot, prefs: Prefs) -> None:
    prefs.set_scanner("fkey", "F8")
    scan_field = field(qtbot, prefs)
    type_text(qtbot, scan_field, "10A")
    qtbot.keyClick(scan_field, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, scan_field, "21B")
    press(scan_field, Qt.Key.Key_F8, NO_MODS)
    type_text(qtbot, scan_field, "240C")
    press(scan_field, Qt.Key.Key_unknown, NO_MODS, "\x1a")  # substitute: not a separator
    with qtbot.waitSignal(scan_field.scanned):
        qtbot.keyClick(scan_field, Qt.Key.Key_Return)
    assert scan_field.last_methods == ["ctrl", "fkey"]


def test_ctrl_5_in_a_scan_field_opens_recalls(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("receive")
    scan_field = find(window.screens["receive"], ScanField, "Scan box")
    scan_field.setFocus()
    qtbot.keyClicks(scan_field, "10LOT1")
    qtbot.keyClick(scan_field, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert window.current_screen() is window.screens["recalls"]
    assert scan_field.text() == "10LOT1"  # no separator was typed


def test_try_it_judges_the_separator_it_saw(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("settings")
    screen = window.screens["settings"]
    tried = find(screen, ScanField, "Try your scanner")
    result = find(screen, QLabel, "Scanner test result")
    tried.setFocus()

    type_text(qtbot, tried, f"01{GTIN}1727013110GUIALT0029" + "21SALT01")
    qtbot.keyClick(tried, Qt.Key.Key_Return)
    assert "Alt+0029" in result.text() and "scanner works" not in result.text()

    type_text(qtbot, tried, f"01{GTIN}1727013110LOT1")
    qtbot.keyClick(tried, Qt.Key.Key_Return)
    assert "No group separator arrived" in result.text()

    type_text(qtbot, tried, f"01{GTIN}1727013110LOT1")
    alt_0029(tried)
    type_text(qtbot, tried, "21S9")
    qtbot.keyClick(tried, Qt.Key.Key_Return)
    assert "arrived as Alt+0029 on the keypad" in result.text()
    assert "choose the setting that matches the scanner" in result.text()

    type_text(qtbot, tried, f"01{GTIN}1727013110LOT1")
    qtbot.keyClick(tried, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, tried, "21S9")
    qtbot.keyClick(tried, Qt.Key.Key_Return)
    assert "The scanner works. The separator arrived as Ctrl+]." in result.text()
