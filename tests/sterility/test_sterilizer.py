"""Sterilizer cycles: their load's packs, indicator results, quarantine and exposure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from inventory import audit
from inventory.access import NotAllowed
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from sterility import sessions, sterilizer
from sterility.models import Refusal
from sterility.sterilizer import PackQuarantined, PackUnknown, PackUsed
from tests.people import staff
from tests.sterility.equipment_sessions import treat
from tests.sterility.test_pens import unguarded

SAM = staff("Sam")


def cycle(db: Database, number: str, *, packs: int = 2, name: str = "Autoclave 1", **kw):
    values = {
        "sterilizer": name,
        "cycle_number": number,
        "temperature_c": 134,
        "pressure_kpa": 206,
        "holding_minutes": 3.5,
        "load_contents": f"{packs} instrument packs",
        "packs": [f"forceps set {n}" for n in range(1, packs + 1)],
        "chemical": "pass",
        "bi": "pending",
        "by": SAM,
    }
    return sterilizer.add_cycle(db, **(values | kw))


def verify(db: Database) -> audit.ChainReport:
    with db.read() as conn:
        return audit.verify(conn)


def refusals(db: Database) -> list[tuple[int | None, str, str]]:
    with db.read() as conn:
        rows = conn.execute(
            select(Refusal.session_id, Refusal.scanned, Refusal.reason).order_by(Refusal.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_cycle_is_recorded_with_codes_for_its_packs(db: Database, clock: FixedClock) -> None:
    made = cycle(db, "1041", packs=3, run_at=datetime(2026, 3, 10, 9, 15))
    assert made.run_at == datetime(2026, 3, 9, 23, 15, tzinfo=UTC)  # clinic time, UTC+10
    assert [p.code for p in made.packs] == [f"C{made.id}-{n}" for n in (1, 2, 3)]
    assert [p.state for p in made.packs] == ["available"] * 3
    assert (made.temperature_c, made.pressure_kpa, made.holding_minutes) == (134.0, 206.0, 3.5)
    assert (made.operator, made.bi_result, made.bi_read_at, made.failed) == (
        "Sam",
        "pending",
        None,
        False,
    )
    with db.read() as conn:
        assert sterilizer.pack_state(conn, f" c{made.id}-2 ") == "available"
        with pytest.raises(NotFound, match="No sterilized pack carries the code 'C9-9'"):
            sterilizer.pack_state(conn, "C9-9")
        assert [c.id for c in sterilizer.list_cycles(conn)] == [made.id]
        assert sterilizer.list_cycles(conn, since=clock.at) == []
    with pytest.raises(InvalidInput, match="Cycle 1041 of Autoclave 1 is already recorded"):
        cycle(db, "1041")
    assert verify(db).ok


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("temperature_c", 99, "temperature of 99 °C is outside 100 to 140 °C"),
        ("temperature_c", "hot", "temperature is a number of °C"),
        ("pressure_kpa", 401, "pressure of 401 kPa is outside 0 to 400 kPa"),
        ("pressure_kpa", float("nan"), "outside 0 to 400 kPa"),
        ("holding_minutes", 0, "holding time of 0 minutes is outside 1 to 60 minutes"),
        ("holding_minutes", 61, "outside 1 to 60 minutes"),
        ("chemical", "maybe", "chemical indicator result is pass or fail"),
        ("bi", "unknown", "pass, fail or pending"),
        ("load_contents", " ", "what was in the load"),
        ("sterilizer", "", "steriliser's name is required"),
    ],
)
def test_numbers_and_results_outside_their_range_are_refused_in_words(
    db: Database, field: str, value: object, said: str
) -> None:
    with pytest.raises(InvalidInput, match=said):
        cycle(db, "7", **{field: value})
    with db.read() as conn:
        assert sterilizer.list_cycles(conn) == []


def test_a_cycle_in_the_future_or_by_an_inspector_is_refused(
    db: Database, clock: FixedClock
) -> None:
    with pytest.raises(InvalidInput, match="is in the future"):
        cycle(db, "8", run_at=clock.at + timedelta(minutes=5))
    with pytest.raises(NotAllowed, match="record sterilizer cycles"):
        cycle(db, "8", by=staff("Inspector"))


def test_a_failed_chemical_indicator_is_recorded_and_quarantines_the_load(db: Database) -> None:
    bad = cycle(db, "22", chemical="fail")
    assert bad.failed and [p.state for p in bad.packs] == ["quarantined", "quarantined"]
    session = treat(db)
    with pytest.raises(PackQuarantined, match="chemical indicator failed") as refused:
        sterilizer.use_pack(db, session, bad.packs[0].code, by=SAM)
    assert refused.value.refusal_id is not None
    assert refusals(db) == [(session, bad.packs[0].code, "pack_quarantined")]
    with db.read() as conn:
        assert sterilizer.session_packs(conn, session) == []
    assert verify(db).ok


def test_a_pack_is_opened_once_and_unknown_packs_are_refused(db: Database) -> None:
    made = cycle(db, "30")
    first, second = treat(db, client="C-1"), treat(db, client="C-2")
    code = made.packs[0].code
    used = sterilizer.use_pack(db, first, code.lower(), by=SAM)
    assert (used.code, used.session_id, used.cycle_id, used.bi_result) == (
        code,
        first,
        made.id,
        "pending",
    )
    assert "biological indicator still pending" in used.message
    with pytest.raises(PackUsed, match=f"already opened for session {first}"):
        sterilizer.use_pack(db, second, code, by=SAM)
    with pytest.raises(PackUnknown, match="No sterilized pack carries the code X-1"):
        sterilizer.use_pack(db, second, "x-1", by=SAM)
    sessions.close_session(db, second, by=SAM, **_closing())
    with pytest.raises(Exception, match="is closed") as closed:
        sterilizer.use_pack(db, second, made.packs[1].code, by=SAM)
    assert getattr(closed.value, "code", "") == "session_closed"
    with pytest.raises(NotAllowed):
        sterilizer.use_pack(db, first, made.packs[1].code, by=staff("Inspector"))
    assert [r[2] for r in refusals(db)] == ["pack_used", "pack_unknown", "session_closed"]
    with db.read() as conn:
        assert sterilizer.pack_state(conn, code) == "used"
        assert sterilizer.pack_state(conn, made.packs[1].code) == "available"
        assert [p.code for p in sterilizer.session_packs(conn, first)] == [code]
    assert verify(db).ok


def _closing() -> dict[str, object]:
    """close_session's adverse-events answer, once it asks for one."""
    import inspect

    takes = "adverse" in inspect.signature(sessions.close_session).parameters
    return {"adverse": "none"} if takes else {}


