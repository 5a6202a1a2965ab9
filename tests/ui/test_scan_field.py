"""The scan field keeps the GS1 group separator however the scanner sends it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inventory.barcode import parse_for_receiving
from ui.prefs import Prefs
from ui.scan_field import GS, SHOWN_SEPARATOR, ScanField

GTIN = "09506000100029"  # ends in ...0029, like Alt+0029: must never be mistaken for it
BOX_START = f"01{GTIN}1727013110LOT1"


@pytest.fixture
def field(qtbot: QtBot, prefs: Prefs) -> ScanField:
    widget = ScanField(prefs=prefs)
    qtbot.addWidget(widget)
    widget.show()
    widget.setFocus()
    return widget


def press(field: ScanField, key: Qt.Key, mods: Qt.KeyboardModifier, text: str = "") -> None:
    """Send exactly what Qt delivers for a key (QTest would invent text for some keys)."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(field, QKeyEvent(kind, key, mods, text))


def test_ctrl_bracket_burst_keeps_the_separator_visible_and_parses_right(
    qtbot: QtBot, field: ScanField
) -> None:
    qtbot.keyClicks(field, BOX_START)
    qtbot.keyClick(field, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, "21SN0001")
    assert field.text() == BOX_START + SHOWN_SEPARATOR + "21SN0001"
    assert field.scan_text() == BOX_START + GS + "21SN0001"
    with qtbot.waitSignal(field.scanned) as submitted:
        qtbot.keyClick(field, Qt.Key.Key_Return)
    scan = parse_for_receiving(submitted.args[0])
    assert (scan.lot, scan.serial) == ("LOT1", "SN0001")
    assert field.text() == ""  # ready for the next box


def test_a_stock_line_edit_would_have_merged_the_lot_and_serial(qtbot: QtBot) -> None:
    """Why the scan field exists: Qt drops Ctrl+] in a plain QLineEdit."""
    from PySide6.QtWidgets import QLineEdit

    plain = QLineEdit()
    qtbot.addWidget(plain)
    qtbot.keyClicks(plain, BOX_START)
    qtbot.keyClick(plain, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(plain, "21SN0001")
    assert plain.text() == BOX_START + "21SN0001"


def test_ascii_29_as_key_text_is_a_separator(field: ScanField) -> None:
    press(field, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, GS)
    assert field.text() == SHOWN_SEPARATOR


def test_german_layout_ctrl_plus_is_a_separator(field: ScanField) -> None:
    press(field, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier, GS)
    press(field, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert field.text() == SHOWN_SEPARATOR * 2


def test_function_key_is_a_separator_only_when_configured(
    qtbot: QtBot, field: ScanField, prefs: Prefs
) -> None:
    press(field, Qt.Key.Key_F8, Qt.KeyboardModifier.NoModifier)
    assert field.text() == ""  # not set up for a function key: ignored, as Qt would
    prefs.set_scanner("fkey", "F9")  # every scan field follows the setting at once
    press(field, Qt.Key.Key_F8, Qt.KeyboardModifier.NoModifier)
    press(field, Qt.Key.Key_F9, Qt.KeyboardModifier.NoModifier)
    assert field.text() == SHOWN_SEPARATOR


def _alt_0029(field: ScanField) -> None:
    alt_keypad = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.KeypadModifier
    for digit in "0029":
        press(field, getattr(Qt.Key, f"Key_{digit}"), alt_keypad, digit)
    press(field, Qt.Key.Key_Alt, Qt.KeyboardModifier.NoModifier)


def test_alt_0029_is_a_separator_when_the_scanner_uses_it(
    qtbot: QtBot, field: ScanField, prefs: Prefs
) -> None:
    prefs.set_scanner("alt0029", "F8")
    qtbot.keyClicks(field, BOX_START)  # contains "0029" typed as data: stays data
    _alt_0029(field)
    qtbot.keyClicks(field, "21SN0001")
    assert field.scan_text() == BOX_START + GS + "21SN0001"


def test_alt_keypad_0029_is_a_separator_whatever_the_setting(field: ScanField) -> None:
    """Issue 16: under X the default setting typed "0029" into the lot; Alt held with
    keypad digits is never scan data, so the field reads it as the separator."""
    _alt_0029(field)
    assert field.text() == SHOWN_SEPARATOR
    assert field.scan_text() == GS


def test_alt_top_row_digits_are_data_when_the_scanner_does_not_use_alt_codes(
    field: ScanField,
) -> None:
    for digit in "0029":
        press(field, getattr(Qt.Key, f"Key_{digit}"), Qt.KeyboardModifier.AltModifier, digit)
    press(field, Qt.Key.Key_Alt, Qt.KeyboardModifier.NoModifier)
    assert field.text() == "0029"


def test_other_alt_codes_keep_their_digits(field: ScanField, prefs: Prefs) -> None:
    prefs.set_scanner("alt0029", "F8")
    for digit in "0031":
        press(field, getattr(Qt.Key, f"Key_{digit}"), Qt.KeyboardModifier.AltModifier, digit)
    press(field, Qt.Key.Key_Alt, Qt.KeyboardModifier.NoModifier)
    assert field.text() == "0031"


def test_pasted_ascii_29_is_shown(field: ScanField) -> None:
    field.insert("10LOT1" + GS + "21S1")
    assert field.text() == "10LOT1" + SHOWN_SEPARATOR + "21S1"
    assert field.scan_text() == "10LOT1" + GS + "21S1"


def test_escape_clears_a_half_read_scan(qtbot: QtBot, field: ScanField) -> None:
    qtbot.keyClicks(field, "0109506")
    with qtbot.assertNotEmitted(field.scanned):
        qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == ""


def test_enter_on_an_empty_field_submits_nothing(qtbot: QtBot, field: ScanField) -> None:
    with qtbot.assertNotEmitted(field.scanned):
        qtbot.keyClick(field, Qt.Key.Key_Return)
