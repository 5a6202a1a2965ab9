"""Pens by serial, their cleanings, and the warning for a pen not cleaned since its last client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from inventory import audit
from inventory.access import NotAllowed
from inventory.clock import FixedClock, clinic_tz
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from sterility import pens, sessions
from sterility.equipment_checks import (
    opened_overdue,
    pen_cleaning_overdue,
    sessions_since_cleaning,
)
from tests.conftest import T0
from tests.people import staff
from tests.sterility.equipment_sessions import treat

MANAGER, SAM = staff("Manager"), staff("Sam")


def unguarded(db: Database, table: str, statement: str) -> None:
    """Change a row as someone with the database file would: triggers off, then back on."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            conn.execute(text(statement))
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            return
        triggers = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": table},
        ).all()
        for name, _sql in triggers:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        conn.execute(text(statement))
        for _name, sql in triggers:
            conn.execute(text(sql))


def verify(db: Database) -> audit.ChainReport:
    with db.read() as conn:
        return audit.verify(conn)


def test_a_pen_is_added_once_by_a_manager(db: Database) -> None:
    pen = pens.add_pen(db, " DP-1001 ", model="Dermapen 4", by=MANAGER)
    assert (pen.serial, pen.model, pen.added_by, pen.active) == (
        "DP-1001",
        "Dermapen 4",
        "Manager",
        True,
    )
    with pytest.raises(InvalidInput, match="Pen DP-1001 is already in the pen list"):
        pens.add_pen(db, "dp-1001", by=MANAGER)
    with pytest.raises(NotAllowed, match="add or retire pens"):
        pens.add_pen(db, "DP-2", by=SAM)
    with pytest.raises(InvalidInput, match="serial is required"):
        pens.add_pen(db, "  ", by=MANAGER)
    with db.read() as conn:
        assert [p.serial for p in pens.list_pens(conn, db.now(conn))] == ["DP-1001"]
        assert pens.pen_by_serial(conn, "dp-1001").id == pen.id
    assert verify(db).ok


def test_a_cleaning_is_recorded_when_by_whom_and_how(db: Database, clock: FixedClock) -> None:
    pens.add_pen(db, "DP-1", by=MANAGER)
    first = pens.record_cleaning(db, "DP-1", method="70% alcohol wipe", by=SAM)
    assert (first.cleaned_at, first.cleaned_by, first.method) == (
        clock.at,
        "Sam",
        "70% alcohol wipe",
    )
    # What staff type is the clinic's wall clock (Brisbane, UTC+10).
    earlier = pens.record_cleaning(
        db,
        "DP-1",
        method="detergent, then disinfectant",
        by=SAM,
        cleaned_at=datetime(2026, 3, 10, 9),
    )
    assert earlier.cleaned_at == datetime(2026, 3, 9, 23, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="is in the future"):
        pens.record_cleaning(
            db, "DP-1", method="wipe", by=SAM, cleaned_at=clock.at + timedelta(hours=1)
        )
    with pytest.raises(InvalidInput, match="method is required"):
        pens.record_cleaning(db, "DP-1", method=" ", by=SAM)
    with pytest.raises(NotFound, match="no pen 'DP-9'"):
        pens.record_cleaning(db, "DP-9", method="wipe", by=SAM)
    with pytest.raises(NotAllowed):
        pens.record_cleaning(db, "DP-1", method="wipe", by=staff("Inspector"))
    with db.read() as conn:
        (row,) = pens.list_pens(conn, db.now(conn))
        assert [c.method for c in pens.list_cleanings(conn, serial="DP-1")] == [
            "detergent, then disinfectant",
            "70% alcohol wipe",
        ]
    assert row.last_cleaning is not None
    assert (row.last_cleaning.method, row.last_cleaning.cleaned_by) == ("70% alcohol wipe", "Sam")
    assert row.overdue is None and row.sessions_since == 0
    assert verify(db).ok


