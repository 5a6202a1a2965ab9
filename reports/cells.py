"""The one CSV formula guard: cells a spreadsheet would run as a formula are made inert.

A cell that starts with = + - @, a tab or a carriage return gets a leading apostrophe,
the one neutralisation that LibreOffice and Excel keep inert and that the OWASP rule
accepts (DESIGN.md, Reports). The report queries apply the same rule in SQL
(``reports.data.Sql.neut``, whose character codes come from ``RISKY``); the CSV writers
apply it to values that never pass through SQL; the PDF writer recognises it to show
the value as it was entered.
"""

from __future__ import annotations

RISKY = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    """``text`` as a CSV cell: a leading apostrophe when it would start a formula."""
    return "'" + text if text[:1] in RISKY else text
