"""What the app writes for scanners to read: GS1 element strings and unit codes.

Printed labels must scan back to exactly what was printed, so :func:`element_string`
reads its own output with the app's reader before returning it.
"""

from __future__ import annotations

from datetime import date

from inventory.barcode.gs1 import CSET82, GS, MAX_LOT_LENGTH
from inventory.barcode.gtin import normalise_gtin
from inventory.barcode.reader import parse_scan
from inventory.barcode.refusals import clip
from inventory.barcode.unit_code import format_unit_code
from inventory.errors import BarcodeUnreadable, InvalidInput


def unit_code_text(receipt_id: int, seq: int) -> str:
    """The code printed on a unit label: receipt and sequence, e.g. ``U17-003``."""
    for name, value in (("receipt_id", receipt_id), ("seq", seq)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return format_unit_code(receipt_id, seq)


def element_string(
    gtin: str,
    expiry: date | None,
    lot: str | None,
    serial: str | None,
    production: date | None = None,
) -> str:
    """A GS1 element string with ASCII 29 separators, for printed labels and tests.

    Order: (01) GTIN, (11), (17), (10) <GS>, (21). The result is read back with
    :func:`parse_scan` before it is returned, so the app never prints a label it cannot
    read itself; values that would not survive raise :class:`InvalidInput`.
    """
    gtin14 = normalise_gtin(gtin)
    for name, value in (("lot", lot), ("serial", serial)):
        if value is None:
            continue
        if not value or len(value) > MAX_LOT_LENGTH or any(ch not in CSET82 for ch in value):
            raise InvalidInput(
                f"The {name} '{clip(value)}' cannot go into a GS1 barcode: it must be 1 to "
                f"{MAX_LOT_LENGTH} letters, digits or GS1 punctuation, without spaces."
            )
    parts = [f"01{gtin14}"]
    if production is not None:
        parts.append(f"11{production:%y%m%d}")
    if expiry is not None:
        parts.append(f"17{expiry:%y%m%d}")
    if lot is not None:
        parts.append(f"10{lot}" + (GS if serial is not None else ""))
    if serial is not None:
        parts.append(f"21{serial}")
    result = "".join(parts)
    try:
        back = parse_scan(result)
    except BarcodeUnreadable as exc:
        raise InvalidInput(f"This label could not be printed: {exc.message}") from exc
    if (back.gtin, back.expiry, back.production, back.lot, back.serial) != (
        gtin14,
        expiry,
        production,
        lot,
        serial,
    ):
        raise InvalidInput(
            "This label could not be printed: a GS1 barcode can only hold dates within "
            "about 50 years of today, and the dates given would read back differently."
        )
    return result