def test_a_pen_used_since_its_cleaning_is_overdue_until_cleaned_again(
    db: Database, clock: FixedClock
) -> None:
    pen = pens.add_pen(db, "DP-7", by=MANAGER)
    with db.read() as conn:
        never = pen_cleaning_overdue(conn, pen.id, db.now(conn))
    assert never == (
        "Pen DP-7 has no cleaning recorded. Clean and disinfect it, and record the cleaning, "
        "before this client."
    )
    pens.record_cleaning(db, "DP-7", method="wipe", by=SAM)
    clock.advance(minutes=10)
    treat(db, client="C-1", pen="DP-7")
    clock.advance(minutes=50)
    with db.read() as conn:
        now = db.now(conn)
        warning = pen_cleaning_overdue(conn, pen.id, now)
        (row,) = pens.list_pens(conn, now)
        # As of before the session, the pen was clean.
        assert pen_cleaning_overdue(conn, pen.id, now - timedelta(minutes=55)) is None
    assert warning is not None
    assert warning.startswith("Pen DP-7 was used in a session at 2026-03-10 11:40:00 +10:00")
    assert "last cleaned 2026-03-10 11:30:00 +10:00" in warning
    assert row.overdue == warning and row.sessions_since == 1

    pens.record_cleaning(db, "DP-7", method="wipe", by=SAM)
    with db.read() as conn:
        now = db.now(conn)
        assert pen_cleaning_overdue(conn, pen.id, now) is None
        assert sessions_since_cleaning(conn, pen.id, now) == 0


def test_sessions_opened_overdue_match_the_warning_at_their_opening(
    db: Database, clock: FixedClock
) -> None:
    """The report's one-statement list and the chair's check give the same answer."""
    pens.add_pen(db, "DP-8", by=MANAGER)
    never = treat(db, client="C-1", pen="DP-8")  # never cleaned
    clock.advance(minutes=30)
    pens.record_cleaning(db, "DP-8", method="wipe", by=SAM)
    clock.advance(minutes=10)
    clean = treat(db, client="C-2", pen="DP-8")  # cleaned since the last client
    clock.advance(minutes=40)
    again = treat(db, client="C-3", pen="DP-8")  # used since its cleaning
    with db.read() as conn:
        tz = clinic_tz(conn)
        found = opened_overdue(conn, T0 - timedelta(days=1), db.now(conn) + timedelta(days=1))
        expected = {}
        for session_id in (never, clean, again):
            opened = sessions.get_session(conn, session_id).opened_at
            pen_id = pens.pen_by_serial(conn, "DP-8").id
            expected[session_id] = pen_cleaning_overdue(
                conn, pen_id, opened - timedelta(microseconds=1)
            )
    assert expected[clean] is None and expected[never] and expected[again]
    assert {s.session_id: s.warning(tz) for s in found} == {
        k: v for k, v in expected.items() if v is not None
    }


def test_a_retired_pen_stays_listed_and_cannot_be_named(db: Database) -> None:
    pens.add_pen(db, "DP-3", by=MANAGER)
    with pytest.raises(InvalidInput, match="a note is required"):
        pens.retire_pen(db, "DP-3", note="", by=MANAGER)
    with pytest.raises(NotAllowed):
        pens.retire_pen(db, "DP-3", note="dropped", by=SAM)
    retired = pens.retire_pen(db, "DP-3", note="motor failed", by=MANAGER)
    assert not retired.active and retired.retired_by == "Manager"
    with pytest.raises(InvalidInput, match="already retired"):
        pens.retire_pen(db, "DP-3", note="again", by=MANAGER)
    with pytest.raises(InvalidInput, match="already in the pen list.*retired on"):
        pens.add_pen(db, "DP-3", by=MANAGER)
    with db.read() as conn:
        with pytest.raises(InvalidInput, match=r"retired on .* \(motor failed\). Choose an active"):
            pens.pen_by_serial(conn, "DP-3")
        with pytest.raises(NotFound, match="no pen 'XX'"):
            pens.pen_by_serial(conn, "XX")
        (row,) = pens.list_pens(conn, db.now(conn))
        assert row.overdue is None  # a retired pen is not warned about
        assert pens.list_pens(conn, db.now(conn), active_only=True) == []
    with pytest.raises(InvalidInput, match="retired"):
        pens.record_cleaning(db, "DP-3", method="wipe", by=SAM)
    assert verify(db).ok  # the retire event holds the row as it is now


def test_an_edited_cleaning_or_retirement_is_caught(db: Database) -> None:
    pens.add_pen(db, "DP-5", by=MANAGER)
    pens.record_cleaning(db, "DP-5", method="wipe", by=SAM)
    pens.retire_pen(db, "DP-5", note="worn", by=MANAGER)
    assert verify(db).ok
    unguarded(db, "pen_cleaning", "UPDATE pen_cleaning SET method = 'autoclaved'")
    report = verify(db)
    assert not report.ok and "pen_cleaning row 1 was changed" in report.problem
    unguarded(db, "pen_cleaning", "UPDATE pen_cleaning SET method = 'wipe'")
    assert verify(db).ok
    with db.engine.begin() as conn:  # pen is not append-only: its columns are bound
        conn.execute(text("UPDATE pen SET retire_note = 'fine' WHERE serial = 'DP-5'"))
    report = verify(db)
    assert not report.ok and "pen row" in report.problem
