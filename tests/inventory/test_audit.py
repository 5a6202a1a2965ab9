"""The audit trail: every change chained; editing, deleting or reordering is caught."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from inventory import audit, settings
from inventory.db import Database
from tests import people
from tests.conftest import GTIN_05, box
from tests.people import staff


def _bypass_triggers(conn, dialect: str, enable: bool) -> None:
    """What an attacker with file access would do: switch the append-only guard off."""
    if dialect == "postgresql":
        conn.execute(
            text(f"ALTER TABLE audit_event {'ENABLE' if enable else 'DISABLE'} TRIGGER USER")
        )
    elif enable:
        for verb in ("update", "delete"):
            conn.execute(
                text(
                    f"CREATE TRIGGER audit_event_no_{verb} BEFORE {verb.upper()} ON audit_event "
                    "BEGIN SELECT RAISE(ABORT, 'append-only'); END"
                )
            )
    else:
        conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("DROP TRIGGER audit_event_no_delete"))


def _tamper(db: Database, *statements: str) -> None:
    with db.engine.begin() as conn:
        _bypass_triggers(conn, db.dialect, enable=False)
        for statement in statements:
            conn.execute(text(statement))
        _bypass_triggers(conn, db.dialect, enable=True)


def _verify(db: Database) -> audit.ChainReport:
    with db.read() as conn:
        return audit.verify(conn)


def test_every_change_is_chained_and_verifies(db: Database, stocked) -> None:
    report = _verify(db)
    assert report.ok, report.sentence
    # the seeded staff, then setting + 3 products + receipt + 3 received lines
    assert report.events == people.SEEDED_EVENTS + 8
    assert f"{people.SEEDED_EVENTS + 8} events" in report.sentence


@pytest.mark.parametrize("verb", ["UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"])
def test_database_refuses_update_and_delete(db: Database, stocked, verb: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(verb))
    assert _verify(db).ok


def test_emptying_the_table_at_once_is_refused(db: Database, stocked) -> None:
    # PostgreSQL's TRUNCATE skips row triggers; SQLite's equivalent is an unfiltered DELETE.
    statement = "TRUNCATE audit_event" if db.dialect == "postgresql" else "DELETE FROM audit_event"
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))
    assert _verify(db).events == people.SEEDED_EVENTS + 8


def test_edited_event_is_named(db: Database, stocked) -> None:
    _tamper(db, "UPDATE audit_event SET actor = 'Somebody else' WHERE id = 5")
    report = _verify(db)
    assert not report.ok
    assert report.first_broken == 5
    assert "changed after it was written" in report.problem


def test_deleted_event_is_named(db: Database, stocked) -> None:
    _tamper(db, "DELETE FROM audit_event WHERE id = 4")
    report = _verify(db)
    assert (report.ok, report.first_broken) == (False, 4)
    assert "missing" in report.problem


def test_reordered_events_are_caught(db: Database, stocked) -> None:
    # Swap the contents of events 6 and 7 while keeping their numbers.
    _tamper(
        db,
        "UPDATE audit_event SET id = -6 WHERE id = 6",
        "UPDATE audit_event SET id = 6 WHERE id = 7",
        "UPDATE audit_event SET id = 7 WHERE id = -6",
    )
    report = _verify(db)
    assert (report.ok, report.first_broken) == (False, 6)


def test_audit_records_old_and_new_values(db: Database, stocked) -> None:
    settings.set_value(db, "clinic_name", "Harbour Skin Clinic", by=staff("Manager"))
    settings.set_value(db, "clinic_name", "Harbour Skin & Laser", by=staff("Manager"))
    with db.read() as conn:
        row = conn.execute(
            text("SELECT actor, old_values, new_values FROM audit_event ORDER BY id DESC LIMIT 1")
        ).one()
    assert row.actor == "Manager"
    assert row.old_values == '"Harbour Skin Clinic"'
    assert row.new_values == '"Harbour Skin & Laser"'


def test_failed_write_leaves_no_audit_event(db: Database, products) -> None:
    from inventory import receiving
    from inventory.errors import LedgerError

    before = _verify(db).events
    with pytest.raises(LedgerError):
        receiving.receive(db, [box(GTIN_05, "OK1"), "garbage"], by=staff("Manager"))
    assert _verify(db).events == before
