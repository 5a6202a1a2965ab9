"""A recall's trace as CSV: who was treated with an affected unit, for calling them back.

Written by the recalls screen and by ``trace --csv`` on the command line. Cells that a
spreadsheet would run as a formula get a leading apostrophe (``reports.cells``): a
client reference is typed by staff and must never become a formula on the manager's PC.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

from inventory.clock import show_local
from inventory.errors import LedgerError
from reports.cells import neutral
from sterility.recalls import TraceRow

HEADER = [
    "session",
    "used_at_local",
    "used_at_utc",
    "practitioner",
    "client_ref",
    "area",
    "unit_code",
    "serial",
    "gtin",
    "lot",
]


def _cell(value: object) -> str:
    return neutral("" if value is None else str(value))


def write_trace_csv(path: Path, rows: Iterable[TraceRow], tz: ZoneInfo | None) -> int:
    """Write the trace (UTF-8 with BOM, so spreadsheets read names right); returns rows.

    Times are shown in ``tz`` (the clinic's zone) with their offset, and in UTC; with no
    zone known, both columns are UTC.
    """
    zone = tz if tz is not None else ZoneInfo("UTC")
    try:
        return _write(path, rows, zone)
    except OSError as exc:
        raise LedgerError(
            f"The trace could not be written to {path}: {exc.strerror or exc}.",
            code="export_failed",
        ) from exc


def _write(path: Path, rows: Iterable[TraceRow], zone: ZoneInfo) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        row.session_id,
                        show_local(row.used_at, zone),
                        row.used_at.isoformat(),
                        row.practitioner,
                        row.client_ref,
                        row.area,
                        row.unit_code,
                        row.serial,
                        row.gtin,
                        row.lot,
                    )
                ]
            )
            count += 1
    return count
