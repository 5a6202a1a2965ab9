"""The GS1 facts every reader and builder relies on: separator, limits, fields, characters.

Kept in one place so the grammars, the checks and the label builder cannot disagree about
which application identifiers (AIs) belong on a sterile device label or what a lot may hold.
"""

from __future__ import annotations

GS = "\x1d"
"""ASCII 29, the group separator a scanner sends for GS1's FNC1."""

MAX_LOT_LENGTH = 20
"""GS1 allows at most 20 characters for a lot (10) or a serial (21)."""

# Application identifiers that belong on the packaging of a sterile single-use device.
# Anything else (a best-before date, a weight, a price, a shipping container code) means
# the wrong barcode was scanned, so it is refused rather than ignored.
SUPPORTED_AIS = frozenset({"01", "02", "10", "11", "17", "21", "30", "37", "240", "241"})

AI_NAMES = {
    "00": "shipping container code (SSCC)",
    "01": "product number (GTIN)",
    "02": "product number of the contents",
    "10": "lot",
    "11": "production date",
    "12": "due date",
    "13": "packaging date",
    "15": "best-before date",
    "16": "sell-by date",
    "17": "expiry date",
    "21": "serial number",
    "30": "count",
    "37": "count",
    "240": "additional product number",
    "241": "customer part number",
}

DATE_AIS = frozenset({"11", "12", "13", "15", "16", "17"})
TEXT_AIS = frozenset({"10", "21", "22", "240", "241", "250"})

# GS1's character set 82: the only characters a lot or serial may contain.
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
