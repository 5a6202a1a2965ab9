"""Reading what a barcode scanner types: GS1 barcodes, bracketed text, Digital Links, unit codes.

Scanners type into the app like a keyboard, so a scan arrives as plain text that may have
lost its group separators, gained a symbology prefix or picked up invisible characters on
the way. biip parses GS1 data well but lets several of these faults through without a word
(see DESIGN.md, "Scanning"). This package wraps biip and checks its result, so that a
sterile unit is never recorded under a lot, expiry or serial that was read wrongly: what
cannot be read with certainty is refused with a :class:`BarcodeUnreadable` whose message
says what was wrong and what to do. Nothing is guessed.

Import from here, not from the modules inside: they are split by grammar for reading, and
only the names below are the package's interface.

- ``reader``: :func:`parse_scan`, the whole-scan checks and which grammar a scan is in.
- ``elements``, ``bracketed``, ``digital_link``, ``unit_code``: one module per grammar.
- ``checks``, ``fields``, ``refusals``, ``gs1``: what the grammars share.
- ``purposes``: what receiving and the chair demand; ``builders`` and ``gtin``: what the
  app writes and how a typed GTIN is checked; ``scan``: the :class:`Scan` result.
"""

from __future__ import annotations

from inventory.barcode.builders import element_string, unit_code_text
from inventory.barcode.gs1 import GS, MAX_LOT_LENGTH, SUPPORTED_AIS
from inventory.barcode.gtin import gtin_check_digit_ok, normalise_gtin
from inventory.barcode.purposes import (
    parse_for_receiving,
    parse_for_use,
    resembles_unit_code,
    scanned_kind,
)
from inventory.barcode.reader import MAX_SCAN_LENGTH, parse_scan
from inventory.barcode.scan import Scan

__all__ = [
    "GS",
    "MAX_LOT_LENGTH",
    "MAX_SCAN_LENGTH",
    "SUPPORTED_AIS",
    "Scan",
    "element_string",
    "gtin_check_digit_ok",
    "normalise_gtin",
    "parse_for_receiving",
    "parse_for_use",
    "parse_scan",
    "resembles_unit_code",
    "scanned_kind",
    "unit_code_text",
]
