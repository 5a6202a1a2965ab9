"""A recall's trace as CSV: who was treated with an affected unit, for calling them back.

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) get a leading apostrophe, the one neutralisation LibreOffice and the
OWASP rule both accept (DESIGN.md, Reports). A client reference is typed by staff and
must never become a formula on the manager's PC.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

from sterility.recalls import TraceRow
from ui.fmt import local_time

RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")
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


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(RISKY_STARTS) else text


def write_trace_csv(path: Path, rows: Iterable[TraceRow], tz: ZoneInfo | None) -> int:
    """Write the trace (UTF-8 with BOM, so spreadsheets read names right); returns rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        row.session_id,
                        local_time(row.used_at, tz, seconds=True),
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
