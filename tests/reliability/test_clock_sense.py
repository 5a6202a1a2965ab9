"""A clock behind the newest record is said and recorded, never blocking; expiry holds
across daylight-saving gaps and repeats.

(A clinic at UTC+10 scanning at 08:30 the day after expiry: tests/sterility/test_chair.py.)
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from inventory import audit, receiving, settings
from inventory.clock import FixedClock, is_expired, local_date, show_local
from inventory.db import Database
from inventory.ledger import open_ledger
from inventory.models import AuditEvent
from sterility import sessions
from sterility.chair import use_unit
from sterility.errors import UnitAlreadyUsed, UnitExpired
from tests.conftest import GTIN_05, T0, box
from tests.people import clear_intake, staff
from tests.reliability.helpers import cli


def clock_events(db: Database) -> list[dict[str, str]]:
    with db.read() as conn:
        rows = conn.execute(
            select(AuditEvent.new_values).where(AuditEvent.action == "clock_behind")
        ).scalars()
        return [json.loads(row) for row in rows]


def test_a_clock_behind_the_newest_record_warns_and_is_recorded_once(
    db: Database, db_url: str, products
) -> None:
    receiving.receive(db, [box(GTIN_05, "A1")], by=staff("Manager"))  # recorded at T0
    behind = FixedClock(T0 - timedelta(hours=3))
    told: list[str] = []
    second = open_ledger(db_url, clock=behind, warn=told.append)
    try:
        [sentence] = told
        tz = ZoneInfo("Australia/Brisbane")
        assert show_local(behind.at, tz) in sentence and show_local(T0, tz) in sentence
        assert "You can keep working" in sentence
        # Work goes on.
        receiving.receive(second, [box(GTIN_05, "A2")], by=staff("Manager"))
        open_ledger(db_url, clock=behind, warn=told.append).dispose()
        assert len(told) == 2  # said at every start while the clock is wrong...
        [event] = clock_events(second)  # ...recorded once
        assert event == {
            "computer_time": behind.at.isoformat(),
            "newest_record": T0.isoformat(),
        }
        with second.read() as conn:
            assert audit.verify(conn).ok
    finally:
        second.dispose()
    quiet: list[str] = []
    open_ledger(db_url, clock=FixedClock(T0 + timedelta(seconds=30)), warn=quiet.append).dispose()
    assert quiet == []


def test_the_cli_says_it_once_on_stderr(db_url: str, tmp_path: Path) -> None:
    ahead = FixedClock(datetime.now(UTC) + timedelta(days=2))  # records "from the future"
    db = open_ledger(db_url, clock=ahead)
    settings.set_value(db, "clinic_name", "Harbour Skin Clinic", by=staff("Manager"))
    db.dispose()
    done = cli(db_url, "settings", "show", home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("This computer's clock says") == 1
    assert "Harbour Skin Clinic" in done.stdout


SANTIAGO_GAP = datetime(2026, 9, 6, 4, 0, tzinfo=UTC)  # 23:59:59 -04 jumps to 01:00 -03


def test_a_missing_local_midnight_still_ends_the_expiry_day() -> None:
    tz = ZoneInfo("America/Santiago")
    before, after = SANTIAGO_GAP - timedelta(seconds=1), SANTIAGO_GAP
    assert (show_local(before, tz), show_local(after, tz)) == (
        "2026-09-05 23:59:59 -04:00",
        "2026-09-06 01:00:00 -03:00",
    )
    assert local_date(before, tz) == date(2026, 9, 5) and local_date(after, tz) == date(2026, 9, 6)
    assert not is_expired(date(2026, 9, 5), before, tz)
    assert is_expired(date(2026, 9, 5), after, tz)


def _clinic(db: Database, zone: str, lot: str, expiry: date) -> tuple[list[str], int, int]:
    settings.set_value(db, "timezone", zone, by=staff("Manager"))
    receipt = receiving.receive(db, [box(GTIN_05, lot, expiry=expiry)], by=staff("Manager"))
    ids = [
        sessions.open_session(db, client_ref=f"C-{n}", practitioner="Dr H", area="face",
                              depth_mm="0.5", by=staff("Dr H"), intake=clear_intake()).id
        for n in (1, 2)
    ]
    return receipt.lines[0].unit_codes, ids[0], ids[1]


def test_chair_refuses_at_the_first_instant_after_a_missing_midnight(
    db: Database, clock: FixedClock, products
) -> None:
    clock.at = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)
    codes, session, _ = _clinic(db, "America/Santiago", "GAP", date(2026, 9, 5))
    clock.at = SANTIAGO_GAP - timedelta(seconds=1)
    assert use_unit(db, session, codes[0], by=staff("Dr H")).reason == "used"
    clock.at = SANTIAGO_GAP
    with pytest.raises(UnitExpired, match="expired on 2026-09-05"):
        use_unit(db, session, codes[1], by=staff("Dr H"))


LONDON_FIRST_0130 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST (+01:00)
LONDON_SECOND_0130 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT (+00:00)


def test_the_repeated_hour_is_one_local_date_and_two_distinct_times(
    db: Database, clock: FixedClock, products
) -> None:
    tz = ZoneInfo("Europe/London")
    assert local_date(LONDON_FIRST_0130, tz) == local_date(LONDON_SECOND_0130, tz)
    clock.at = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    codes, first, second = _clinic(db, "Europe/London", "REPEAT", date(2026, 10, 25))
    clock.at = LONDON_FIRST_0130
    assert use_unit(db, first, codes[0], by=staff("Dr H")).reason == "used"
    clock.at = LONDON_SECOND_0130  # same wall clock reading, an hour later
    assert use_unit(db, second, codes[1], by=staff("Dr H")).reason == "used"
    with pytest.raises(UnitAlreadyUsed) as refused:
        use_unit(db, second, codes[0], by=staff("Dr H"))
    assert "at 2026-10-25 01:30:00 +01:00" in refused.value.message  # the first 01:30
    clock.at = datetime(2026, 10, 25, 23, 59, 59, tzinfo=UTC)  # 23:59:59 GMT
    assert use_unit(db, second, codes[2], by=staff("Dr H")).reason == "used"
    clock.at = datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
    with pytest.raises(UnitExpired):
        use_unit(db, second, codes[3], by=staff("Dr H"))
