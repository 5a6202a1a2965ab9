"""The usage report counts treatment series: completed, in progress and overdue."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

from inventory.clock import FixedClock
from inventory.db import Database
from reports.export import ExportResult, export_usage
from sterility import sessions
from tests.people import clear_intake, staff
from tests.reports.conftest import pages

MANAGER = "Test Manager"


def _treat(db: Database, client: str) -> None:
    info = sessions.open_session(
        db,
        client_ref=client,
        area="face",
        depth_mm="1.0",
        by=staff("Sam"),
        intake=clear_intake(),
    )
    sessions.close_session(db, info.id, by=staff("Sam"), adverse="none")


def _summary(result: ExportResult) -> dict[str, str]:
    path = next(p for p in result.csv_files if p.name.endswith("-summary.csv"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["item"]: row["value"] for row in csv.DictReader(handle)}


def test_series_completed_in_progress_and_overdue(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    # 2026-03-10: the first session of three clients; two more for the first, a month apart.
    for client in ("C-done", "C-late", "C-gone"):
        _treat(db, client)
    for _ in range(2):
        clock.advance(days=30)
        _treat(db, "C-done")  # completed on 2026-05-09 (3 of 3)
    clock.advance(days=42)
    _treat(db, "C-now")  # 2026-06-20: a new series, in progress
    clock.advance(days=1)  # the report is made on 2026-06-21, before its period ends
    result = export_usage(
        db,
        date(2026, 3, 1),
        date(2026, 6, 30),
        pdf=tmp_path / "usage.pdf",
        csv=tmp_path / "csv",
        by=staff(MANAGER),
    )
    summary = _summary(result)
    # C-late and C-gone: one session on 2026-03-10, none in the 42 days since: overdue.
    assert (summary["series_completed"], summary["series_in_progress"]) == ("1", "1")
    assert summary["series_overdue"] == "2"
    text = re.sub(r"\s+", " ", "\f".join(pages(tmp_path / "usage.pdf")))
    cover = r"Treatment series: completed / in progress / overdue 1 ?/ ?1 ?/ ?2"
    assert re.search(cover, text), text
    assert "Treatment series on 2026-06-21" in text
    assert re.search(r"completed 1 in progress 1 overdue 2", text), text
    # A later period: the completed series ended before it began; only the overdue ones
    # that were not yet overdue when it began would count, and none is.
    later = export_usage(
        db,
        date(2026, 6, 15),
        date(2026, 6, 30),
        pdf=None,
        csv=tmp_path / "later",
        by=staff(MANAGER),
    )
    counts = _summary(later)
    assert (counts["series_completed"], counts["series_overdue"]) == ("0", "0")
    assert counts["series_in_progress"] == "1"
