"""Returning stock to the supplier, and closing a recall: what was sent back, when, by whom.

A returned unit is gone for good: the chair refuses it with the reason (the RMA, say)
and records the refusal. A lot or a recall's stock on hand goes back in one transaction,
one ``unit_hold`` row and one bound audit event per unit. Migration 0008 lets the
unit's status be ``returned`` on both databases without losing a row or a guard.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from inventory import audit, schema, stock
from inventory.access import NotAllowed
from inventory.db import Database, make_engine
from inventory.errors import LedgerError, NotFound
from inventory.protections import missing_guards
from sterility import errors as e
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from sterility.models import Refusal, UnitHold
from tests.conftest import GTIN_10, pg_or_fail
from tests.people import clear_intake, staff


def _codes(receipt, lot: str) -> list[str]:
    return next(line.unit_codes for line in receipt.lines if line.lot == lot)


def _session(db: Database) -> int:
    return sessions.open_session(
        db, client_ref="C-7", area="face", depth_mm="1.0", by=staff("Dr Haddad"),
        intake=clear_intake(),
    ).id


def _statuses(db: Database, lot: str) -> dict[str, str]:
    with db.read() as conn:
        return {u.code: u.status for u in stock.list_units(conn, lot=lot)}


def _events(db: Database, action: str) -> int:
    with db.read() as conn:
        return conn.execute(
            text("SELECT count(*) FROM audit_event WHERE action = :a"), {"a": action}
        ).scalar_one()


def test_a_returned_unit_is_refused_at_the_chair_with_the_reason(db: Database, stocked) -> None:
    code = _codes(stocked, "A100")[0]
    holds.return_to_supplier(db, code, reason="RMA-5521 wrong length", by=staff("Manager"))
    sid = _session(db)
    with pytest.raises(e.UnitReturned, match=r"returned to the supplier \(RMA-5521 wrong length\)"):
        use_unit(db, sid, code, by=staff("Dr Haddad"))
    with db.read() as conn:
        refusal = conn.execute(select(Refusal.reason, Refusal.session_id, Refusal.message)).one()
        assert audit.verify(conn).ok
    assert refusal.reason == "returned" and refusal.session_id == sid
    assert "RMA-5521" in refusal.message


def test_returning_a_lot_is_one_hold_row_and_one_event_per_unit(db: Database, stocked) -> None:
    a100 = _codes(stocked, "A100")
    use_unit(db, _session(db), a100[0], by=staff("Dr Haddad"))
    result = holds.return_to_supplier(db, "A100", reason="RMA-77", by=staff("Manager"))
    assert result.action == "return" and len(result.changed) == 9
    assert result.skipped == {a100[0]: "is used"}  # a used unit stays in its session's record
    assert _statuses(db, "A100") == {a100[0]: "used"} | dict.fromkeys(a100[1:], "returned")
    with db.read() as conn:
        holds_rows = conn.execute(
            select(UnitHold.action, UnitHold.reason, UnitHold.held_by).where(
                UnitHold.action == "return"
            )
        ).all()
        assert audit.verify(conn).ok  # each event bound to its unit_hold row
        counts = stock.count_by_status(conn)
    assert holds_rows == [("return", "RMA-77", "Manager")] * 9
    assert _events(db, "return") == 9
    assert (counts["returned"], counts["used"]) == (9, 1)
    # Final: nothing is returned twice, and a returned unit cannot be released.
    with pytest.raises(LedgerError, match="was returned to the supplier"):
        holds.return_to_supplier(db, "A100", reason="again", by=staff("Manager"))
    with pytest.raises(LedgerError, match="was returned to the supplier"):
        holds.release(db, a100[1], reason="came back", by=staff("Manager"))


def test_a_return_is_all_or_nothing(db: Database, stocked, monkeypatch) -> None:
    """A failure on the fourth unit leaves every unit of the lot as it was."""
    from sterility import moves

    real, calls = moves.audit.record, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(moves.audit, "record", failing)
    with pytest.raises(RuntimeError):
        holds.return_to_supplier(db, "A100", reason="RMA-1", by=staff("Manager"))
    monkeypatch.setattr(moves.audit, "record", real)
    assert set(_statuses(db, "A100").values()) == {"in_stock"}
    with db.read() as conn:
        assert conn.execute(select(UnitHold.id)).first() is None
    assert _events(db, "return") == 0


def test_a_recalls_quarantined_stock_goes_back_and_the_recall_is_closed(
    db: Database, stocked, clock
) -> None:
    b200 = _codes(stocked, "B200")
    use_unit(db, _session(db), b200[0], by=staff("Dr Haddad"))
    entered = recalls.enter_recall(
        db, gtin=GTIN_10, lots=["B200"], reference="FSN-9", notice_text="seal", by=staff("Manager")
    )
    assert len(entered.quarantined) == 9
    with db.read() as conn:
        before = recalls.recall_stock(conn, entered.recall_id)
    assert (before.received, before["used"], before["quarantined"]) == (10, 1, 9)

    clock.advance(hours=1)
    result = holds.return_recall_stock(
        db, entered.recall_id, reason="RMA-2026-118", by=staff("Manager")
    )
    assert sorted(result.changed) == sorted(b200[1:])
    with db.read() as conn:
        after = recalls.recall_stock(conn, entered.recall_id)
        assert audit.verify(conn).ok
    assert (after.received, after["used"], after["quarantined"], after["returned"]) == (
        10,
        1,
        0,
        9,
    )
    assert _events(db, "return") == 9
    gone = r"Nothing to return for recall 1: .*\(9 returned to the supplier, 1 used\)"
    with pytest.raises(LedgerError, match=gone):
        holds.return_recall_stock(db, entered.recall_id, reason="again", by=staff("Manager"))

    clock.advance(hours=1)
    closed = recalls.close_recall(
        db, entered.recall_id, note="9 units returned, RMA-2026-118", by=staff("Manager")
    )
    assert closed.closed_by == "Manager"
    assert closed.closed_at == clock.now()
    assert closed.close_note == "9 units returned, RMA-2026-118"
    with db.read() as conn:
        listed = recalls.get_recall(conn, entered.recall_id)
        event = conn.execute(
            text("SELECT actor, new_values FROM audit_event WHERE action = 'close'")
        ).one()
        assert audit.verify(conn).ok
    assert (listed.closed_by, listed.close_note) == ("Manager", closed.close_note)
    assert event.actor == "Manager" and "RMA-2026-118" in event.new_values


def test_returns_are_a_managers_and_name_what_is_missing(db: Database, stocked) -> None:
    with pytest.raises(NotAllowed, match="release, waste or return stock"):
        holds.return_to_supplier(db, "A100", reason="RMA", by=staff("Sam"))
    with pytest.raises(NotFound, match="There is no recall 99"):
        holds.return_recall_stock(db, 99, reason="RMA", by=staff("Manager"))
    assert set(_statuses(db, "A100").values()) == {"in_stock"}


# -- migration 0008 on both databases


def _ledger_at_0007(url: str) -> None:
    """A ledger at schema 0007 holding one unit of one lot, written as that schema knew it."""
    engine = make_engine(url)
    cfg = schema.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO product (id, gtin, maker, name, kind, needle_count, needle_config,"
                " needle_length_um, sterilization, units_per_pack, reorder_level, created_at)"
                " VALUES (1, :gtin, 'Lumina', 'Cartridge', 'pen_cartridge', 12, '', 1000, 'EO',"
                " 10, 0, :now)"
            ),
            {"gtin": GTIN_10, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO receipt (id, supplier, invoice, received_by, received_at)"
                " VALUES (1, 'MedSupply', 'INV-1', 'Manager', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO lot (id, product_id, lot_number, expiry, created_at)"
                " VALUES (1, 1, 'B200', :expiry, :now)"
            ),
            {"expiry": datetime(2027, 1, 31).date(), "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO unit (id, product_id, lot_id, receipt_id, code, status,"
                " status_changed_at) VALUES (1, 1, 1, 1, 'U1-001', 'quarantined', :now)"
            ),
            {"now": now},
        )
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A database with nothing in it, not even the schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    server = pg_or_fail(request.getfixturevalue("pg_server"))
    name = f"m{os.getpid()}_0008"
    server.create_database(name)
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


def test_migration_0008_lets_a_unit_be_returned_and_keeps_rows_and_guards(fresh_url: str) -> None:
    _ledger_at_0007(fresh_url)
    engine = make_engine(fresh_url)
    with engine.connect() as conn, pytest.raises(IntegrityError):  # before: not allowed
        conn.execute(text("UPDATE unit SET status = 'returned'"))
    assert schema.upgrade(engine).up_to_date
    with engine.begin() as conn:
        assert conn.execute(text("SELECT code, status FROM unit")).one() == (
            "U1-001",
            "quarantined",
        )
        conn.execute(text("UPDATE unit SET status = 'returned'"))
        # The CHECK is still there, with the new status; so is the unique unit code.
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(text("UPDATE unit SET status = 'lost'"))
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(
                text(
                    "INSERT INTO unit (product_id, lot_id, receipt_id, code, status,"
                    " status_changed_at) VALUES (1, 1, 1, 'U1-001', 'in_stock', :now)"
                ),
                {"now": datetime(2026, 3, 2, tzinfo=UTC)},
            )
        assert missing_guards(conn) == []
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("unit")}
    assert {"ix_unit_status", "ix_unit_lot_id_status", "ix_unit_receipt_id"} <= indexes
    checks = {ck["name"] for ck in inspect(engine).get_check_constraints("unit")}
    assert "ck_unit_status" in checks
    engine.dispose()
