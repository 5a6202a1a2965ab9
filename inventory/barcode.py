"""Reading what a barcode scanner types: GS1 barcodes, bracketed text, Digital Links, unit codes.

Scanners type into the app like a keyboard, so a scan arrives as plain text that may have
lost its group separators, gained a symbology prefix or picked up invisible characters on
the way. biip parses GS1 data well but lets several of these faults through without a word
(see DESIGN.md, "Scanning"). This module wraps biip and checks its result, so that a
sterile unit is never recorded under a lot, expiry or serial that was read wrongly: what
cannot be read with certainty is refused with a :class:`BarcodeUnreadable` whose message
says what was wrong and what to do. Nothing is guessed.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NoReturn
from urllib.parse import parse_qsl, unquote, urlsplit

import biip
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin

from inventory.errors import BarcodeUnreadable, InvalidInput

GS = "\x1d"
"""ASCII 29, the group separator a scanner sends for GS1's FNC1."""

MAX_SCAN_LENGTH = 512
"""The longest scan read at all: a GS1 DataMatrix on a device label is far shorter, and
longer text is two scans run together or a paste."""

MAX_LOT_LENGTH = 20
"""GS1 allows at most 20 characters for a lot (10) or a serial (21)."""

# Application identifiers that belong on the packaging of a sterile single-use device.
# Anything else (a best-before date, a weight, a price, a shipping container code) means
# the wrong barcode was scanned, so it is refused rather than ignored.
SUPPORTED_AIS = frozenset({"01", "02", "10", "11", "17", "21", "30", "37", "240", "241"})

_AI_NAMES = {
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

_DATE_AIS = frozenset({"11", "12", "13", "15", "16", "17"})
_TEXT_AIS = frozenset({"10", "21", "22", "240", "241", "250"})

# GS1's character set 82: the only characters a lot or serial may contain.
_CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)

# Symbology identifiers (ISO/IEC 15424) that scanners may put in front of the data.
_GS1_PREFIXES = {
    "]d2": "GS1 DataMatrix",
    "]C1": "GS1-128",
    "]e0": "GS1 DataBar",
    "]Q3": "GS1 QR Code",
}
_PLAIN_PREFIXES = {  # not GS1: allowed for a Digital Link or a Sterile Ledger unit label
    "]d1": "plain Data Matrix",
    "]Q1": "plain QR code",
    "]C0": "plain Code 128",
    "]A0": "Code 39",
}
_LINK_PREFIXES = frozenset({"]d1", "]Q1"})
_EAN_PREFIXES = {
    "]E0": "EAN-13 or UPC",
    "]E3": "EAN-13 or UPC with add-on",
    "]E4": "EAN-8",
    "]I1": "ITF-14",
}
_SYMBOLOGY_NAMES = {
    "A": "Code 39",
    "C": "Code 128",
    "E": "EAN/UPC",
    "F": "Codabar",
    "I": "Interleaved 2 of 5",
    "J": "DotCode",
    "L": "PDF417",
    "Q": "QR code",
    "X": "an unidentified barcode",
    "d": "Data Matrix",
    "e": "GS1 DataBar",
    "z": "Aztec code",
}

_UNIT_CODE_RE = re.compile(r"[Uu]([0-9]{1,12})-([0-9]{3,9})")
_HRI_TOKEN_RE = re.compile(r"\(\s*([0-9]{2,4})\s*\)([^()]*)")
_GS_TEXT_RE = re.compile(r"<GS>", re.IGNORECASE)
_MAX_LEN_RE = re.compile(r"\.\.(\d+)")
_AFTER_SWALLOW = ("10", "11", "17", "21", "30", "37", "240", "241")

_SCAN_AGAIN = "Scan it again; if it is refused again, set the package aside and tell the manager."


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


# ---------------------------------------------------------------------------
# public API


def parse_scan(text: str, separator: str | None = None) -> Scan:
    """Read one scan, or refuse it with a :class:`BarcodeUnreadable` naming what was wrong.

    ``separator`` is the text the clinic's scanner sends for the GS1 group separator when
    it is not ASCII 29 (which is always understood, as are "|" and a literal "<GS>").
    Never raises anything else, whatever the input: a scan at the chair must end in a
    clear yes or a clear no, not a crash.
    """
    try:
        return _parse(text, separator)
    except BarcodeUnreadable:
        raise
    except Exception as exc:  # a fault in biip or here must still be a plain refusal
        raise BarcodeUnreadable(
            "This barcode could not be read with certainty, so nothing was recorded. "
            + _SCAN_AGAIN,
            code="unreadable",
        ) from exc


