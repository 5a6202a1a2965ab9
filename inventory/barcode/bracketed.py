"""Grammar: the bracketed human-readable text "(01)...(17)...(10)..." printed under a barcode.

Staff type it, or an OCR reads it, when a barcode will not scan. biip's ``parse_hri``
silently drops an empty field and removes spaces inside values, so every bracketed value
is checked here first and the result must match what was typed exactly.
"""

from __future__ import annotations

import re

from biip.gs1_messages import GS1Message

from inventory.barcode.checks import check_supported, check_supported_ai, check_value
from inventory.barcode.fields import build_scan
from inventory.barcode.refusals import clip, refuse
from inventory.barcode.scan import Scan

_HRI_TOKEN_RE = re.compile(r"\(\s*([0-9]{2,4})\s*\)([^()]*)")


def bracketed_scan(raw: str, content: str) -> Scan:
    """Read the human-readable text printed under a barcode, as typed or OCR-read.

    biip's parse_hri drops an empty field and removes spaces inside values, both silent
    changes to a lot or serial, so each bracketed value is checked before it is parsed.
    """
    tokens: list[tuple[str, str]] = []
    pos = 0
    for match in _HRI_TOKEN_RE.finditer(content):
        if content[pos : match.start()].strip():
            break
        tokens.append((match[1], match[2]))
        pos = match.end()
    leftover = content[pos:].strip()
    if leftover or not tokens:
        refuse(
            "bracketed_text",
            f"The text '{clip(leftover or content)}' is not in the form (01)…(17)…(10)…: "
            "every value must follow a field number in brackets, and a lot or serial in "
            "this form cannot contain brackets. Scan the barcode instead of typing.",
        )
    for ai, value_text in tokens:
        value = value_text.strip()
        if not value:
            refuse(
                "empty_value",
                f"The text has ({ai}) with nothing after it. Type the value printed after "
                f"({ai}) on the label, or scan the barcode instead.",
            )
        if any(ch.isspace() for ch in value):
            refuse(
                "space_in_value",
                f"The value '({ai}){value}' contains a space, which a GS1 value cannot have; "
                "reading on would silently drop it. Type it exactly as printed without the "
                "space, or scan the barcode instead.",
            )
        check_supported_ai(ai, value)
        check_value(ai, value, exact=True)
    try:
        message = GS1Message.parse_hri(content)
    except Exception:
        refuse(
            "bracketed_text",
            f"The text '{clip(content)}' could not be read as GS1 fields. Check it against "
            "the label, or scan the barcode instead.",
        )
    elements = list(message.element_strings)
    if [(es.ai.ai, es.value) for es in elements] != [(a, v.strip()) for a, v in tokens]:
        refuse(
            "bracketed_text",
            f"The text '{clip(content)}' would not be read exactly as typed. Check it "
            "against the label, or scan the barcode instead.",
        )
    check_supported(elements)
    return build_scan(raw, elements)
