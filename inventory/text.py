"""Text typed by people: one Unicode form, no hidden characters, a sensible length.

Names arrive from keyboards, scanners and copy-paste in any script. Stored in NFC, the
same name always compares and searches equal ("é" typed or composed); control and
invisible direction characters, which can disguise a name, are refused.
"""

from __future__ import annotations

import unicodedata

from inventory.errors import InvalidInput

# Invisible characters that can reorder or hide text (bidi controls, zero-width).
_INVISIBLE = set(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\ufeff\u00ad"
)


def clean(
    value: str | None,
    what: str,
    *,
    max_len: int = 120,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """NFC, trimmed, checked: the form every name is stored and compared in."""
    text = unicodedata.normalize("NFC", value or "").strip()
    if required and not text:
        raise InvalidInput(f"The {what} is required.")
    for ch in text:
        if ch in _INVISIBLE:
            raise InvalidInput(
                f"The {what} contains an invisible character (U+{ord(ch):04X}); retype it."
            )
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in "\n\t"):
            raise InvalidInput(
                f"The {what} contains a control character (U+{ord(ch):04X}); retype it."
            )
    if len(text) > max_len:
        raise InvalidInput(f"The {what} is longer than {max_len} characters.")
    return text


def counted(n: int, one: str, many: str | None = None) -> str:
    """"1 box", "2 boxes": a number with its noun in the right form (English plurals
    that are not just "s" are given)."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
