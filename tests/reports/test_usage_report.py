"""The manager's usage report: use per month and practitioner, shelf, expiry, cover."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from inventory import receiving
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.models import Unit
from reports.export import ExportResult, export_usage
from reports.verify import verify_file
from tests.conftest import GTIN_05, GTIN_10, box
from tests.people import staff
from tests.reports.conftest import END, START, Month, pages


def _rows(result: ExportResult, section: str) -> list[dict[str, str]]:
    path = next(p for p in result.csv_files if p.name.endswith(f"-{section}.csv"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_usage_report_counts_use_stock_and_expiry(
    db: Database, month: Month, clock: FixedClock, tmp_path: Path
) -> None:
    # A box that expires in 20 days and one in 75: the 30/60/90-day bands.
    today = clock.at.date()
    receiving.receive(
        db,
        [
            box(GTIN_05, "SOON", date.fromordinal(today.toordinal() + 20)),
            box(GTIN_10, "LATER", date.fromordinal(today.toordinal() + 75)),
        ],
        by=staff("Test Manager"),
    )
    result = export_usage(
        db, START, END, pdf=tmp_path / "usage.pdf", csv=tmp_path / "csv", by=staff("Test Manager")
    )

    by_month = _rows(result, "used_by_product_month")
    assert sum(int(r["units"]) for r in by_month) == len(month.used_codes)
    assert {r["month"] for r in by_month} == {"2026-03"}
    assert {(r["needle_length_mm"], r["gtin"]) for r in by_month} >= {("0.5", GTIN_05)}
    by_person = {
        r["practitioner"]: int(r["units"]) for r in _rows(result, "used_by_practitioner_month")
    }
    assert by_person == {"Dr Amira Haddad": 4, "李静 (Li Jing)": 2}

    stock = {r["gtin"]: r for r in _rows(result, "stock_on_hand")}
    with db.read() as conn:
        on_shelf = conn.execute(select(func.count()).where(Unit.status == "in_stock")).scalar_one()
    assert sum(int(r["in_stock"]) for r in stock.values()) == on_shelf
    assert stock[GTIN_05]["recalled"] == "0"  # lot A100 units left the shelf at the recall
    expiring = _rows(result, "expiring")
    bands = {r["lot"]: r["band"] for r in expiring}
    assert bands["SOON"] == "within 30 days" and bands["LATER"] == "61 to 90 days"
    cover = {r["gtin"]: r for r in _rows(result, "days_of_cover")}
    assert cover[GTIN_05]["used_in_period"] == "5"

    text = "\f".join(pages(tmp_path / "usage.pdf"))
    for title in (
        "Usage and stock report",
        "Use by needle length and product",
        "Units used per month, by needle length",
        "Use by practitioner",
        "Stock on hand",
        "Expiring stock",
        "Days of cover",
        "李静 (Li Jing)",
    ):
        assert title in text, title
    assert "within 30 days: 10 units" in text
    assert verify_file(tmp_path / "usage.pdf").ok
    assert result.manifest is not None and verify_file(result.manifest).ok


def test_an_empty_period_says_so_instead_of_failing(db: Database, tmp_path: Path) -> None:
    from reports.export import export_compliance

    usage = export_usage(db, START, END, pdf=tmp_path / "u.pdf", csv=None, by=staff("Test Manager"))
    compliance = export_compliance(db, START, END, pdf=tmp_path / "c.pdf", csv=None, by=staff("t"))
    assert set(usage.counts.values()) == {0}
    # The only records of the period are the ledger's own set-up (staff, catalogue).
    assert {k for k, n in compliance.counts.items() if n} <= {"audit_events"}
    assert "No unit was used in this period." in "\f".join(pages(tmp_path / "u.pdf"))
    text = "\f".join(pages(tmp_path / "c.pdf"))
    for sentence in (
        "No unit was used in this period.",
        "No scan was refused in this period.",
        "No recall was open during this period, and no unit used in it has",
    ):
        assert sentence in text
