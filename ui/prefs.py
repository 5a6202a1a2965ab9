"""This workstation's own preferences (QSettings): its scanner, its window layout.

Clinic-wide settings (name, licence, time zone) live in the ledger so every workstation
agrees; how the scanner on *this* desk sends its group separator, and where this person
put the window, belong to this computer only.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal
from PySide6.QtWidgets import QMainWindow

ORGANISATION = "SterileLedger"
APPLICATION = "SterileLedger"

SCANNER_METHODS = {
    "ctrl": "Ctrl+] or ASCII 29 (most scanners)",
    "fkey": "A function key",
    "alt0029": "Alt+0029 (Windows keypad code)",
}
FUNCTION_KEYS = [f"F{n}" for n in range(1, 13)]


def make_qsettings() -> QSettings:
    """An INI file in the user's config folder (tests move it with QSettings.setPath)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )


class Prefs(QObject):
    """Typed access to the workstation's QSettings, with a signal when the scanner changes."""

    scanner_changed = Signal(str, str)
    """(method, function key) after the scanner setting was changed."""

    def __init__(self, store: QSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store if store is not None else make_qsettings()
        self.layout_forgotten = False

    @property
    def scanner_method(self) -> str:
        value = str(self.store.value("scanner/method", "ctrl"))
        return value if value in SCANNER_METHODS else "ctrl"

    @property
    def scanner_fkey(self) -> str:
        value = str(self.store.value("scanner/fkey", "F8"))
        return value if value in FUNCTION_KEYS else "F8"

    def set_scanner(self, method: str, fkey: str) -> None:
        if method not in SCANNER_METHODS:
            raise ValueError(f"unknown scanner method {method!r}")
        if fkey not in FUNCTION_KEYS:
            raise ValueError(f"unknown function key {fkey!r}")
        self.store.setValue("scanner/method", method)
        self.store.setValue("scanner/fkey", fkey)
        self.store.sync()
        self.scanner_changed.emit(method, fkey)

    def text(self, key: str, default: str = "") -> str:
        value = self.store.value(key, default)
        return str(value) if value is not None else default

    def set_text(self, key: str, value: str) -> None:
        self.store.setValue(key, value)

    def save_window(self, window: QMainWindow) -> None:
        if self.layout_forgotten:
            return
        self.store.setValue("window/geometry", window.saveGeometry())
        self.store.setValue("window/state", window.saveState())
        self.store.sync()

    def restore_window(self, window: QMainWindow) -> bool:
        """Put the window back where it was; False when there is nothing remembered."""
        geometry = self.store.value("window/geometry")
        state = self.store.value("window/state")
        restored = False
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            restored = window.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            window.restoreState(state)
        return restored

    def save_bytes(self, key: str, value: QByteArray) -> None:
        self.store.setValue(key, value)

    def load_bytes(self, key: str) -> QByteArray | None:
        value = self.store.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def forget_layout(self) -> None:
        for key in self.store.allKeys():
            if key.startswith(("window/", "layout/")):
                self.store.remove(key)
        self.store.sync()
        self.layout_forgotten = True
