"""Grammar: GS1 Digital Link URIs, the web-address QR codes GS1 is moving labels to.

A link carries its fields in the path and the query, where one field can appear twice or
arrive empty, so each value is checked and compared before biip parses the link.
"""

from __future__ import annotations

from typing import NoReturn
from urllib.parse import parse_qsl, unquote, urlsplit

import biip

from inventory.barcode.checks import (
    check_supported,
    check_supported_ai,
    check_value,
    looks_bare_gtin,
    refuse_conflict,
)
from inventory.barcode.fields import build_scan
from inventory.barcode.refusals import clip, refuse
from inventory.barcode.scan import Scan


def digital_link_scan(raw: str, content: str) -> Scan:
    scheme, _, rest = content.partition("://")
    url = f"{scheme.lower()}://{rest}"
    try:
        parts = urlsplit(url)
        segments = parts.path.split("/")
        query = parse_qsl(parts.query, keep_blank_values=True)
    except Exception:
        _refuse_link(url)
    if "01" not in segments:
        refuse(
            "digital_link",
            f"The link '{clip(url)}' does not carry a product number (/01/). Scan the GS1 "
            "barcode on the device package.",
        )
    start = segments.index("01")
    path_pairs = list(zip(segments[start::2], segments[start + 1 :: 2], strict=False))
    pairs = [(ai, unquote(value)) for ai, value in path_pairs]
    if pairs and looks_bare_gtin(pairs[0][1]):
        pairs[0] = ("01", pairs[0][1].zfill(14))  # a link may carry a GTIN-8/12/13
    pairs += [(key, value) for key, value in query if key.isascii() and key.isdigit()]
    seen: dict[str, str] = {}
    for ai, value in pairs:
        if not value:
            refuse(
                "empty_value",
                f"The link gives ({ai}) with no value. Scan the GS1 barcode on the package "
                "instead.",
            )
        if ai in seen and seen[ai] != value:
            refuse_conflict(ai, seen[ai], value)
        seen[ai] = value
        check_supported_ai(ai, value)
        check_value(ai, value, exact=True)
    try:
        result = biip.parse(url)
    except Exception:
        _refuse_link(url)
    if result.gs1_digital_link_uri is None:
        _refuse_link(url)
    elements = list(result.gs1_digital_link_uri.element_strings)
    check_supported(elements)
    return build_scan(raw, elements)


def _refuse_link(url: str) -> NoReturn:
    refuse(
        "digital_link",
        f"The web link '{clip(url)}' is not a GS1 Digital Link with a product number, lot "
        "and expiry. Scan the GS1 DataMatrix or GS1-128 barcode on the package instead.",
    )
