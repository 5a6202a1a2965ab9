"""Grammar: the app's own unit code ``U<receipt>-<n>``, printed on labels at receiving.

It names one unit for the chair when the maker's barcode has no serial. Its text form is
defined once here, for both the reader and :func:`~inventory.barcode.unit_code_text`, so a
printed code and a scanned one always compare equal.
"""

from __future__ import annotations

import re

from inventory.barcode.checks import EAN_PREFIXES
from inventory.barcode.refusals import clip, refuse
from inventory.barcode.scan import Scan

_UNIT_CODE_RE = re.compile(r"[Uu]([0-9]{1,12})-([0-9]{3,9})")


def format_unit_code(receipt_id: int, seq: int) -> str:
    """The canonical text of a unit code; callers check that both numbers are positive."""
    return f"U{receipt_id}-{seq:03d}"


def unit_code_scan(raw: str, content: str, prefix: str | None) -> Scan:
    match = _UNIT_CODE_RE.fullmatch(content)
    if prefix in EAN_PREFIXES or match is None or int(match[1]) == 0 or int(match[2]) == 0:
        refuse(
            "unit_code",
            f"'{clip(content)}' looks like a Sterile Ledger unit code but is not one: unit "
            "codes look like U17-003. Scan the unit label again; if it is damaged, find the "
            "unit by its receipt in the stock list.",
        )
    code = format_unit_code(int(match[1]), int(match[2]))
    return Scan(raw, None, None, None, None, None, None, code)
