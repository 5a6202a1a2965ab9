"""The scan field: a line edit that keeps a keyboard-wedge scanner's group separator.

A stock QLineEdit silently drops the GS1 group separator whichever way the scanner sends
it (DESIGN.md, "Scanning"): Ctrl+] arrives as Key_BracketRight with text "\\x1d", an
F-key arrives with no text, a Windows-mode scanner types Alt+0029 as digits, and on a
German layout Ctrl+] arrives as Ctrl++. Each of these becomes a visible "␝" here, and
:meth:`ScanField.scan_text` turns it back into ASCII 29 before anything is parsed.
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
        self._highlighted = False
        self.last_scan = ""
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
        # Claim separator keys before any window shortcut (F8, Ctrl++ zoom) can take them.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._is_separator(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._is_separator(event):
            self._flush_alt_digits()
            self.insert(SHOWN_SEPARATOR)
            event.accept()
            return
        if self._take_alt_digit(event):
            event.accept()
            return
        self._flush_alt_digits()
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()  # a half-read scan is thrown away, never submitted
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Alt:
            self._flush_alt_digits()
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._flush_alt_digits()
        super().focusOutEvent(event)

    def _is_separator(self, event: QKeyEvent) -> bool:
        if event.text() == GS:
            return True
        key, mods = event.key(), event.modifiers()
        if mods & _CTRL and key in (Qt.Key.Key_BracketRight, Qt.Key.Key_Plus):
            return True  # US layout Ctrl+], or a US-set scanner on a German layout
        return self._method == "fkey" and key == self._fkey and not event.text()

    def _take_alt_digit(self, event: QKeyEvent) -> bool:
        """Alt+0029 on the keypad is one separator, when the scanner is set up that way."""
        if self._method != "alt0029":
            return False
        if not event.modifiers() & Qt.KeyboardModifier.AltModifier:
            return False
        digit = _DIGITS.get(Qt.Key(event.key()))
        if digit is None:
            return False
        self._alt_digits += digit
        if self._alt_digits == ALT_CODE:
            self._alt_digits = ""
            self.insert(SHOWN_SEPARATOR)
        elif not ALT_CODE.startswith(self._alt_digits):
            self._flush_alt_digits()
        return True

    def _flush_alt_digits(self) -> None:
        """Digits that turned out not to be Alt+0029 are kept as typed, never dropped."""
        if self._alt_digits:
            digits, self._alt_digits = self._alt_digits, ""
            self.insert(digits)

    def _show_separators(self, text: str) -> None:
        """Pasted or programmatic ASCII 29 is shown as ␝ too, so nothing is invisible."""
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
        self.clear()
        self.scanned.emit(text)
