"""The .xlsx workbook beside the CSVs: the same cells, with their types kept.

A CSV cannot tell a spreadsheet that 09506000100043 is a code and not a number
(LibreOffice and Excel drop the leading zero on opening), so every CSV export also
writes one workbook, one sheet per section, made from the very CSV files just written:
the two can never disagree.

- GTIN, lot, serial, unit code and the other identifiers are text cells, always, so
  leading zeros stay and nothing is read as a number or a date.
- A date (``2026-03-10``) is a date cell; a time (``2026-03-10 14:35:00 +10:00`` or
  ``2026-03-10T04:35:00Z``) is a date-and-time cell showing the clinic's wall-clock time
  with its offset printed beside it (a spreadsheet has no time zones).
- A plain number (``5``, ``-46``, ``0.25``) is a number, unless it has a leading zero or
  more digits than a spreadsheet keeps exactly (15): those stay text.
- Everything else is text. Text cells are never formulas, so the CSV's apostrophe that
  makes ``=1+1`` inert (``reports.cells``) is taken off: the workbook shows what was typed.

The workbook is listed in the signed manifest with its SHA-256 like the CSVs, but it is
not part of the report's data digest: that digest is over the CSVs (a PDF-only export
prints the same one), and the workbook is another form of the same data.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reports.cells import entered
from reports.csv_writer import WORKBOOK, CsvSection

if TYPE_CHECKING:
    from reports.pipeline import Targets

MAX_ROWS = 1_048_576  # a sheet's rows, header included; a longer section goes on "name (2)"
MAX_TEXT = 32_767  # characters a cell holds
_SAMPLE = 200  # rows looked at to size the columns
_RIGHT = {"align": "right", "indent": 1}

# Columns whose cells are identifiers: always text, however they look.
TEXT_COLUMNS = frozenset(
    {
        "gtin",
        "lot",
        "recalled_lots",
        "serial",
        "recalled_serial",
        "unit_code",
        "code",
        "scanned",
        "reference",
        "invoice",
        "client",
        "licence_number",
        "month",
    }
)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?")
_STARTS = frozenset("-0123456789")  # the first character of every number, date and time
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?"
    r"(?:\.[0-9]+)?\s?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def is_text_column(header: str) -> bool:
    """Identifiers: the named columns and any column ending in _gtin, _lot, _serial or _code."""
    name = header.strip().lower()
    return name in TEXT_COLUMNS or name.endswith(("_gtin", "_lot", "_serial", "_code"))


def typed(cell: str) -> tuple[str, Any, str]:
    """A CSV cell of a non-identifier column as (kind, value, offset text).

    kind is "number", "date", "time" or "text"; offset text is only for "time".
    """
    if not cell:
        return "blank", None, ""
    if cell[0] not in _STARTS:  # most text: no number, date or time starts so
        return "text", entered(cell), ""
    if _NUMBER.fullmatch(cell) and len(cell.lstrip("-").replace(".", "")) <= 15:
        return "number", float(cell) if "." in cell else int(cell), ""
    if (m := _DATE.fullmatch(cell)) is not None:
        try:
            return "date", date(int(m[1]), int(m[2]), int(m[3])), ""
        except ValueError:
            return "text", cell, ""
    if (m := _TIME.fullmatch(cell)) is not None:
        try:
            at = datetime(*(int(m[i] or 0) for i in range(1, 7)))
        except ValueError:
            return "text", cell, ""
        offset = m[7] or ""
        return "time", at, "UTC" if offset == "Z" else offset
    return "text", entered(cell), ""


class WorkbookFile:
    """The written workbook, shaped like a CSV section for the manifest and the move."""

    name = WORKBOOK

    def __init__(self, path: Path, final: Path, sheets: int, rows: int) -> None:
        self.path, self.final = path, final
        self.rows = rows  # data rows over all sheets, headers not counted
        self.sheets = sheets
        data = path.read_bytes()
        self.bytes = len(data)
        self.sha256 = hashlib.sha256(data).hexdigest()

    def entry(self) -> dict[str, object]:
        """Its line in the manifest's "files", beside the CSVs'."""
        return {
            "section": self.name,
            "name": self.final.name,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
        }

    def close(self) -> str:
        return self.sha256

    def abort(self) -> None:
        """Nothing stays open once written; the temporary file is removed with the others."""


def write_workbook(targets: Targets, sections: Sequence[CsvSection | WorkbookFile]) -> WorkbookFile:
    """The workbook of the closed CSV sections, written to a temporary file beside them."""
    final = targets.csv(WORKBOOK)
    assert final is not None, "a workbook is written only with CSV files"
    temp = targets.temp(final)
    csvs = [(s.name, s.path) for s in sections if s.name != WORKBOOK and s.path is not None]
    sheets, rows = write_sheets(temp, csvs)
    return WorkbookFile(temp, final, sheets, rows)


def write_sheets(path: Path, sections: Sequence[tuple[str, Path]]) -> tuple[int, int]:
    """Write one sheet per (section name, CSV file); returns (sheets, data rows)."""
    from xlsxwriter import Workbook  # loaded on use: the app starts without it

    book = Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    book.set_properties({"title": path.name.removesuffix(".partial"), "author": "Sterile Ledger"})
    styles = _Styles(book)
    sheets = total = 0
    try:
        for name, csv_path in sections:
            for title, header, body in _sheets_of(name, csv_path):
                sheets += 1
                total += _write_sheet(book, styles, title, header, body)
    finally:
        book.close()
    return sheets, total


class _Styles:
    """The few cell formats, made once (XlsxWriter wants each format object reused)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.header = book.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "bottom": 1, "align": "left", "indent": 1}
        )
        self.text = book.add_format({"num_format": "@", "align": "left", "indent": 1})
        # Numbers and dates sit right, text left; an indent each side keeps them apart.
        self.date = book.add_format({"num_format": "yyyy-mm-dd", **_RIGHT})
        self.whole = book.add_format(_RIGHT)
        self._times: dict[str, Any] = {}
        self._decimals: dict[int, Any] = {}

    def number(self, cell: str) -> Any:
        """Whole numbers as they are; decimals with the places written (needle 1.0 mm stays 1.0)."""
        places = len(cell) - cell.index(".") - 1 if "." in cell else 0
        if not places:
            return self.whole
        if places not in self._decimals:
            self._decimals[places] = self.book.add_format(
                {"num_format": "0." + "0" * places, **_RIGHT}
            )
        return self._decimals[places]

    def time(self, offset: str) -> Any:
        """yyyy-mm-dd hh:mm:ss with the offset (or UTC) printed after it."""
        if offset not in self._times:
            suffix = f' "{offset}"' if offset else ""
            self._times[offset] = self.book.add_format(
                {"num_format": f"yyyy-mm-dd hh:mm:ss{suffix}", **_RIGHT}
            )
        return self._times[offset]


