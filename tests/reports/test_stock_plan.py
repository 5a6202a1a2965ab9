"""The usage report's stock plan: cover counts only what will be used before it expires.

Hand-worked figures (stock date 2026-03-10, rate window 1 to 10 March = 10 days):
GTIN_05 had 10 uses, so 1 unit a day. Its shelf: lot SOON, 10 units, expires 2026-03-15
(5 days left); lot LATER, 10 units, expires 2026-12-31. First-expiring-first, SOON gives
1 x 5 = 5 units and 5 expire unused; LATER gives its 10. Will be used 15, days of cover
15, runs out on 2026-03-25. Reorder level 20 > 15, so reorder now: 60 days x 1 = 60 plus
the 5 short of the level = 65, in packs of 10 = 70 (7 packs).
"""

from __future__ import annotations

import csv
import subprocess
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from inventory import catalog, receiving
from inventory.clock import FixedClock
from inventory.db import Database
from reports.export import ExportResult, export_usage
from reports.stock_plan import NO_LEVEL, NO_USE, LotStock, plan_product, rate_of_use
from sterility import sessions
from sterility.chair import use_unit
from tests.conftest import GTIN_05, GTIN_10, GTIN_ROLLER, add_products, box
from tests.people import clear_intake, staff
from tests.reports.conftest import END, START, pages

TODAY = date(2026, 3, 10)


def test_fefo_uses_the_soonest_lot_first_and_counts_what_expires_unused() -> None:
    plan = plan_product(
        [
            LotStock("LATER", date(2026, 12, 31), 10),
            LotStock("SOON", TODAY + timedelta(days=5), 10),
        ],
        stock_date=TODAY,
        rate=Fraction(1),
        reorder_level=20,
        units_per_pack=10,
    )
    assert [(lot.lot, lot.will_be_used, lot.will_expire_unused) for lot in plan.lots] == [
        ("SOON", 5, 5),
        ("LATER", 10, 0),
    ]
    assert (plan.usable, plan.will_be_used, plan.will_expire_unused) == (20, 15, 5)
    assert plan.days_of_cover == 15
    assert plan.runs_out_on == date(2026, 3, 25)
    assert plan.unused_text == "5 of lot SOON, expiring 2026-03-15"
    assert plan.below_reorder_level and plan.reorder_text == "now"
    assert (plan.suggested_units, plan.suggested_packs) == (70, 7)


def test_reorder_date_is_the_day_stock_falls_to_the_level() -> None:
    # 3 units in 4 days = 0.75 a day; 40 units, none expiring in time to matter.
    plan = plan_product(
        [LotStock("L1", date(2027, 6, 30), 40)],
        stock_date=TODAY,
        rate=rate_of_use(3, 4),
        reorder_level=10,
        units_per_pack=12,
    )
    assert plan.will_be_used == 40 and plan.days_of_cover == Fraction(160, 3)
    # 40 - 10 = 30 units above the level, at 0.75 a day: 40 days, so 19 April.
    assert plan.reorder_on == date(2026, 4, 19) and plan.reorder_text == "2026-04-19"
    assert not plan.below_reorder_level
    # 0.75 x 60 = 45 units, rounded up to packs of 12: 48 (4 packs).
    assert (plan.suggested_units, plan.suggested_packs) == (48, 4)
    assert plan.runs_out_on == date(2026, 5, 3)  # 160/3 = 53.3 days, rounded up to 54


def test_a_slow_rate_leaves_most_of_a_short_lot_to_expire() -> None:
    # 5 units in 13 days: a lot with 20 days left gives floor(5/13 x 20) = 7 of its 12.
    plan = plan_product(
        [LotStock("A", TODAY + timedelta(days=20), 12), LotStock("B", TODAY + timedelta(40), 4)],
        stock_date=TODAY,
        rate=rate_of_use(5, 13),
        reorder_level=0,
        units_per_pack=10,
    )
    # B: floor(5/13 x 40) = 15 reachable by its expiry, 7 already drawn: it can give 8, has 4.
    assert [lot.will_be_used for lot in plan.lots] == [7, 4]
    assert plan.will_expire_unused == 5
    assert plan.reorder_text == NO_LEVEL and plan.suggested_units is None


def test_no_use_is_said_and_a_product_below_its_level_is_still_reordered() -> None:
    idle = plan_product(
        [LotStock("X", date(2027, 1, 1), 10)],
        stock_date=TODAY,
        rate=Fraction(0),
        reorder_level=5,
        units_per_pack=10,
    )
    assert idle.days_of_cover is None and idle.reorder_text == NO_USE
    assert idle.suggested_units is None and not idle.below_reorder_level
    short = plan_product(
        [LotStock("X", date(2027, 1, 1), 1)],
        stock_date=TODAY,
        rate=Fraction(0),
        reorder_level=3,
        units_per_pack=1,
    )
    assert short.reorder_text == "now" and short.suggested_units == 2


