"""What receiving and the chair each demand of a scan, on top of it being readable.

The same label can be fine to read yet wrong for the job: receiving needs what a recall
will search by, the chair needs exactly one unit. Those rules live here, apart from the
grammars, so each can be read against the regulation it serves.
"""

from __future__ import annotations

import re

from inventory.barcode.gs1 import GS
from inventory.barcode.reader import parse_scan
from inventory.barcode.refusals import refuse
from inventory.barcode.scan import Scan
from inventory.errors import BarcodeUnreadable


def parse_for_receiving(text: str, separator: str | None = None) -> Scan:
    """Read a box or unit scanned at receiving: GTIN, expiry and a lot or serial.

    A UDI's production identifier may be a lot or a serial (FDA 21 CFR 801.40), so a label
    that identifies one unit (not a pack) may carry a serial (21) and no lot (10); the
    :class:`Scan` returned then has ``lot=None``. A pack needs its lot: the box's serial
    names the box, not the units inside, so a recall could not find them by it. A lot is
    recorded with one expiry for good, so a label that lacks what it needs is refused
    rather than completed by hand later.
    """
    scan = parse_scan(text, separator)
    if scan.unit_code is not None:
        refuse(
            "unit_label_at_receiving",
            f"{scan.unit_code} is a unit label printed by Sterile Ledger, so it is already "
            "in stock. To receive a delivery, scan the maker's GS1 barcode on the box.",
        )
    if scan.gtin is None:
        refuse(
            "missing_gtin",
            "This barcode has no product number (01). Scan the GS1 DataMatrix or GS1-128 "
            "barcode on the box, the one whose text shows (01), (17) and (10).",
        )
    if scan.expiry is None:
        refuse(
            "missing_expiry",
            f"The barcode of product {scan.gtin} has no expiry date (17), and a sterile "
            "unit cannot be received without one. Scan the other GS1 barcode on the box; "
            "if none carries (17), return the box to the supplier.",
        )
    if scan.lot is None and scan.serial is None:
        refuse(
            "missing_lot",
            f"The barcode of product {scan.gtin} has no lot number (10) and no serial "
            "number (21). A label needs a lot (10) or, for a single unit, a serial (21), so "
            "that a recall can find it. Scan the other GS1 barcode on the box; if none "
            "carries (10) or (21), return the box to the supplier.",
        )
    if scan.lot is None and scan.is_pack:
        refuse(
            "missing_lot",
            f"The barcode of product {scan.gtin} is a box's, with a serial number (21) but "
            "no lot number (10). The box's serial names the box, not each unit inside it, "
            "so a recall could not find these units. Scan the other GS1 barcode on the box; "
            "if none carries (10), return the box to the supplier.",
        )
    return scan


def parse_for_use(text: str, separator: str | None = None) -> Scan:
    """Read a scan at the chair: it must name exactly one unit, never a box or a lot.

    A box or lot label names many units, and recording "one of them" would make the
    single-use record meaningless.
    """
    scan = parse_scan(text, separator)
    if scan.is_unit:
        return scan
    if scan.is_pack:
        why = (
            f"it holds {scan.count} units"
            if scan.count is not None
            else f"its product number {scan.gtin} starts with {scan.gtin and scan.gtin[0]}, "
            "which marks a box"
        )
        refuse(
            "not_a_unit",
            f"This is the barcode of a pack ({why}), not of one unit. Scan the unit's own "
            "label: the cartridge's own barcode with a serial number (21), or the unit label "
            "Sterile Ledger printed at receiving.",
        )
    if scan.gtin is None:
        refuse(
            "not_a_unit",
            "This barcode does not name a product or a unit. Scan the unit's own label: the "
            "cartridge's barcode with a serial number (21), or the unit label Sterile Ledger "
            "printed at receiving.",
        )
    refuse(
        "not_a_unit",
        f"This barcode names product {scan.gtin}"
        + (f", lot {scan.lot}" if scan.lot else "")
        + " but no serial number, so it could be any unit of that lot. Scan the unit's own "
        "label: the unit label Sterile Ledger printed at receiving, or the maker's barcode "
        "with a serial number (21).",
    )


_GS1_START_RE = re.compile(r"(?:\][A-Za-z][0-9])?\(?0[12]\)?[0-9]{14}")
_UNIT_CODE_LIKE_RE = re.compile(r"[Uu] ?[0-9]{1,12} ?[-_/. ]? ?[0-9]{1,9}")


def scanned_kind(text: str) -> str | None:
    """What a scanner typed, if this text is a scan: "a unit label" or "a product's barcode".

    The chair asks this of what arrives in Client reference: with no session open, a
    scan there would otherwise become a client. Only text a person would never type as
    a reference counts: a unit code, a GS1 barcode with its product number, a group
    separator, a symbology prefix. A reference that merely resembles a unit code is
    :func:`resembles_unit_code`, to confirm.
    """
    text = text.strip()
    if not text:
        return None
    if GS in text or text.startswith("]") or _GS1_START_RE.match(text):
        return "a product's barcode"
    try:
        scan = parse_scan(text)
    except BarcodeUnreadable:
        return None
    if scan.unit_code is not None:
        return "a unit label"
    return "a product's barcode" if scan.gtin is not None else None


def resembles_unit_code(text: str) -> bool:
    """Typed text shaped like a unit code ("U3-08", "u 12 3"): a reference to confirm."""
    return _UNIT_CODE_LIKE_RE.fullmatch(text.strip()) is not None
