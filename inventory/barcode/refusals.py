"""How a scan is refused: one exception type, and message helpers that stay readable.

Every grammar refuses through :func:`refuse`, so each refusal carries a stable ``code`` and
a sentence for staff, and no message prints an invisible character or a page-long scan.
"""

from __future__ import annotations

import unicodedata
from typing import NoReturn

from inventory.errors import BarcodeUnreadable

SCAN_AGAIN = "Scan it again; if it is refused again, set the package aside and tell the manager."


def refuse(code: str, message: str) -> NoReturn:
    raise BarcodeUnreadable(message, code=code)


def refuse_empty() -> NoReturn:
    refuse(
        "empty",
        "Nothing was scanned. Scan the barcode again, holding the scanner still until it beeps.",
    )


def clip(text: str, limit: int = 40) -> str:
    """Shorten a value for a message; scans can be long."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CONTROL_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\t": "a tab",
    "\x00": "a null character",
    "\x1b": "an escape character",
}


def char_name(ch: str) -> str:
    """Name a character for a message without printing something invisible or broken."""
    code = f"U+{ord(ch):04X}"
    if ch in _CONTROL_NAMES:
        return f"{_CONTROL_NAMES[ch]}, {code}"
    name = unicodedata.name(ch, "")
    printable = ch.isprintable() and unicodedata.category(ch) not in ("Cs", "Co", "Cn")
    if printable:
        return f"'{ch}' ({code}{', ' + name.lower() if name else ''})"
    return f"{name.lower()}, {code}" if name else f"character {code}"
