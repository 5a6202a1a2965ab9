"""The one formula guard: cells a spreadsheet would run as a formula are made inert.

A CSV cell that starts with = + - @, a tab or a carriage return gets a leading apostrophe,
the one neutralisation that LibreOffice and Excel keep inert and that the OWASP rule
accepts (DESIGN.md, Reports). A plain negative number such as ``-46`` (days left) is not
a formula: every spreadsheet reads it as the number it is, so it is written as it is
(``-[0-9]+(.[0-9]+)?``, ASCII digits only; ``-1+1`` or ``-1e3`` still get the apostrophe).

The report queries apply the same rule in SQL (``sql_neutral``, used by
``reports.data.Sql.neut``); the CSV writers apply ``neutral`` to values that never pass
through SQL; the PDF and the workbook take the apostrophe off again (``entered``) to show
the value as it was entered. The workbook needs no apostrophe: its text cells are text.
"""

from __future__ import annotations

import re

RISKY = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-[0-9]+(?:\.[0-9]+)?")
_CODES = ", ".join(str(ord(c)) for c in RISKY)  # 61, 43, 45, 64, 9, 13


def neutral(text: str) -> str:
    """``text`` as a CSV cell: a leading apostrophe when it would start a formula."""
    if text[:1] in RISKY and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def entered(cell: str) -> str:
    """A guarded CSV cell as it was entered: the apostrophe that ``neutral`` added, taken off."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in RISKY else cell


def plain_number_sql(expr: str, dialect: str) -> str:
    """SQL that is true when ``expr`` is a plain negative number (``neutral`` leaves it)."""
    if dialect == "postgresql":
        return f"({expr} ~ '^-[0-9]+([.][0-9]+)?$')"
    # SQLite has GLOB only: a digit after the minus, then digits with at most one inner dot.
    return (
        f"({expr} GLOB '-[0-9]*' AND substr({expr}, 2) NOT GLOB '*[^0-9.]*' "
        f"AND {expr} NOT GLOB '*.*.*' AND {expr} NOT GLOB '*.')"
    )


def sql_neutral(expr: str, dialect: str) -> str:
    """``neutral`` in SQL (SQLite or PostgreSQL); NULL becomes ''.

    The long report sections are formatted in the database so the CSV writer can take
    the cursor's rows as they come; this keeps that SQL and ``neutral`` one rule.
    """
    first = f"ascii({expr})" if dialect == "postgresql" else f"unicode({expr})"
    return (
        f"CASE WHEN {first} IN ({_CODES}) AND NOT {plain_number_sql(expr, dialect)} "
        f"THEN '''' || {expr} ELSE COALESCE({expr}, '') END"
    )