def test_expired_on_the_stock_date_gives_nothing() -> None:
    plan = plan_product(
        [LotStock("TODAY", TODAY, 3)],
        stock_date=TODAY,
        rate=Fraction(2),
        reorder_level=0,
        units_per_pack=1,
    )
    assert plan.will_be_used == 0 and plan.will_expire_unused == 3


# --- the report, from a real ledger -----------------------------------------------------


def _fill(db: Database, clock: FixedClock) -> None:
    """Ten uses of GTIN_05 by 10 March, then the shelf of the module docstring."""
    add_products(db)
    manager = staff("Test Manager")
    assert clock.at.date() == TODAY
    used = receiving.receive(db, [box(GTIN_05, "USE", date(2026, 6, 30))], by=manager)
    receiving.receive(
        db,
        [
            box(GTIN_05, "SOON", TODAY + timedelta(days=5)),
            box(GTIN_05, "LATER", date(2026, 12, 31)),
            box(GTIN_10, "B1", date(2027, 1, 31)),
            box(GTIN_ROLLER, "R1", date(2027, 1, 31), serial="SN0001"),
        ],
        by=manager,
    )
    for i, code in enumerate(used.lines[0].unit_codes):
        clock.advance(minutes=5)
        info = sessions.open_session(
            db, client_ref=f"C{i}", area="face", depth_mm="0.5", by=staff("Dr Amira Haddad"),
            intake=clear_intake(),
        )
        use_unit(db, info.id, code, by=staff("Dr Amira Haddad"))
    catalog.set_reorder_level(db, GTIN_05, 20, by=manager)
    catalog.set_reorder_level(db, GTIN_10, 5, by=manager)
    catalog.set_reorder_level(db, GTIN_ROLLER, 2, by=manager)
    assert clock.at.date() == TODAY


def _rows(result: ExportResult, section: str) -> dict[str, dict[str, str]]:
    path = next(p for p in result.csv_files if p.name.endswith(f"-{section}.csv"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {r["gtin"] + r.get("lot", ""): r for r in csv.DictReader(handle)}


@pytest.fixture
def plan_export(db: Database, clock: FixedClock, tmp_path: Path) -> ExportResult:
    _fill(db, clock)
    return export_usage(
        db, START, END, pdf=tmp_path / "usage.pdf", csv=tmp_path / "csv", by=staff("Test Manager")
    )


def test_usage_csv_shows_the_plan(plan_export: ExportResult) -> None:
    cover = _rows(plan_export, "days_of_cover")
    soon = cover[GTIN_05]
    assert (soon["usable"], soon["used_in_period"], soon["per_day"]) == ("20", "10", "1.00")
    assert (soon["will_be_used"], soon["will_expire_unused"]) == ("15", "5")
    assert soon["will_expire_unused_lots"] == "5 of lot SOON, expiring 2026-03-15"
    assert (soon["days_of_cover"], soon["runs_out_on"]) == ("15.0", "2026-03-25")
    assert cover[GTIN_10]["days_of_cover"] == NO_USE

    reorder = _rows(plan_export, "reorder")
    assert reorder[GTIN_05]["reorder_on"] == "now"
    assert (reorder[GTIN_05]["suggested_units"], reorder[GTIN_05]["suggested_packs"]) == (
        "70",
        "7",
    )
    assert reorder[GTIN_10]["reorder_on"] == NO_USE and reorder[GTIN_10]["suggested_units"] == ""
    assert reorder[GTIN_ROLLER]["reorder_on"] == "now"
    assert reorder[GTIN_ROLLER]["suggested_units"] == "1"

    lots = _rows(plan_export, "lot_plan")
    soon_lot = lots[GTIN_05 + "SOON"]
    assert (soon_lot["will_be_used"], soon_lot["will_expire_unused"]) == ("5", "5")
    assert soon_lot["days_left"] == "5"
    assert lots[GTIN_05 + "LATER"]["will_be_used"] == "10"

    stock = _rows(plan_export, "stock_on_hand")
    assert stock[GTIN_05]["below_reorder_level"] == "yes"  # 20 on the shelf, 15 usable in time
    summary = {r["item"]: r["value"] for r in _summary(plan_export)}
    assert summary["units_that_will_expire_unused"] == "5"


def _summary(result: ExportResult) -> list[dict[str, str]]:
    path = next(p for p in result.csv_files if p.name.endswith("-summary.csv"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_usage_pdf_shows_the_plan(plan_export: ExportResult, tmp_path: Path) -> None:
    text = " ".join("\f".join(pages(tmp_path / "usage.pdf")).split())
    for shown in (
        "Days of cover",
        "first expiring first",
        "12-pin cartridge 0.5 mm (09506000100029): 5 units will expire unused (5 of lot SOON, "
        "expiring 2026-03-15).",
        "Reorder plan",
        "70 (7 packs of 10)",
        "1 (1 pack of 1)",
        "2026-03-25",
        "Usable lots on 2026-03-10 in the order they will be used",
    ):
        assert shown in text, shown
    # The plan page as a reader sees it: rendered once, to catch a layout that fails.
    out = tmp_path / "plan"
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(tmp_path / "usage.pdf"), str(out)], check=True
    )
    assert list(tmp_path.glob("plan*.png"))
