"""Checks shared by every grammar: characters, symbology prefixes, AI values and dates.

biip reads GS1 data but lets some faults through (DESIGN.md, "Scanning"); each check here
names one such fault in a sentence staff can act on, so the element-string, bracketed and
Digital Link readers all refuse the same fault with the same code and words.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Iterable
from typing import NoReturn

from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_element_strings import GS1ElementString

from inventory.barcode.gs1 import (
    AI_NAMES,
    CSET82,
    DATE_AIS,
    GS,
    MAX_LOT_LENGTH,
    SUPPORTED_AIS,
    TEXT_AIS,
)
from inventory.barcode.gtin import gtin_check_digit_ok
from inventory.barcode.refusals import SCAN_AGAIN, char_name, clip, refuse

# Symbology identifiers (ISO/IEC 15424) that scanners may put in front of the data.
GS1_PREFIXES = {
    "]d2": "GS1 DataMatrix",
    "]C1": "GS1-128",
    "]e0": "GS1 DataBar",
    "]Q3": "GS1 QR Code",
}
PLAIN_PREFIXES = {  # not GS1: allowed for a Digital Link or a Sterile Ledger unit label
    "]d1": "plain Data Matrix",
    "]Q1": "plain QR code",
    "]C0": "plain Code 128",
    "]A0": "Code 39",
}
EAN_PREFIXES = {
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


# --- the scan as a whole -------------------------------------------------------------


def check_separator_setting(separator: str) -> None:
    """A separator that can occur inside data would split lots silently, so refuse it."""
    if (
        not isinstance(separator, str)
        or not 1 <= len(separator) <= 8
        or any(ch.isascii() and ch.isalnum() for ch in separator)
        or any(ch in "]() " for ch in separator)
    ):
        refuse(
            "separator_setting",
            f"The scanner separator setting {separator!r} cannot be used: it must be 1 to 8 "
            "characters without letters, digits, spaces or brackets, because those occur in "
            "barcode data. Ask the manager to correct it in Settings.",
        )


def check_characters(work: str, original: str) -> None:
    """Refuse characters a GS1 barcode cannot carry and that hide what the text says."""
    for ch in work:
        if ch == GS:
            continue
        where = original.find(ch) + 1
        category = unicodedata.category(ch)
        if category == "Cc":
            refuse(
                "control_characters",
                f"The scan contains a hidden control character ({char_name(ch)}) at "
                f"position {where}. The scanner probably sends Enter or Tab in the middle, "
                "or two scans ran together. Check the scanner's settings and scan again.",
            )
        if category in ("Cf", "Zl", "Zp"):
            refuse(
                "hidden_characters",
                f"The scan contains an invisible character ({char_name(ch)}) at position "
                f"{where}, which can make text look different from what it is. It was "
                "probably pasted: scan the barcode itself instead.",
            )
    for ch in work:
        if not ch.isascii():
            refuse(
                "non_ascii",
                f"The scan contains {char_name(ch)}, which no GS1 barcode carries. The "
                "scanner's keyboard layout probably does not match the computer's: ask the "
                "manager to set both to the same layout, then scan again.",
            )


def split_prefix(work: str) -> tuple[str | None, str]:
    """Separate a symbology identifier (e.g. "]d2") and refuse ones that are not ours."""
    if not work.startswith("]"):
        return None, work
    prefix = work[:3]
    if prefix in GS1_PREFIXES or prefix in PLAIN_PREFIXES or prefix in EAN_PREFIXES:
        return prefix, work[3:]
    if prefix == "]J1":
        refuse(
            "symbology_prefix",
            "The scanner read a GS1 DotCode (]J1), which Sterile Ledger does not accept for "
            "device labels. Scan the GS1 DataMatrix or GS1-128 barcode on the package.",
        )
    if len(work) < 3:
        refuse(
            "symbology_prefix",
            f"The scanner sent only '{work}', the start of a symbology prefix, and no data. "
            "Scan the barcode again.",
        )
    kind = _SYMBOLOGY_NAMES.get(prefix[1], "an unknown kind of barcode")
    refuse(
        "symbology_prefix",
        f"The scanner's symbology prefix {prefix} ({kind}) is not one Sterile Ledger reads. "
        "Scan the GS1 DataMatrix or GS1-128 barcode on the package, or the unit "
        "label Sterile Ledger printed.",
    )


def looks_bare_gtin(content: str) -> bool:
    return len(content) in (8, 12, 13, 14) and all(ch in "0123456789" for ch in content)


def refuse_bare_ean(content: str) -> NoReturn:
    refuse(
        "bare_ean",
        f"'{content}' is a plain product barcode (EAN/UPC): it has no lot or expiry date. "
        "Scan the GS1 DataMatrix or GS1-128 barcode on the same package, the one whose "
        "text shows (01), (17) and (10).",
    )


# --- one field at a time -------------------------------------------------------------


def check_supported(elements: Iterable[GS1ElementString]) -> None:
    for es in elements:
        check_supported_ai(es.ai.ai, es.value)


def check_supported_ai(ai: str, value: str) -> None:
    if ai in SUPPORTED_AIS:
        return
    if ai == "15":
        refuse(
            "best_before_not_expiry",
            f"This label gives a best-before date (15){value[:6]} instead of an expiry date "
            "(17). A sterile device needs its expiry date: scan the other GS1 barcode on the "
            "package; if none carries (17), set the package aside and ask the maker.",
        )
    if ai == "00":
        refuse(
            "unknown_ai",
            f"This is a shipping label (00){value[:18]}, not the product's barcode. Scan the "
            "GS1 barcode on the product package itself.",
        )
    name = AI_NAMES.get(ai)
    if name is None:
        try:
            name = GS1ApplicationIdentifier.extract(ai).description.lower()
        except Exception:
            name = "unknown field"
    refuse(
        "unknown_ai",
        f"The barcode contains ({ai}) {name} '{clip(value, 20)}', which does not belong "
        "on a sterile device label, so this is probably not the device's barcode. Scan the "
        "GS1 barcode that shows (01), (17) and (10).",
    )


def check_value(ai: str, value: str, *, exact: bool) -> None:
    """Name the specific fault in one field's value, for a clearer refusal than biip's."""
    if ai in ("01", "02"):
        digits = value if exact else value[:14]
        if len(digits) != 14 or any(ch not in "0123456789" for ch in digits):
            refuse(
                "bad_gtin",
                f"The product number ({ai}){clip(value, 20)} is not 14 digits. " + SCAN_AGAIN,
            )
        _check_gtin(ai, digits)
    elif ai in DATE_AIS:
        digits = value if exact else value[:6]
        problem = date_problem(ai, digits)
        if problem:
            refuse_date(ai, digits, problem)
    elif ai in TEXT_AIS:
        if len(value) > MAX_LOT_LENGTH and ai in ("10", "21"):
            what = "lot" if ai == "10" else "serial number"
            refuse(
                "lot_too_long" if ai == "10" else "serial_too_long",
                f"The {what} '{clip(value, 30)}' has {len(value)} characters; GS1 allows at "
                f"most {MAX_LOT_LENGTH}. Scan the barcode again; if it is refused again, set "
                "the package aside and tell the manager.",
            )
        bad = next((ch for ch in value if ch not in CSET82), None)
        if bad is not None:
            refuse(
                "bad_character",
                f"The ({ai}) {AI_NAMES.get(ai, 'field')} '{clip(value, 30)}' contains "
                f"{char_name(bad)}, which GS1 barcodes cannot carry. " + SCAN_AGAIN,
            )


def _check_gtin(ai: str, digits: str) -> None:
    if not gtin_check_digit_ok(digits):
        expected = gs1_standard_check_digit(digits[:-1])
        refuse(
            "check_digit",
            f"The product number ({ai}){digits} has a wrong check digit (it should end in "
            f"{expected}): the barcode was misread or misprinted. " + SCAN_AGAIN,
        )
    if set(digits) == {"0"}:
        refuse("bad_gtin", f"The product number ({ai}){digits} is all zeros. " + SCAN_AGAIN)


def date_problem(ai: str, yymmdd: str) -> str | None:
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


def refuse_date(ai: str, digits: str, problem: str) -> NoReturn:
    refuse(
        "impossible_date",
        f"The {AI_NAMES.get(ai, 'date')} ({ai}){digits} is not a real date: {problem}. "
        "The barcode was misread or misprinted. " + SCAN_AGAIN,
    )


def refuse_conflict(ai: str, first: str, second: str) -> NoReturn:
    refuse(
        "conflicting_values",
        f"The barcode gives two different values for the {AI_NAMES.get(ai, 'field')} "
        f"({ai}): '{clip(first, 20)}' and '{clip(second, 20)}'. It cannot be read with "
        "certainty. " + SCAN_AGAIN,
    )