def test_a_failed_biological_indicator_quarantines_its_load_and_lists_the_exposed_sessions(
    db: Database, clock: FixedClock
) -> None:
    passed = cycle(db, "100", bi="pass")
    clock.advance(hours=1)
    pending = cycle(db, "101")
    clock.advance(hours=1)
    failing = cycle(db, "102")
    other = cycle(db, "5", name="Autoclave 2")  # another steriliser: not in doubt
    clock.advance(minutes=10)
    uses = {}
    for client, pack in (
        ("C-1", passed.packs[0]),
        ("C-2", pending.packs[0]),
        ("C-3", failing.packs[0]),
        ("C-4", other.packs[0]),
    ):
        clock.advance(minutes=5)
        sid = treat(db, client=client)
        sterilizer.use_pack(db, sid, pack.code, by=SAM)
        uses[client] = sid

    clock.advance(days=2)
    read = sterilizer.read_bi(db, failing.id, "fail", by=staff("Jo"))
    assert (read.bi_result, read.bi_read_by, read.bi_read_at, read.failed) == (
        "fail",
        "Jo",
        clock.at,
        True,
    )
    assert [p.state for p in read.packs] == ["quarantined", "quarantined"]
    with db.read() as conn:
        exposed = sterilizer.failed_bi_exposure(conn, failing.id)
        assert sterilizer.pack_state(conn, pending.packs[1].code) == "available"
        had_passed = sterilizer.failed_bi_exposure(conn, passed.id)  # were it to fail
    assert [e.session_id for e in had_passed] == [uses["C-1"]]
    assert [(e.session_id, e.pack_code, e.cycle_number) for e in exposed] == [
        (uses["C-2"], pending.packs[0].code, "101"),
        (uses["C-3"], failing.packs[0].code, "102"),
    ]
    assert exposed[0].practitioner == "Sam"

    with pytest.raises(InvalidInput, match="already read: fail by Jo on .* nothing was changed"):
        sterilizer.read_bi(db, failing.id, "pass", by=SAM)
    with pytest.raises(InvalidInput, match="pass or fail"):
        sterilizer.read_bi(db, pending.id, "pending", by=SAM)
    with pytest.raises(NotFound):
        sterilizer.read_bi(db, 999, "pass", by=SAM)
    later = treat(db, client="C-5")
    with pytest.raises(PackQuarantined, match="biological indicator failed"):
        sterilizer.use_pack(db, later, failing.packs[1].code, by=SAM)

    # The next passed indicator closes the window: a later failure looks back to it only.
    sterilizer.read_bi(db, pending.id, "pass", by=SAM)
    with db.read() as conn:
        assert [e.cycle_number for e in sterilizer.failed_bi_exposure(conn, failing.id)] == ["102"]
    assert verify(db).ok


def test_an_edited_cycle_or_pack_is_caught(db: Database) -> None:
    made = cycle(db, "40")
    sterilizer.read_bi(db, made.id, "fail", by=SAM)
    assert verify(db).ok
    with db.engine.begin() as conn:  # the indicator "passed" after all
        conn.execute(text(f"UPDATE sterilizer_cycle SET bi_result = 'pass' WHERE id = {made.id}"))
    report = verify(db)
    assert not report.ok and f"sterilizer_cycle row {made.id} was changed" in report.problem
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE sterilizer_cycle SET bi_result = 'fail' WHERE id = {made.id}"))
    assert verify(db).ok
    unguarded(db, "load_item", "UPDATE load_item SET description = 'scissors'")
    report = verify(db)
    assert not report.ok and "load_item row" in report.problem
