"""From biip's parsed fields to a :class:`Scan`, with the checks that span several fields.

All three GS1 grammars end here, so a label is judged as a whole the same way however it
was read: no field twice with two values, AIs that belong together, a production date not
after the expiry, a pack count above zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NoReturn

from biip.gs1_element_strings import GS1ElementString

from inventory.barcode.checks import (
    check_supported_ai,
    check_value,
    date_problem,
    refuse_conflict,
    refuse_date,
)
from inventory.barcode.refusals import SCAN_AGAIN, refuse
from inventory.barcode.scan import Scan


def build_scan(raw: str, elements: Sequence[GS1ElementString]) -> Scan:
    """Turn biip's elements into a Scan, refusing what biip parsed but should not pass."""
    fields: dict[str, GS1ElementString] = {}
    for es in elements:
        ai = es.ai.ai
        check_supported_ai(ai, es.value)
        if ai in fields and fields[ai].value != es.value:
            refuse_conflict(ai, fields[ai].value, es.value)
        fields[ai] = es

    for ai in ("01", "02"):
        if ai in fields:
            check_value(ai, fields[ai].value, exact=True)
            if fields[ai].gtin is None or fields[ai].gtin_error:
                refuse(
                    "bad_gtin",
                    f"The product number ({ai}){fields[ai].value} is not a valid GTIN. "
                    + SCAN_AGAIN,
                )
    if "01" in fields and "02" in fields:
        refuse(
            "ai_pairing",
            "This barcode names both a product (01) and the product inside a shipping unit "
            "(02), which GS1 does not allow. Scan the GS1 barcode on the product package.",
        )
    if ("02" in fields) != ("37" in fields) or ("30" in fields and "37" in fields):
        refuse(
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
        problem = date_problem(ai, es.value)
        if problem or es.date is None:
            refuse_date(ai, es.value, problem or "it could not be read")
        dates[ai] = es.date
    production, expiry = dates["11"], dates["17"]
    if production is not None and expiry is not None and production > expiry:
        refuse(
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
            check_value(ai, fields[ai].value, exact=True)

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
    refuse(
        "bad_count",
        f"The pack count ({ai}){value} is not a number of units above zero. " + SCAN_AGAIN,
    )
