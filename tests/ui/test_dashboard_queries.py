"""The dashboard's figures, read in SQL: checked on SQLite and on PostgreSQL (no Qt here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from inventory import catalog, receiving
from inventory.clock import FixedClock
from inventory.db import Database
from sterility import dashboard, holds, recalls, sessions
from sterility.chair import use_unit
from sterility.errors import ScanRefused
from tests import people
from tests.conftest import GTIN_05, GTIN_10, GTIN_ROLLER, box
from tests.people import clear_intake, staff


@pytest.fixture
def shelf(db: Database, products: dict[str, catalog.ProductInfo]) -> receiving.ReceiptResult:
    """On ``db`` (either backend): lots A100, B200 of ten cartridges, and one roller."""
    return receiving.receive(
        db,
        [box(GTIN_05, "A100"), box(GTIN_10, "B200"), box(GTIN_ROLLER, "R1", serial="SN0001")],
        by=staff("Test Manager"),
    )


@pytest.fixture
def clock() -> FixedClock:
    """From the day the tests' clinic was set up: the shelf is stocked then, and the tests
    move the clock forward (the ledger's time never runs backwards)."""
    return FixedClock(people.SEEDED_AT)


def _figures(db: Database) -> dashboard.Dashboard:
    with db.read() as conn:
        return dashboard.load(conn, db.clock.now(conn))


def test_stock_expiry_windows_and_reorder_levels(
    db: Database, clock: FixedClock, shelf: receiving.ReceiptResult
) -> None:
    # Today is 2026-03-10 in Brisbane. A100 and B200 expire 2027-01-31 (far off).
    # The clock stands on 2026-03-01: everything is received while still in date.
    receiving.receive(db, [box(GTIN_05, "SOON", date(2026, 3, 31))], by=staff("t"))  # 21 days
    receiving.receive(db, [box(GTIN_10, "LATER", date(2026, 5, 1))], by=staff("t"))  # 52 days
    receiving.receive(db, [box(GTIN_10, "GONE", date(2026, 3, 1))], by=staff("t"))  # expired
    clock.at = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)
    receiving.receive(db, [box(GTIN_05, "TODAY", date(2026, 3, 10))], by=staff("t"))  # last day
    holds.quarantine(db, "SOON", reason="dented", by=staff("t"), gtin=GTIN_05)
    catalog.set_reorder_level(db, GTIN_ROLLER, 5, by=staff("t"))

    figures = _figures(db)
    assert figures.today == date(2026, 3, 10)
    assert figures.in_stock == 51  # 21 + LATER 10 + GONE 10 + TODAY 10 (SOON held back)
    assert figures.status_counts["quarantined"] == 10
    within = {w.days: (w.units, w.lots) for w in figures.expiring}
    assert within == {30: (10, 1), 60: (20, 2), 90: (20, 2)}  # TODAY counts, SOON is held
    assert (figures.expired_on_shelf, figures.expired_lots_on_shelf) == (10, 1)
    by_gtin = {line.gtin: line for line in figures.stock}
    assert by_gtin[GTIN_05].in_stock == 20
    assert by_gtin[GTIN_10].in_stock == 30
    assert [line.gtin for line in figures.below_reorder] == [GTIN_ROLLER]
    assert by_gtin[GTIN_ROLLER].needle_length_mm == "1.5"


def test_todays_sessions_refusals_and_open_recalls(
    db: Database, clock: FixedClock, shelf: receiving.ReceiptResult
) -> None:
    clock.at = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # yesterday, clinic time
    old = sessions.open_session(
        db, client_ref="C-0", practitioner="Sam", area="face", depth_mm="0.5", by=staff("Sam"),
        intake=clear_intake(),
    )
    use_unit(db, old.id, "U1-001", by=staff("Sam"))
    clock.at = datetime(2026, 3, 9, 14, 30, tzinfo=UTC)  # 00:30 today in Brisbane
    today = sessions.open_session(
        db, client_ref="C-1", practitioner="Jo", area="neck", depth_mm="1.0", by=staff("Jo"),
        intake=clear_intake(),
    )
    use_unit(db, today.id, "U1-011", by=staff("Jo"))
    use_unit(db, today.id, "U1-012", by=staff("Jo"))
    with pytest.raises(ScanRefused):
        use_unit(db, today.id, "U1-001", by=staff("Jo"))
    clock.at = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)
    recalls.enter_recall(
        db,
        gtin=GTIN_05,
        lots=["A100"],
        reference="FSN-1",
        notice_text="x",
        notice_date=date(2026, 3, 10),
        by=staff("t"),
    )

    figures = _figures(db)
    assert [(s.id, s.uses, s.is_open) for s in figures.sessions_today] == [(today.id, 2, True)]
    assert [r.reason for r in figures.refusals_recent] == ["already_used"]
    assert figures.refusals_last_7_days == 1
    (recall,) = figures.open_recalls
    assert (recall.reference, recall.lots, recall.quarantined, recall.uses) == (
        "FSN-1",
        ["A100"],
        9,
        1,
    )
    assert recall.product == "12-pin cartridge 0.5 mm"
    recalls.close_recall(db, recall.id, note="done", by=staff("t"))
    assert _figures(db).open_recalls == []


def test_an_empty_ledger_reads_as_zeros(db: Database) -> None:
    figures = _figures(db)
    assert figures.in_stock == 0 and figures.stock == [] and figures.sessions_today == []
    assert [w.units for w in figures.expiring] == [0, 0, 0]
    assert figures.now - db.clock.now() < timedelta(seconds=1)
