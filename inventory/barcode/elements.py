"""Grammar: GS1 element strings, as a GS1 DataMatrix or GS1-128 scanner types them.

This is where a lost group separator does its damage (an expiry swallowed into the lot, a
lot cut at 20 characters and read on as a made-up field), so the swallow and termination
checks that biip lacks live here, beside the reader that needs them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NoReturn

from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message

from inventory.barcode.checks import check_supported_ai, check_value, date_problem
from inventory.barcode.fields import build_scan
from inventory.barcode.gs1 import AI_NAMES, CSET82, GS, MAX_LOT_LENGTH
from inventory.barcode.refusals import SCAN_AGAIN, char_name, clip, refuse, refuse_empty
from inventory.barcode.scan import Scan

_GS_TEXT_RE = re.compile(r"<GS>", re.IGNORECASE)
_MAX_LEN_RE = re.compile(r"\.\.(\d+)")
_AFTER_SWALLOW = ("10", "11", "17", "21", "30", "37", "240", "241")
ALT_CODE_DIGITS = "0029"
"""What a scanner set to send the separator as Alt+0029 types where Alt codes are not
composed (X11, some remote desktops): the digits themselves."""
_COUNT_RE = re.compile(r"[0-9]{1,8}")


def element_string_scan(raw: str, content: str) -> Scan:
    data = _GS_TEXT_RE.sub(GS, content).replace("|", GS).strip(GS)
    if not data:
        refuse_empty()
    if " " in data:
        refuse(
            "space_in_value",
            f"The scan '{clip(data)}' contains a space, which a GS1 barcode never carries: "
            "it was probably typed by hand. Scan the barcode itself.",
        )
    if data[0] not in "0123456789":
        refuse(
            "not_gs1",
            f"'{clip(data)}' is not a GS1 barcode, a Digital Link or a Sterile Ledger unit "
            "code. Scan the GS1 DataMatrix or GS1-128 barcode on the package, or the unit "
            "label Sterile Ledger printed.",
        )
    try:
        message = GS1Message.parse(data)
    except Exception:
        _explain_failure(data)
    elements = list(message.element_strings)
    _check_swallowed(elements)
    _check_separator_as_digits(elements)
    _check_terminated(data, elements)
    return build_scan(raw, elements)


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
    _check_separator_as_digits(done)
    if done and rest.startswith(ALT_CODE_DIGITS) and len(rest) > len(ALT_CODE_DIGITS):
        _refuse_separator_as_digits(
            f"After {''.join(es.as_hri() for es in done)} the barcode goes on with the "
            f"digits {ALT_CODE_DIGITS} and then '{clip(rest[len(ALT_CODE_DIGITS):], 16)}'"
        )
    _check_terminated(data, done)
    after = f" after {''.join(es.as_hri() for es in done)}" if done else ""
    if not rest:
        _refuse_malformed(data, after)
    if rest[0] not in CSET82:
        refuse(
            "bad_character",
            f"The barcode contains {char_name(rest[0])}{after}, which GS1 barcodes cannot "
            "carry. The scanner's keyboard layout may not match the computer's. " + SCAN_AGAIN,
        )
    try:
        ai = GS1ApplicationIdentifier.extract(rest).ai
    except Exception:
        refuse(
            "unknown_ai",
            f"The barcode has '{clip(rest, 12)}'{after} where a GS1 field number should be. "
            "The scanner may have dropped or added characters, or this is not the device's "
            "barcode. " + SCAN_AGAIN,
        )
    value = rest[len(ai) :].split(GS, 1)[0]
    if not value:
        refuse(
            "empty_value",
            f"The barcode has the field ({ai}) {AI_NAMES.get(ai, '')}{after} with no value "
            "after it: the scan was cut short or the label is damaged. " + SCAN_AGAIN,
        )
    check_supported_ai(ai, value)
    check_value(ai, value, exact=False)
    _refuse_malformed(rest, after)


def _refuse_malformed(rest: str, after: str) -> NoReturn:
    refuse(
        "malformed",
        f"Part of this barcode could not be read: '{clip(rest, 24)}'{after} is not a valid "
        "GS1 field. The label may be damaged or the scanner set up wrongly. " + SCAN_AGAIN,
    )


def _check_separator_as_digits(elements: Sequence[GS1ElementString]) -> None:
    """Refuse a lot or serial holding "0029" and then what reads as a missing field.

    A scanner that sends the separator as Alt+0029, on a computer that does not compose
    Alt codes, types the digits: "10LOT1" + "0029" + "21SN1" reads as the lot
    "LOT1002921SN1" and no serial. It counts as corruption only if the field after the
    digits is one this barcode lacks and its value is plausible (a valid date, a count of
    digits, a non-empty lot or serial), so a lot that merely contains 0029 still reads.
    """
    present = {es.ai.ai for es in elements}
    for es in elements:
        if es.ai.ai not in ("10", "21"):
            continue
        value = es.value
        start = value.find(ALT_CODE_DIGITS, 1)
        while start != -1:
            tail = value[start + len(ALT_CODE_DIGITS) :]
            ai = _field_at(tail, present)
            if ai is not None:
                what = "lot" if es.ai.ai == "10" else "serial number"
                _refuse_separator_as_digits(
                    f"The {what} '{clip(value)}' holds the digits {ALT_CODE_DIGITS} followed "
                    f"by what reads as the {AI_NAMES[ai]} ({ai}){clip(tail[len(ai) :], 20)}"
                )
            start = value.find(ALT_CODE_DIGITS, start + 1)


def _field_at(tail: str, present: set[str]) -> str | None:
    """The field number that ``tail`` plausibly starts with, if the barcode lacks it."""
    for ai in _AFTER_SWALLOW:
        if not tail.startswith(ai) or ai in present:
            continue
        value = tail[len(ai) :]
        if ai in ("11", "17"):
            if len(value) >= 6 and value[:6].isdigit() and not date_problem(ai, value[:6]):
                return ai
        elif ai in ("30", "37"):
            if _COUNT_RE.fullmatch(value):
                return ai
        elif value:
            return ai
    return None


def _refuse_separator_as_digits(found: str) -> NoReturn:
    refuse(
        "separator_as_digits",
        f"{found}: the scanner probably sent its group separator as Alt+0029 and the "
        "computer typed the digits instead. Nothing was recorded. Ask the manager to check "
        "the scanner's separator setting (Settings, This workstation, Scanner separator), "
        "then scan again.",
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
            if ai not in ("11", "17") or ai in present or date_problem(ai, digits):
                continue
            if tail and not tail.startswith(_AFTER_SWALLOW):
                continue
            what = "lot" if es.ai.ai == "10" else "serial number"
            typed = (
                f" (it typed the digits {ALT_CODE_DIGITS} instead: it is probably set to "
                "Alt+0029, which this computer does not compose)"
                if value[:i].endswith(ALT_CODE_DIGITS) and i > len(ALT_CODE_DIGITS)
                else ""
            )
            refuse(
                "swallowed_separator",
                f"The {what} '{value}' seems to contain the {AI_NAMES[ai]} ({ai}){digits}: "
                f"the scanner did not send the group separator after the {what}{typed}. "
                "Nothing was recorded. Ask the manager to check the scanner's separator "
                "setting (Settings, This workstation, Scanner separator), then scan again.",
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
                refuse(
                    "lot_too_long" if es.ai.ai == "10" else "serial_too_long",
                    f"The {what} starting '{es.value}' is longer than the {MAX_LOT_LENGTH} "
                    f"characters GS1 allows, or the scanner did not send the separator after "
                    "it. Nothing was recorded. " + SCAN_AGAIN,
                )
            refuse(
                "swallowed_separator",
                f"The ({es.ai.ai}) {AI_NAMES.get(es.ai.ai, 'field')} '{es.value}' runs into "
                "the next field: the scanner did not send the group separator. Ask the "
                "manager to check the scanner's separator setting (GS, Ctrl+]), then scan "
                "again.",
            )
        while pos < len(data) and data[pos] == GS:
            pos += 1