def parse_for_receiving(text: str, separator: str | None = None) -> Scan:
    """Read a box scanned at receiving: GTIN, lot and expiry must all be on it.

    A lot is recorded with one expiry for good, so a label that lacks either is refused
    rather than completed by hand later.
    """
    scan = parse_scan(text, separator)
    if scan.unit_code is not None:
        _refuse(
            "unit_label_at_receiving",
            f"{scan.unit_code} is a unit label printed by Sterile Ledger, so it is already "
            "in stock. To receive a delivery, scan the maker's GS1 barcode on the box.",
        )
    if scan.gtin is None:
        _refuse(
            "missing_gtin",
            "This barcode has no product number (01). Scan the GS1 DataMatrix or GS1-128 "
            "barcode on the box, the one whose text shows (01), (17) and (10).",
        )
    if scan.expiry is None:
        _refuse(
            "missing_expiry",
            f"The barcode of product {scan.gtin} has no expiry date (17), and a sterile "
            "unit cannot be received without one. Scan the other GS1 barcode on the box; "
            "if none carries (17), return the box to the supplier.",
        )
    if scan.lot is None:
        _refuse(
            "missing_lot",
            f"The barcode of product {scan.gtin} has no lot number (10), so a recall could "
            "not find these units. Scan the other GS1 barcode on the box; if none carries "
            "(10), return the box to the supplier.",
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
        _refuse(
            "not_a_unit",
            f"This is the barcode of a pack ({why}), not of one unit. Scan the unit's own "
            "label: the cartridge's own barcode with a serial number (21), or the unit label "
            "Sterile Ledger printed at receiving.",
        )
    if scan.gtin is None:
        _refuse(
            "not_a_unit",
            "This barcode does not name a product or a unit. Scan the unit's own label: the "
            "cartridge's barcode with a serial number (21), or the unit label Sterile Ledger "
            "printed at receiving.",
        )
    _refuse(
        "not_a_unit",
        f"This barcode names product {scan.gtin}"
        + (f", lot {scan.lot}" if scan.lot else "")
        + " but no serial number, so it could be any unit of that lot. Scan the unit's own "
        "label: the unit label Sterile Ledger printed at receiving, or the maker's barcode "
        "with a serial number (21).",
    )


def normalise_gtin(text: str) -> str:
    """Check a GTIN a person typed and return it as 14 digits, the catalogue's one key.

    Spaces between digit groups (as printed under an EAN-13) are allowed; anything else
    wrong raises :class:`InvalidInput` with a sentence for the person typing.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(
            "Type the product's GTIN: the 8, 12, 13 or 14 digits printed under its barcode."
        )
    shown = text.strip()
    digits = shown.replace(" ", "")
    bad = next((ch for ch in digits if ch not in "0123456789"), None)
    if bad is not None:
        raise InvalidInput(
            f"The GTIN '{_clip(shown)}' may contain only digits; {_char_name(bad)} is not one."
        )
    if len(digits) not in (8, 12, 13, 14):
        raise InvalidInput(
            f"The GTIN '{shown}' has {len(digits)} digits; a GTIN has 8, 12, 13 or 14. "
            "Compare it with the digits printed under the barcode."
        )
    if not gtin_check_digit_ok(digits.zfill(14)):
        expected = gs1_standard_check_digit(digits[:-1])
        raise InvalidInput(
            f"The GTIN '{shown}' ends in {digits[-1]} but its check digit should be "
            f"{expected}: a digit was typed wrong. Compare it with the package."
        )
    if set(digits) == {"0"}:
        raise InvalidInput("A GTIN of only zeros is not a product number.")
    try:
        return Gtin.parse(digits).as_gtin_14()
    except Exception as exc:
        raise InvalidInput(f"The GTIN '{shown}' is not a valid product number.") from exc


def gtin_check_digit_ok(gtin14: str) -> bool:
    """True if a 14-digit GTIN's last digit is its GS1 check digit (False for non-GTINs)."""
    if not isinstance(gtin14, str) or len(gtin14) != 14:
        return False
    if any(ch not in "0123456789" for ch in gtin14):
        return False
    return gs1_standard_check_digit(gtin14[:-1]) == int(gtin14[-1])


def unit_code_text(receipt_id: int, seq: int) -> str:
    """The code printed on a unit label: receipt and sequence, e.g. ``U17-003``."""
    for name, value in (("receipt_id", receipt_id), ("seq", seq)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return f"U{receipt_id}-{seq:03d}"


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
        if not value or len(value) > MAX_LOT_LENGTH or any(ch not in _CSET82 for ch in value):
            raise InvalidInput(
                f"The {name} '{_clip(value)}' cannot go into a GS1 barcode: it must be 1 to "
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


# ---------------------------------------------------------------------------
# the reader


def _parse(text: str, separator: str | None) -> Scan:
    if not isinstance(text, str):
        _refuse("not_text", "The scan did not arrive as text. " + _SCAN_AGAIN)
    if len(text) > MAX_SCAN_LENGTH:
        _refuse(
            "too_long",
            f"The scan is {len(text):,} characters long; a device barcode has far fewer "
            f"(at most {MAX_SCAN_LENGTH}). Two scans probably ran together, or text was "
            "pasted. Clear the field and scan one barcode.",
        )
    work = text
    if separator is not None:
        _check_separator_setting(separator)
        work = work.replace(separator, GS)
    # A scanner ends a scan with Enter or Tab; that suffix is not part of the data.
    work = work.strip(" \t\r\n")
    if not work.strip(GS):
        _refuse_empty()
    _check_characters(work, text)

    prefix, content = _split_prefix(work)
    content = content.strip(GS)
    if not content:
        _refuse(
            "empty",
            f"The scanner sent only its symbology prefix '{prefix}' and no data. "
            "Scan the barcode again, holding the scanner still until it beeps.",
        )

    if content[0] in "Uu":  # GS1 data never starts with a letter
        return _unit_code_scan(text, content, prefix)
    if content[:8].lower().startswith(("http://", "https://")):
        return _digital_link_scan(text, content)
    if prefix in _PLAIN_PREFIXES:
        _refuse(
            "symbology_prefix",
            f"The scanner reports a {_PLAIN_PREFIXES[prefix]} ({prefix}), not a GS1 barcode, "
            f"so '{_clip(content)}' cannot be trusted to hold a lot and expiry. Scan the GS1 "
            "DataMatrix or GS1-128 barcode, or the unit label Sterile Ledger printed.",
        )
    if prefix in _EAN_PREFIXES or (prefix is None and _looks_bare_gtin(content)):
        if _looks_bare_gtin(content):
            _refuse_bare_ean(content)
        _refuse(
            "symbology_prefix",
            f"The scanner reports an {_EAN_PREFIXES[prefix or ']E0']} barcode ({prefix}) but "
            f"sent '{_clip(content)}', which is not one. Scan the GS1 DataMatrix or GS1-128 "
            "barcode on the package.",
        )
    if content.startswith("("):
        return _bracketed_scan(text, content)
    return _element_string_scan(text, content)


def _check_separator_setting(separator: str) -> None:
    """A separator that can occur inside data would split lots silently, so refuse it."""
    if (
        not isinstance(separator, str)
        or not 1 <= len(separator) <= 8
        or any(ch.isascii() and ch.isalnum() for ch in separator)
        or any(ch in "]() " for ch in separator)
    ):
        _refuse(
            "separator_setting",
            f"The scanner separator setting {separator!r} cannot be used: it must be 1 to 8 "
            "characters without letters, digits, spaces or brackets, because those occur in "
            "barcode data. Ask the manager to correct it in Settings.",
        )


def _refuse_empty() -> NoReturn:
    _refuse(
        "empty",
        "Nothing was scanned. Scan the barcode again, holding the scanner still until it beeps.",
    )


def _check_characters(work: str, original: str) -> None:
    """Refuse characters a GS1 barcode cannot carry and that hide what the text says."""
    for ch in work:
        if ch == GS:
            continue
        where = original.find(ch) + 1
        category = unicodedata.category(ch)
        if category == "Cc":
            _refuse(
                "control_characters",
                f"The scan contains a hidden control character ({_char_name(ch)}) at "
                f"position {where}. The scanner probably sends Enter or Tab in the middle, "
                "or two scans ran together. Check the scanner's settings and scan again.",
            )
        if category in ("Cf", "Zl", "Zp"):
            _refuse(
                "hidden_characters",
                f"The scan contains an invisible character ({_char_name(ch)}) at position "
                f"{where}, which can make text look different from what it is. It was "
                "probably pasted: scan the barcode itself instead.",
            )
    for ch in work:
        if not ch.isascii():
            _refuse(
                "non_ascii",
                f"The scan contains {_char_name(ch)}, which no GS1 barcode carries. The "
                "scanner's keyboard layout probably does not match the computer's: ask the "
                "manager to set both to the same layout, then scan again.",
            )


def _split_prefix(work: str) -> tuple[str | None, str]:
    """Separate a symbology identifier (e.g. "]d2") and refuse ones that are not ours."""
    if not work.startswith("]"):
        return None, work
    prefix = work[:3]
    if prefix in _GS1_PREFIXES or prefix in _PLAIN_PREFIXES or prefix in _EAN_PREFIXES:
        return prefix, work[3:]
    if prefix == "]J1":
        _refuse(
            "symbology_prefix",
            "The scanner read a GS1 DotCode (]J1), which Sterile Ledger does not accept for "
            "device labels. Scan the GS1 DataMatrix or GS1-128 barcode on the package.",
        )
    if len(work) < 3:
        _refuse(
            "symbology_prefix",
            f"The scanner sent only '{work}', the start of a symbology prefix, and no data. "
            "Scan the barcode again.",
        )
    kind = _SYMBOLOGY_NAMES.get(prefix[1], "an unknown kind of barcode")
    _refuse(
        "symbology_prefix",
        f"The scanner's symbology prefix {prefix} ({kind}) is not one Sterile Ledger reads. "
        "Scan the GS1 DataMatrix or GS1-128 barcode on the package, or the unit "
        "label Sterile Ledger printed.",
    )


def _unit_code_scan(raw: str, content: str, prefix: str | None) -> Scan:
    match = _UNIT_CODE_RE.fullmatch(content)
    if prefix in _EAN_PREFIXES or match is None or int(match[1]) == 0 or int(match[2]) == 0:
        _refuse(
            "unit_code",
            f"'{_clip(content)}' looks like a Sterile Ledger unit code but is not one: unit "
            "codes look like U17-003. Scan the unit label again; if it is damaged, find the "
            "unit by its receipt in the stock list.",
        )
    code = unit_code_text(int(match[1]), int(match[2]))
    return Scan(raw, None, None, None, None, None, None, code)


def _looks_bare_gtin(content: str) -> bool:
    return len(content) in (8, 12, 13, 14) and all(ch in "0123456789" for ch in content)


def _refuse_bare_ean(content: str) -> NoReturn:
    _refuse(
        "bare_ean",
        f"'{content}' is a plain product barcode (EAN/UPC): it has no lot or expiry date. "
        "Scan the GS1 DataMatrix or GS1-128 barcode on the same package, the one whose "
        "text shows (01), (17) and (10).",
    )


# --- GS1 element strings, as a GS1 DataMatrix or GS1-128 sends them ------------------


def _element_string_scan(raw: str, content: str) -> Scan:
    data = _GS_TEXT_RE.sub(GS, content).replace("|", GS).strip(GS)
    if not data:
        _refuse_empty()
    if " " in data:
        _refuse(
            "space_in_value",
            f"The scan '{_clip(data)}' contains a space, which a GS1 barcode never carries: "
            "it was probably typed by hand. Scan the barcode itself.",
        )
    if data[0] not in "0123456789":
        _refuse(
            "not_gs1",
            f"'{_clip(data)}' is not a GS1 barcode, a Digital Link or a Sterile Ledger unit "
            "code. Scan the GS1 DataMatrix or GS1-128 barcode on the package, or the unit "
            "label Sterile Ledger printed.",
        )
    try:
        message = GS1Message.parse(data)
    except Exception:
        _explain_failure(data)
    elements = list(message.element_strings)
    _check_swallowed(elements)
    _check_terminated(data, elements)
    return _build_scan(raw, elements)


def _explain_failure(data: str) -> NoReturn:
    """Walk the data element by element (with biip) to say where and why it failed."""
    rest, done = data, []
    while rest:
        try:
            element = GS1ElementString.extract(rest)
        except Exception:
            break
        done.append(element)
        rest = rest[len(element) :].lstrip(GS)
    _check_swallowed(done)
    _check_terminated(data, done)
    after = f" after {''.join(es.as_hri() for es in done)}" if done else ""
    if not rest:
        _refuse_malformed(data, after)
    if rest[0] not in _CSET82:
        _refuse(
            "bad_character",
            f"The barcode contains {_char_name(rest[0])}{after}, which GS1 barcodes cannot "
            "carry. The scanner's keyboard layout may not match the computer's. " + _SCAN_AGAIN,
        )
    try:
        ai = GS1ApplicationIdentifier.extract(rest).ai
    except Exception:
        _refuse(
            "unknown_ai",
            f"The barcode has '{_clip(rest, 12)}'{after} where a GS1 field number should be. "
            "The scanner may have dropped or added characters, or this is not the device's "
            "barcode. " + _SCAN_AGAIN,
        )
    value = rest[len(ai) :].split(GS, 1)[0]
    if not value:
        _refuse(
            "empty_value",
            f"The barcode has the field ({ai}) {_AI_NAMES.get(ai, '')}{after} with no value "
            "after it: the scan was cut short or the label is damaged. " + _SCAN_AGAIN,
        )
    _check_supported_ai(ai, value)
    _check_value(ai, value, exact=False)
    _refuse_malformed(rest, after)


def _refuse_malformed(rest: str, after: str) -> NoReturn:
    _refuse(
        "malformed",
        f"Part of this barcode could not be read: '{_clip(rest, 24)}'{after} is not a valid "
        "GS1 field. The label may be damaged or the scanner set up wrongly. " + _SCAN_AGAIN,
    )


def _check_swallowed(elements: Sequence[GS1ElementString]) -> None:
    """Refuse a lot or serial that ends in a date field the missing separator swallowed.

    Without the group separator after a lot, "10LOT1" + "17301231" reads as the lot
    "LOT117301231" and no expiry. A date field counts as swallowed only if it is a valid
    date, comes after at least one character of the lot, ends the value or is followed by
    another field number, and is missing from the rest of the barcode.
    """
    present = {es.ai.ai for es in elements}
    for es in elements:
        if es.ai.ai not in ("10", "21"):
            continue
        value = es.value
        for i in range(1, len(value) - 7):
            ai, digits, tail = value[i : i + 2], value[i + 2 : i + 8], value[i + 8 :]
            if ai not in ("11", "17") or ai in present or _date_problem(ai, digits):
                continue
            if tail and not tail.startswith(_AFTER_SWALLOW):
                continue
            what = "lot" if es.ai.ai == "10" else "serial number"
            _refuse(
                "swallowed_separator",
                f"The {what} '{value}' seems to contain the {_AI_NAMES[ai]} ({ai}){digits}: "
                f"the scanner did not send the group separator after the {what}. Nothing "
                "was recorded. Ask the manager to check the scanner's separator setting "
                "(GS, Ctrl+]), then scan again.",
            )


def _check_terminated(data: str, elements: Sequence[GS1ElementString]) -> None:
    """A variable-length field must end at a separator or at the end of the scan.

    biip stops a lot at 20 characters and reads on, so a 25-character lot, or a full-length
    lot whose separator is missing, would otherwise become a lot plus a made-up field.
    """
    pos = 0
    for es in elements:
        pos += len(es)  # where biip's own walk ends this element
        limits = _MAX_LEN_RE.findall(es.ai.format)
        if limits and pos < len(data) and data[pos] != GS and len(es.value) >= int(limits[-1]):
            if es.ai.ai in ("10", "21"):
                what = "lot" if es.ai.ai == "10" else "serial number"
                _refuse(
                    "lot_too_long" if es.ai.ai == "10" else "serial_too_long",
                    f"The {what} starting '{es.value}' is longer than the {MAX_LOT_LENGTH} "
                    f"characters GS1 allows, or the scanner did not send the separator after "
                    "it. Nothing was recorded. " + _SCAN_AGAIN,
                )
            _refuse(
                "swallowed_separator",
                f"The ({es.ai.ai}) {_AI_NAMES.get(es.ai.ai, 'field')} '{es.value}' runs into "
                "the next field: the scanner did not send the group separator. Ask the "
                "manager to check the scanner's separator setting (GS, Ctrl+]), then scan "
                "again.",
            )
        while pos < len(data) and data[pos] == GS:
            pos += 1


# --- bracketed text "(01)...(17)...(10)..." ------------------------------------------


def _bracketed_scan(raw: str, content: str) -> Scan:
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
        _refuse(
            "bracketed_text",
            f"The text '{_clip(leftover or content)}' is not in the form (01)…(17)…(10)…: "
            "every value must follow a field number in brackets, and a lot or serial in "
            "this form cannot contain brackets. Scan the barcode instead of typing.",
        )
    for ai, value_text in tokens:
        value = value_text.strip()
        if not value:
            _refuse(
                "empty_value",
                f"The text has ({ai}) with nothing after it. Type the value printed after "
                f"({ai}) on the label, or scan the barcode instead.",
            )
        if any(ch.isspace() for ch in value):
            _refuse(
                "space_in_value",
                f"The value '({ai}){value}' contains a space, which a GS1 value cannot have; "
                "reading on would silently drop it. Type it exactly as printed without the "
                "space, or scan the barcode instead.",
            )
        _check_supported_ai(ai, value)
        _check_value(ai, value, exact=True)
    try:
        message = GS1Message.parse_hri(content)
    except Exception:
        _refuse(
            "bracketed_text",
            f"The text '{_clip(content)}' could not be read as GS1 fields. Check it against "
            "the label, or scan the barcode instead.",
        )
    elements = list(message.element_strings)
    if [(es.ai.ai, es.value) for es in elements] != [(a, v.strip()) for a, v in tokens]:
        _refuse(
            "bracketed_text",
            f"The text '{_clip(content)}' would not be read exactly as typed. Check it "
            "against the label, or scan the barcode instead.",
        )
    _check_supported(elements)
    return _build_scan(raw, elements)


# --- GS1 Digital Link (the QR codes GS1 is moving to) --------------------------------


def _digital_link_scan(raw: str, content: str) -> Scan:
    scheme, _, rest = content.partition("://")
    url = f"{scheme.lower()}://{rest}"
    try:
        parts = urlsplit(url)
        segments = parts.path.split("/")
        query = parse_qsl(parts.query, keep_blank_values=True)
    except Exception:
        _refuse_link(url)
    if "01" not in segments:
        _refuse(
            "digital_link",
            f"The link '{_clip(url)}' does not carry a product number (/01/). Scan the GS1 "
            "barcode on the device package.",
        )
    start = segments.index("01")
    path_pairs = list(zip(segments[start::2], segments[start + 1 :: 2], strict=False))
    pairs = [(ai, unquote(value)) for ai, value in path_pairs]
    if pairs and _looks_bare_gtin(pairs[0][1]):
        pairs[0] = ("01", pairs[0][1].zfill(14))  # a link may carry a GTIN-8/12/13
    pairs += [(key, value) for key, value in query if key.isascii() and key.isdigit()]
    seen: dict[str, str] = {}
    for ai, value in pairs:
        if not value:
            _refuse(
                "empty_value",
                f"The link gives ({ai}) with no value. Scan the GS1 barcode on the package "
                "instead.",
            )
        if ai in seen and seen[ai] != value:
            _refuse_conflict(ai, seen[ai], value)
        seen[ai] = value
        _check_supported_ai(ai, value)
        _check_value(ai, value, exact=True)
    try:
        result = biip.parse(url)
    except Exception:
        _refuse_link(url)
    if result.gs1_digital_link_uri is None:
        _refuse_link(url)
    elements = list(result.gs1_digital_link_uri.element_strings)
    _check_supported(elements)
    return _build_scan(raw, elements)


def _refuse_link(url: str) -> NoReturn:
    _refuse(
        "digital_link",
        f"The web link '{_clip(url)}' is not a GS1 Digital Link with a product number, lot "
        "and expiry. Scan the GS1 DataMatrix or GS1-128 barcode on the package instead.",
    )


# --- checks shared by all GS1 forms --------------------------------------------------


def _check_supported(elements: Iterable[GS1ElementString]) -> None:
    for es in elements:
        _check_supported_ai(es.ai.ai, es.value)


def _check_supported_ai(ai: str, value: str) -> None:
    if ai in SUPPORTED_AIS:
        return
    if ai == "15":
        _refuse(
            "best_before_not_expiry",
            f"This label gives a best-before date (15){value[:6]} instead of an expiry date "
            "(17). A sterile device needs its expiry date: scan the other GS1 barcode on the "
            "package; if none carries (17), set the package aside and ask the maker.",
        )
    if ai == "00":
        _refuse(
            "unknown_ai",
            f"This is a shipping label (00){value[:18]}, not the product's barcode. Scan the "
            "GS1 barcode on the product package itself.",
        )
    name = _AI_NAMES.get(ai)
    if name is None:
        try:
            name = GS1ApplicationIdentifier.extract(ai).description.lower()
        except Exception:
            name = "unknown field"
    _refuse(
        "unknown_ai",
        f"The barcode contains ({ai}) {name} '{_clip(value, 20)}', which does not belong "
        "on a sterile device label, so this is probably not the device's barcode. Scan the "
        "GS1 barcode that shows (01), (17) and (10).",
    )


def _check_value(ai: str, value: str, *, exact: bool) -> None:
    """Name the specific fault in one field's value, for a clearer refusal than biip's."""
    if ai in ("01", "02"):
        digits = value if exact else value[:14]
        if len(digits) != 14 or any(ch not in "0123456789" for ch in digits):
            _refuse(
                "bad_gtin",
                f"The product number ({ai}){_clip(value, 20)} is not 14 digits. " + _SCAN_AGAIN,
            )
        _check_gtin(ai, digits)
    elif ai in _DATE_AIS:
        digits = value if exact else value[:6]
        problem = _date_problem(ai, digits)
        if problem:
            _refuse_date(ai, digits, problem)
    elif ai in _TEXT_AIS:
        if len(value) > MAX_LOT_LENGTH and ai in ("10", "21"):
            what = "lot" if ai == "10" else "serial number"
            _refuse(
                "lot_too_long" if ai == "10" else "serial_too_long",
                f"The {what} '{_clip(value, 30)}' has {len(value)} characters; GS1 allows at "
                f"most {MAX_LOT_LENGTH}. Scan the barcode again; if it is refused again, set "
                "the package aside and tell the manager.",
            )
        bad = next((ch for ch in value if ch not in _CSET82), None)
        if bad is not None:
            _refuse(
                "bad_character",
                f"The ({ai}) {_AI_NAMES.get(ai, 'field')} '{_clip(value, 30)}' contains "
                f"{_char_name(bad)}, which GS1 barcodes cannot carry. " + _SCAN_AGAIN,
            )


def _check_gtin(ai: str, digits: str) -> None:
    if not gtin_check_digit_ok(digits):
        expected = gs1_standard_check_digit(digits[:-1])
        _refuse(
            "check_digit",
            f"The product number ({ai}){digits} has a wrong check digit (it should end in "
            f"{expected}): the barcode was misread or misprinted. " + _SCAN_AGAIN,
        )
    if set(digits) == {"0"}:
        _refuse("bad_gtin", f"The product number ({ai}){digits} is all zeros. " + _SCAN_AGAIN)


def _date_problem(ai: str, yymmdd: str) -> str | None:
    """Why six digits are not a GS1 date, or None. Day 00 is allowed only for expiry."""
    if len(yymmdd) != 6 or any(ch not in "0123456789" for ch in yymmdd):
        return "it is not 6 digits (YYMMDD)"
    year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    if day == 0:
        return None if ai == "17" else "only an expiry date may use day 00"
    # 2000 + year has the same leap years as the year GS1's 100-year window picks.
    last = calendar.monthrange(2000 + year, month)[1]
    if day > last:
        return f"{calendar.month_name[month]} has no day {day}"
    return None


def _refuse_date(ai: str, digits: str, problem: str) -> NoReturn:
    _refuse(
        "impossible_date",
        f"The {_AI_NAMES.get(ai, 'date')} ({ai}){digits} is not a real date: {problem}. "
        "The barcode was misread or misprinted. " + _SCAN_AGAIN,
    )


def _refuse_conflict(ai: str, first: str, second: str) -> NoReturn:
    _refuse(
        "conflicting_values",
        f"The barcode gives two different values for the {_AI_NAMES.get(ai, 'field')} "
        f"({ai}): '{_clip(first, 20)}' and '{_clip(second, 20)}'. It cannot be read with "
        "certainty. " + _SCAN_AGAIN,
    )


def _build_scan(raw: str, elements: Sequence[GS1ElementString]) -> Scan:
    """Turn biip's elements into a Scan, refusing what biip parsed but should not pass."""
    fields: dict[str, GS1ElementString] = {}
    for es in elements:
        ai = es.ai.ai
        _check_supported_ai(ai, es.value)
        if ai in fields and fields[ai].value != es.value:
            _refuse_conflict(ai, fields[ai].value, es.value)
        fields[ai] = es

    for ai in ("01", "02"):
        if ai in fields:
            _check_value(ai, fields[ai].value, exact=True)
            if fields[ai].gtin is None or fields[ai].gtin_error:
                _refuse(
                    "bad_gtin",
                    f"The product number ({ai}){fields[ai].value} is not a valid GTIN. "
                    + _SCAN_AGAIN,
                )
    if "01" in fields and "02" in fields:
        _refuse(
            "ai_pairing",
            "This barcode names both a product (01) and the product inside a shipping unit "
            "(02), which GS1 does not allow. Scan the GS1 barcode on the product package.",
        )
    if ("02" in fields) != ("37" in fields) or ("30" in fields and "37" in fields):
        _refuse(
            "ai_pairing",
            "This shipping label's count and product fields do not fit together: (02) and "
            "(37) must come as a pair, and (30) cannot stand beside (37). Scan the GS1 "
            "barcode on the product package itself.",
        )

    dates: dict[str, date | None] = {}
    for ai in ("11", "17"):
        es = fields.get(ai)
        if es is None:
            dates[ai] = None
            continue
        problem = _date_problem(ai, es.value)
        if problem or es.date is None:
            _refuse_date(ai, es.value, problem or "it could not be read")
        dates[ai] = es.date
    production, expiry = dates["11"], dates["17"]
    if production is not None and expiry is not None and production > expiry:
        _refuse(
            "production_after_expiry",
            f"The label says the unit was produced on {production.isoformat()} (11) but "
            f"expires on {expiry.isoformat()} (17), before it was made. The barcode is "
            "misprinted or misread: do not use or receive this package; set it aside and "
            "tell the manager.",
        )

    count: int | None = None
    for ai in ("30", "37"):
        es = fields.get(ai)
        if es is not None:
            if not es.value or any(ch not in "0123456789" for ch in es.value):
                _refuse_count(ai, es.value)
            count = int(es.value)
            if count == 0:
                _refuse_count(ai, es.value)

    for ai in ("10", "21"):
        if ai in fields:
            _check_value(ai, fields[ai].value, exact=True)

    gtin_es = fields.get("01") or fields.get("02")
    lot_es, serial_es = fields.get("10"), fields.get("21")
    return Scan(
        raw=raw,
        gtin=gtin_es.value if gtin_es is not None else None,
        lot=lot_es.value if lot_es is not None else None,
        expiry=expiry,
        production=production,
        serial=serial_es.value if serial_es is not None else None,
        count=count,
        unit_code=None,
    )


def _refuse_count(ai: str, value: str) -> NoReturn:
    _refuse(
        "bad_count",
        f"The pack count ({ai}){value} is not a number of units above zero. " + _SCAN_AGAIN,
    )


# --- small helpers -------------------------------------------------------------------


def _refuse(code: str, message: str) -> NoReturn:
    raise BarcodeUnreadable(message, code=code)


def _clip(text: str, limit: int = 40) -> str:
    """Shorten a value for a message; scans can be long."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CONTROL_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\t": "a tab",
    "\x00": "a null character",
    "\x1b": "an escape character",
}


def _char_name(ch: str) -> str:
    """Name a character for a message without printing something invisible or broken."""
    code = f"U+{ord(ch):04X}"
    if ch in _CONTROL_NAMES:
        return f"{_CONTROL_NAMES[ch]}, {code}"
    name = unicodedata.name(ch, "")
    printable = ch.isprintable() and unicodedata.category(ch) not in ("Cs", "Co", "Cn")
    if printable:
        return f"'{ch}' ({code}{', ' + name.lower() if name else ''})"
    return f"{name.lower()}, {code}" if name else f"character {code}"