def _sheets_of(
    name: str, csv_path: Path
) -> Iterator[tuple[str, list[str], Iterator[list[str]]]]:
    """A section's rows, split into sheets of at most MAX_ROWS (header on each)."""
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        part = 1
        while True:
            body = _take(reader, MAX_ROWS - 1)
            first = next(body, None)
            if first is None and part > 1:
                return
            title = name[:31] if part == 1 else f"{name[:25]} ({part})"

            def rows(first: list[str] | None = first, rest: Iterator[list[str]] = body):
                if first is not None:
                    yield first
                yield from rest

            yield title, header, rows()
            part += 1


def _take(reader: Iterator[list[str]], n: int) -> Iterator[list[str]]:
    for _ in range(n):
        row = next(reader, None)
        if row is None:
            return
        yield row


def _write_sheet(
    book: Any, styles: _Styles, title: str, header: list[str], body: Iterator[list[str]]
) -> int:
    sheet = book.add_worksheet(title)
    text_columns = [is_text_column(h) for h in header]
    widths = [len(h) for h in header]
    for col, heading in enumerate(header):
        sheet.write_string(0, col, heading, styles.header)
    sheet.freeze_panes(1, 0)
    # Printed (or turned into PDF), a sheet is one page wide with its header on every page.
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    count = 0
    for count, cells in enumerate(body, start=1):
        for col, cell in enumerate(cells):
            if col < len(widths) and count <= _SAMPLE:
                widths[col] = max(widths[col], len(cell))
            forced = col < len(text_columns) and text_columns[col]
            kind, value, offset = ("text", entered(cell), "") if forced else typed(cell)
            if kind == "blank" or (forced and not cell):
                continue
            if kind == "number":
                sheet.write_number(count, col, value, styles.number(cell))
            elif kind == "date":
                sheet.write_datetime(count, col, value, styles.date)
            elif kind == "time":
                sheet.write_datetime(count, col, value, styles.time(offset))
            else:
                sheet.write_string(count, col, value[:MAX_TEXT], styles.text)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(60, max(8, width + 4)))
    if header:
        sheet.autofilter(0, 0, max(count, 1), len(header) - 1)
    return count
