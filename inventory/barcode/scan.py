"""The :class:`Scan` a reader returns, in its own module.

Every grammar builds one and every caller receives one, so it lives apart from the code that
reads scans: importing the result type never pulls in the parsers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Scan:
    """What one scan says, checked: a GS1 label's fields, or a Sterile Ledger unit code."""

    raw: str
    """The text exactly as scanned or typed, kept for the audit trail."""
    gtin: str | None
    """Always 14 digits (GTIN-8/12/13 zero-padded), so one product has one key."""
    lot: str | None
    """AI (10)."""
    expiry: date | None
    """AI (17); GS1 day "00" means the last day of that month."""
    production: date | None
    """AI (11)."""
    serial: str | None
    """AI (21)."""
    count: int | None
    """AI (30) or (37): how many trade items the pack holds."""
    unit_code: str | None
    """Set, upper-case, when the scan is a unit label the app printed (all else is None)."""

    @property
    def is_pack(self) -> bool:
        """A box, not a unit: GTIN indicator digit 1-8, or a count of contents."""
        return self.count is not None or (self.gtin is not None and self.gtin[0] in "12345678")

    @property
    def is_unit(self) -> bool:
        """Identifies exactly one unit: an app unit code, or GTIN + serial on a non-pack.

        A box with a serial identifies one box, not one cartridge, so it is not a unit.
        """
        if self.unit_code is not None:
            return True
        return self.gtin is not None and self.serial is not None and not self.is_pack
