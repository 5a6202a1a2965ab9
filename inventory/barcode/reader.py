"""The entry point for any scan: clean it, identify its grammar, and hand it to that reader.

The whole-scan checks (length, separator setting, hidden characters, symbology prefix) run
here once, before any grammar sees the text, and :func:`parse_scan` turns any unexpected
fault into a plain refusal, so a scan always ends in a clear yes or a clear no.
"""

from __future__ import annotations

from inventory.barcode.bracketed import bracketed_scan
from inventory.barcode.checks import (
    EAN_PREFIXES,
    PLAIN_PREFIXES,
    check_characters,
    check_separator_setting,
    looks_bare_gtin,
    refuse_bare_ean,
    split_prefix,
)
from inventory.barcode.digital_link import digital_link_scan
from inventory.barcode.elements import element_string_scan
from inventory.barcode.gs1 import GS
from inventory.barcode.refusals import SCAN_AGAIN, clip, refuse, refuse_empty
from inventory.barcode.scan import Scan
from inventory.barcode.unit_code import unit_code_scan
from inventory.errors import BarcodeUnreadable

MAX_SCAN_LENGTH = 512
"""The longest scan read at all: a GS1 DataMatrix on a device label is far shorter, and
longer text is two scans run together or a paste."""


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
            "This barcode could not be read with certainty, so nothing was recorded. " + SCAN_AGAIN,
            code="unreadable",
        ) from exc


def _parse(text: str, separator: str | None) -> Scan:
    if not isinstance(text, str):
        refuse("not_text", "The scan did not arrive as text. " + SCAN_AGAIN)
    if len(text) > MAX_SCAN_LENGTH:
        refuse(
            "too_long",
            f"The scan is {len(text):,} characters long; a device barcode has far fewer "
            f"(at most {MAX_SCAN_LENGTH}). Two scans probably ran together, or text was "
            "pasted. Clear the field and scan one barcode.",
        )
    work = text
    if separator is not None:
        check_separator_setting(separator)
        work = work.replace(separator, GS)
    # A scanner ends a scan with Enter or Tab; that suffix is not part of the data.
    work = work.strip(" \t\r\n")
    if not work.strip(GS):
        refuse_empty()
    check_characters(work, text)

    prefix, content = split_prefix(work)
    content = content.strip(GS)
    if not content:
        refuse(
            "empty",
            f"The scanner sent only its symbology prefix '{prefix}' and no data. "
            "Scan the barcode again, holding the scanner still until it beeps.",
        )

    if content[0] in "Uu":  # GS1 data never starts with a letter
        return unit_code_scan(text, content, prefix)
    if content[:8].lower().startswith(("http://", "https://")):
        return digital_link_scan(text, content)
    if prefix in PLAIN_PREFIXES:
        refuse(
            "symbology_prefix",
            f"The scanner reports a {PLAIN_PREFIXES[prefix]} ({prefix}), not a GS1 barcode, "
            f"so '{clip(content)}' cannot be trusted to hold a lot and expiry. Scan the GS1 "
            "DataMatrix or GS1-128 barcode, or the unit label Sterile Ledger printed.",
        )
    if prefix in EAN_PREFIXES or (prefix is None and looks_bare_gtin(content)):
        if looks_bare_gtin(content):
            refuse_bare_ean(content)
        refuse(
            "symbology_prefix",
            f"The scanner reports an {EAN_PREFIXES[prefix or ']E0']} barcode ({prefix}) but "
            f"sent '{clip(content)}', which is not one. Scan the GS1 DataMatrix or GS1-128 "
            "barcode on the package.",
        )
    if content.startswith("("):
        return bracketed_scan(text, content)
    return element_string_scan(text, content)
