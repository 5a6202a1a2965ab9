"""Several workstations on one database: locks, one clock, and a read-only inspector."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from inventory import clock as clock_module
from inventory import settings
from inventory.clock import DatabaseClock
from inventory.db import LOCK_TIMEOUT_S, WRITE_LOCK_SQL, Database
from inventory.errors import DatabaseBusy, InvalidInput
from inventory.ledger import open_ledger
from inventory.roles import create_readonly_role
from sterility import sessions
from sterility.chair import use_unit
from sterility.errors import UnitBusy
from sterility.models import Refusal, UnitUse
from tests.people import clear_intake, staff


def _session(db: Database) -> int:
    return sessions.open_session(db, client_ref="C-1", practitioner="Dr H", area="face",
                                 depth_mm="1.0", by=staff("Dr H"), intake=clear_intake()).id


def _code(stocked) -> str:
    return stocked.lines[0].unit_codes[0]


def test_a_unit_locked_by_another_workstation_gets_a_clear_message(
    db: Database, db_url: str, stocked
) -> None:
    sid, code = _session(db), _code(stocked)
    other = create_engine(db_url)
    with other.connect() as conn:
        if db.dialect == "postgresql":
            # Another workstation is in the middle of using this very unit.
            conn.execute(text("BEGIN"))
            conn.execute(text("SELECT id FROM unit WHERE code = :c FOR UPDATE"), {"c": code})
        else:
            # Another program holds the SQLite file's write lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(UnitBusy) as busy:
            use_unit(db, sid, code, by=staff("Dr H"))
        waited = time.monotonic() - started
        conn.rollback()
    other.dispose()
    assert waited < LOCK_TIMEOUT_S + 5  # bounded: it never hangs
    assert "the unit was not used; wait a moment and scan again" in busy.value.message.lower()
    if db.dialect == "postgresql":
        assert busy.value.message.startswith("Another workstation is handling this unit")
        with db.read() as conn:
            assert conn.execute(select(Refusal.reason)).scalars().all() == ["unit_busy"]
    # Once the other workstation is done, the same scan goes through.
    assert use_unit(db, sid, code, by=staff("Dr H")).accepted


def test_a_write_in_progress_elsewhere_makes_others_wait_then_say_so(
    db: Database, db_url: str
) -> None:
    """Writes take turns on the ledger's write lock: on PostgreSQL the one row of
    ledger_lock (SELECT ... FOR UPDATE), on SQLite the file's lock (BEGIN IMMEDIATE)."""
    other = create_engine(db_url)
    with other.connect() as conn:
        if db.dialect == "postgresql":
            # Another workstation is in the middle of a write transaction.
            conn.execute(text("BEGIN"))
            conn.execute(text(WRITE_LOCK_SQL))
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(DatabaseBusy, match="Nothing was saved"):
            settings.set_value(db, "clinic_name", "Harbour Clinic", by=staff("Test Manager"))
        waited = time.monotonic() - started
        conn.rollback()
    other.dispose()
    assert LOCK_TIMEOUT_S - 0.5 < waited < LOCK_TIMEOUT_S + 5  # it waited, then said so
    settings.set_value(db, "clinic_name", "Harbour Clinic", by=staff("Test Manager"))


class _SlowPC(datetime):
    """A workstation whose clock is an hour behind."""

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) - timedelta(hours=1)


def test_use_times_come_from_one_clock_per_database(db: Database, stocked,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sid, code = _session(db), _code(stocked)
    db.clock = DatabaseClock()
    monkeypatch.setattr(clock_module, "datetime", _SlowPC)
    use_unit(db, sid, code, by=staff("Dr H"))
    with db.read() as conn:
        used_at = conn.execute(select(UnitUse.used_at)).scalar_one()
    behind = datetime.now(UTC) - used_at
    if db.dialect == "postgresql":
        # The server's clock decides, whatever this PC's clock says.
        assert abs(behind) < timedelta(minutes=5)
    else:
        # A SQLite file lives on one computer: that computer's clock is the database's.
        assert timedelta(minutes=55) < behind < timedelta(minutes=65)


def test_read_only_role_is_enforced_by_the_database(db: Database, db_url: str, stocked) -> None:
    if db.dialect != "postgresql":
        with pytest.raises(InvalidInput, match="PostgreSQL feature"):
            create_readonly_role(db, "inspector", "pw")
        return
    role = f"inspector_{make_url(db_url).database}"  # roles are server-wide: one per test
    statements = create_readonly_role(db, role, "s3cret")
    assert all("s3cret" not in s for s in statements)
    url = make_url(db_url).set(username=role)
    inspector = open_ledger(url.render_as_string(hide_password=False))
    try:
        assert inspector.read_only
        with inspector.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM unit")).scalar_one() == 21
        with pytest.raises(Exception, match="read-only"):
            inspector.write().__enter__()
    finally:
        inspector.dispose()
    # Even bypassing the app, the database itself refuses the write.
    raw = make_url(db_url)
    host = raw.query["host"]
    with psycopg.connect(dbname=raw.database, user=role, host=host) as conn, \
            pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("UPDATE unit SET status = 'in_stock'")
    # Nor can it take the write lock, even with its read-only default switched off; and
    # the advisory lock the app once took no longer stops anyone's writes.
    with psycopg.connect(dbname=raw.database, user=role, host=host, autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(WRITE_LOCK_SQL)
        conn.execute("SELECT pg_advisory_lock(%s)", [0x51E21E])
        started = time.monotonic()
        settings.set_value(db, "clinic_name", "Harbour Clinic", by=staff("Test Manager"))
        assert time.monotonic() - started < LOCK_TIMEOUT_S
