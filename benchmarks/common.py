"""Shared benchmark scaffolding: a ledger with many units, built the fast way."""

from __future__ import annotations

import statistics
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inventory import catalog, staff
from inventory.access import Actor
from inventory.barcode import unit_code_text
from inventory.db import Database
from inventory.models import Lot, Receipt, Unit
from sterility.forms import SCREENING_V1
from sterility.intake import Intake

GTIN = "09506000100029"


def bench_intake() -> Intake:
    """A session's intake for the benchmarks: a clear screening, the built-in consent, a
    concern whose range holds the 0.5 mm cartridges, the warnings confirmed in advance."""
    return Intake(
        concern="texture",
        answers={key: False for key, _question in SCREENING_V1},
        consent_version=1,
        confirmations={"no_sharps_container": "", "series_spacing": "benchmark"},
    )


def bench_setup(db: Database) -> staff.ClinicSetup:
    """The benchmark clinic, set up once: its manager (who treats too) and its keys."""
    return staff.setup_clinic(
        db, name="Bench Manager", password="bench password", check_password=False
    )


def bench_clinic(db: Database) -> Actor:
    """The benchmark clinic's manager, signed in."""
    return bench_setup(db).actor


def fill_units(
    db: Database, n_units: int, *, by: Actor, lots: int = 100, chunk: int = 20_000
) -> list[str]:
    """A product with ``lots`` lots and ``n_units`` in-stock units; returns the unit codes."""
    product = catalog.add_product(db, gtin=GTIN, maker="Bench", name="12-pin 0.5 mm",
                                  kind="pen_cartridge", needle_count=12, needle_length_mm="0.5",
                                  sterilization="EO", units_per_pack=10, by=by)
    now = datetime.now(UTC)
    with db.write() as conn:
        conn.execute(insert(Receipt), [{"id": 1, "supplier": "", "invoice": "",
                                        "received_by": "bench", "received_at": now}])
        conn.execute(insert(Lot), [
            {"id": i + 1, "product_id": product.id, "lot_number": f"L{i:05d}",
             "expiry": date(2030, 1, 1), "production": None, "created_at": now}
            for i in range(lots)])
    codes = [unit_code_text(1, i) for i in range(1, n_units + 1)]
    for start in range(0, n_units, chunk):
        with db.write() as conn:
            conn.execute(insert(Unit), [
                {"product_id": product.id, "lot_id": (i % lots) + 1, "receipt_id": 1,
                 "code": codes[i], "serial": None, "status": "in_stock",
                 "status_changed_at": now}
                for i in range(start, min(start + chunk, n_units))])
    return codes


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def describe(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"median {statistics.median(ms):.3f} ms, p99 {percentile(ms, 99):.3f} ms "
            f"(n={len(ms)})")
