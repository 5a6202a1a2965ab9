"""The scan field: a line edit that keeps a keyboard-wedge scanner's group separator.

A stock QLineEdit silently drops the GS1 group separator whichever way the scanner sends
it (DESIGN.md, "Scanning"): Ctrl+] arrives as Key_BracketRight with text "\\x1d", an
F-key arrives with no text, a Windows-mode scanner types Alt+0029 as digits, and on a
German layout Ctrl+] arrives as Ctrl++. Each of these becomes a visible "␝" here, and
:meth:`ScanField.scan_text` turns it back into ASCII 29 before anything is parsed.

Alt held with the keypad digits 0, 0, 2, 9 is read here as one separator whatever the
setting: where the system does not compose Alt codes (X11, some remote desktops) the
digits would otherwise land in the lot. Where it does compose them (Windows), the
composed ASCII 29 that follows the digits is not counted twice. Ctrl+5 is the Recalls
shortcut, even on layouts where it also carries ASCII 29. Which way each separator
arrived is kept with the scan (:attr:`ScanField.last_methods`) for Settings' "Try it".
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QFontDatabase,
    QInputMethodEvent,
    QKeyEvent,
    QTextCharFormat,
)
from PySide6.QtWidgets import QLineEdit, QWidget

from ui import style
from ui.prefs import FUNCTION_KEYS, Prefs

GS = "\x1d"
SHOWN_SEPARATOR = "\u241d"  # ␝ SYMBOL FOR GROUP SEPARATOR
ALT_CODE = "0029"

_FKEYS = {name: getattr(Qt.Key, f"Key_{name}") for name in FUNCTION_KEYS}
_DIGITS = {getattr(Qt.Key, f"Key_{n}"): str(n) for n in range(10)}
_CTRL = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier
_ALT = Qt.KeyboardModifier.AltModifier
_KEYPAD = Qt.KeyboardModifier.KeypadModifier
# The keypad with Num Lock off sends navigation keys; Alt codes still use them.
_KEYPAD_NAVIGATION = {
    Qt.Key.Key_Insert: "0",
    Qt.Key.Key_End: "1",
    Qt.Key.Key_Down: "2",
    Qt.Key.Key_PageDown: "3",
    Qt.Key.Key_Left: "4",
    Qt.Key.Key_Clear: "5",
    Qt.Key.Key_Right: "6",
    Qt.Key.Key_Home: "7",
    Qt.Key.Key_Up: "8",
    Qt.Key.Key_PageUp: "9",
}
_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Meta,
        Qt.Key.Key_NumLock,
    }
)
SHORTCUT_DIGITS = frozenset({Qt.Key.Key_5})
"""Ctrl+5 opens Recalls; some layouts also give it the text ASCII 29."""

METHOD_WORDS = {
    "ascii29": "ASCII 29 (Ctrl+])",
    "ctrl": "Ctrl+]",
    "fkey": "a function key",
    "alt0029": "Alt+0029 on the keypad",
}
"""How a separator arrived, in words (Settings' "Try it")."""


def _separator_format() -> QTextCharFormat:
    shown = QTextCharFormat()
    shown.setBackground(QColor(style.SEPARATOR_BACKGROUND))
    shown.setForeground(QColor(style.SEPARATOR_INK))
    shown.setFontWeight(QFont.Weight.Bold)
    return shown


_SEPARATOR_FORMAT = _separator_format()


class ScanField(QLineEdit):
    """Takes a scanner's burst of keystrokes (or typed text); Enter submits the scan."""

    scanned = Signal(str)
    """The scan as the barcode carries it (ASCII 29 separators), emitted on Enter."""

    def __init__(self, parent: QWidget | None = None, *, prefs: Prefs | None = None) -> None:
        super().__init__(parent)
        self._method = "ctrl"
        self._fkey = Qt.Key.Key_F8
        self._alt_digits = ""
        self._alt_held = False
        self._composed_may_follow = False
        self._methods: list[str] = []
        self._highlighted = False
        self.last_scan = ""
        self.last_methods: list[str] = []
        """How each separator of the last submitted scan arrived ("ctrl", "ascii29",
        "fkey", "alt0029"), in order; empty when the scan carried none."""
        self.setPlaceholderText("Scan a barcode, or type it and press Enter")
        self.setAccessibleDescription(
            "Barcode scanner input. Group separators are shown as \u241d. Enter submits."
        )
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), 11.0) * 1.25)
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.setFont(mono)
        self.setClearButtonEnabled(True)
        self.returnPressed.connect(self._submit)
        self.textChanged.connect(self._show_separators)
        if prefs is not None:
            self.configure(prefs.scanner_method, prefs.scanner_fkey)
            prefs.scanner_changed.connect(self.configure)

    def configure(self, method: str, fkey: str) -> None:
        """How this workstation's scanner sends the separator (Settings > Scanner)."""
        self._method = method
        self._fkey = _FKEYS.get(fkey, Qt.Key.Key_F8)
        self._alt_digits = ""

    @property
    def method(self) -> str:
        return self._method

    def scan_text(self) -> str:
        """The field's text with every shown separator turned back into ASCII 29."""
        return self.text().replace(SHOWN_SEPARATOR, GS)

    def event(self, event: QEvent) -> bool:
        # Claim separator keys (and Alt+keypad digits) before any window shortcut (F8,
        # Ctrl++ zoom, a mnemonic) can take them.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (self._separator_method(event) or self._alt_digit(event) is not None)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in _MODIFIER_KEYS:
            if key == Qt.Key.Key_Alt:
                self._alt_held = True
            super().keyPressEvent(event)
            return
        if self._composed_may_follow and event.text() == GS:
            # Windows composed the Alt code itself: the digits were already one separator.
            self._composed_may_follow = False
            event.accept()
            return
        self._composed_may_follow = False
        method = self._separator_method(event)
        if method:
            self._flush_alt_digits()
            self._insert_separator(method)
            event.accept()
            return
        if self._take_alt_digit(event):
            event.accept()
            return
        self._flush_alt_digits()
        if event.modifiers() & _CTRL and key in SHORTCUT_DIGITS:
            event.ignore()  # the window's Ctrl+5 (Recalls), never text in the scan
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()  # a half-read scan is thrown away, never submitted
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        # Digits typed so far stay pending: some scanners press and release Alt around
        # each digit. The next other key (or Enter, or leaving the field) decides.
        if event.key() == Qt.Key.Key_Alt:
            self._alt_held = False
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._flush_alt_digits()
        super().focusOutEvent(event)

    def _separator_method(self, event: QKeyEvent) -> str:
        """How this key event carries a separator ("" when it does not)."""
        key, mods = event.key(), event.modifiers()
        if mods & _CTRL and key in SHORTCUT_DIGITS:
            return ""  # Ctrl+5 is a shortcut, even where it also carries ASCII 29
        if mods & _CTRL and key in (Qt.Key.Key_BracketRight, Qt.Key.Key_Plus):
            return "ctrl"  # US layout Ctrl+], or a US-set scanner on a German layout
        if event.text() == GS:
            return "ascii29"
        if self._method == "fkey" and key == self._fkey and not event.text():
            return "fkey"
        return ""

    def _alt_digit(self, event: QKeyEvent) -> str | None:
        """The digit of an Alt+keypad key (None for any other key).

        On the keypad (or, with the Alt+0029 setting, the top row too) a digit typed with
        Alt held is part of an Alt code, never scan data.
        """
        mods = event.modifiers()
        if not (mods & _ALT or self._alt_held) or mods & _CTRL:
            return None
        key = Qt.Key(event.key())
        if mods & _KEYPAD:
            return _DIGITS.get(key) or _KEYPAD_NAVIGATION.get(key)
        return _DIGITS.get(key) if self._method == "alt0029" else None

    def _take_alt_digit(self, event: QKeyEvent) -> bool:
        """Alt+0029 on the keypad is one separator; other Alt codes keep their digits."""
        digit = self._alt_digit(event)
        if digit is None:
            return False
        self._alt_digits += digit
        if self._alt_digits == ALT_CODE:
            self._alt_digits = ""
            self._insert_separator("alt0029")
            self._composed_may_follow = True
        elif not ALT_CODE.startswith(self._alt_digits):
            self._flush_alt_digits()
        return True

    def _insert_separator(self, method: str) -> None:
        self._methods.append(method)
        self.insert(SHOWN_SEPARATOR)

    def _flush_alt_digits(self) -> None:
        """Digits that turned out not to be Alt+0029 are kept as typed, never dropped."""
        if self._alt_digits:
            digits, self._alt_digits = self._alt_digits, ""
            self.insert(digits)

    def _show_separators(self, text: str) -> None:
        """Pasted or programmatic ASCII 29 is shown as ␝ too, so nothing is invisible."""
        if not text:
            self._methods.clear()  # a new scan starts
        if GS in text:
            cursor = self.cursorPosition()
            self.setText(text.replace(GS, SHOWN_SEPARATOR))
            self.setCursorPosition(cursor)
            return
        self._highlight_separators(text)

    def _highlight_separators(self, text: str) -> None:
        """Mark each ␝ with a bright background: the glyph alone is small in most fonts.

        QLineEdit has no rich text; per-character formats go in through an input
        method event with no text, which changes nothing but how the text is drawn.
        """
        positions = [i for i, ch in enumerate(text) if ch == SHOWN_SEPARATOR]
        if not positions and not self._highlighted:
            return
        self._highlighted = bool(positions)
        cursor = self.cursorPosition()
        attributes = [
            QInputMethodEvent.Attribute(
                QInputMethodEvent.AttributeType.TextFormat, i - cursor, 1, _SEPARATOR_FORMAT
            )
            for i in positions
        ]
        QCoreApplication.sendEvent(self, QInputMethodEvent("", attributes))

    def _submit(self) -> None:
        self._flush_alt_digits()
        text = self.scan_text()
        if not text.strip():
            return
        self.last_scan = text
        self.last_methods = list(self._methods)
        self.clear()
        self.scanned.emit(text)
