"""The sealed record against someone at the clinic's own PC: each attack replayed, by name.

The attacker holds the database file (or the owner's login on PostgreSQL) and the source
code: they drop the append-only triggers, change rows, and recompute every SHA-256 the
app computes. What they do not hold is the clinic's verification key (kept away from
the PC), nor earlier keys of the sealing chain (erased as it moved on).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, select, text

from inventory import audit, backup, receiving, seal
from inventory.audit import event_hash
from inventory.db import Database
from inventory.errors import BackupUnusable, DatabaseReadOnly, InvalidInput, LotExpired
from inventory.ledger import open_ledger
from inventory.models import AuditEvent, Receipt, SealState
from sterility import sessions
from sterility.chair import use_unit
from sterility.errors import UnitAlreadyUsed, UnitExpired, UnitQuarantined
from sterility.models import TreatmentSession
from tests import people
from tests.conftest import GTIN_05, box
from tests.people import clear_intake, staff

APPEND_ONLY = ("audit_event", "unit_use", "refusal", "unit_hold")
ROOT = Path(__file__).resolve().parent.parent


# --- the attacker's tools ----------------------------------------------------------------


def guards(conn: Connection, dialect: str, *, on: bool) -> None:
    """Switch the append-only triggers off (or back on), as the attacker does first."""
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            conn.execute(text(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER USER"))
            continue
        for verb in ("update", "delete"):
            if on:
                conn.execute(
                    text(
                        f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                    )
                )
            else:
                conn.execute(text(f"DROP TRIGGER {table}_no_{verb}"))


def recompute_chain(conn: Connection) -> None:
    """Renumber the events 1..n and recompute every hash, as the app would have."""
    rows = conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).all()
    conn.execute(text("DELETE FROM audit_event"))
    prev = audit.GENESIS
    for number, row in enumerate(rows, start=1):
        binding = (row.row_table, row.row_id, row.row_digest) if row.row_table else None
        digest = event_hash(
            number,
            row.at,
            row.actor,
            row.action,
            row.entity,
            row.entity_id,
            row.old_values,
            row.new_values,
            prev,
            row.staff_id,
            binding,
        )
        values = dict(row._mapping) | {"id": number, "prev_hash": prev, "hash": digest}
        conn.execute(AuditEvent.__table__.insert().values(**values))
        prev = digest
    # And move the kept sealing position back to match, hiding the count.
    conn.execute(text("UPDATE seal_state SET position = :n"), {"n": len(rows)})


def tamper(db: Database, *statements: str, recompute: bool = False) -> None:
    with db.engine.begin() as conn:
        guards(conn, db.dialect, on=False)
        for statement in statements:
            conn.execute(text(statement))
        if recompute:
            recompute_chain(conn)
        guards(conn, db.dialect, on=True)


def verify(db: Database, *, with_key: bool = True) -> audit.ChainReport:
    with db.read() as conn:
        return audit.verify(conn, key=people.verification_key() if with_key else None)


def a_day(db: Database, stocked) -> tuple[int, str]:
    """Two sessions with uses; returns the first session and a used unit code."""
    first = sessions.open_session(
        db, client_ref="C-1", area="face", depth_mm="1.0", by=staff("Sam"), intake=clear_intake()
    )
    use_unit(db, first.id, "U1-001", by=staff("Sam"))
    second = sessions.open_session(
        db, client_ref="C-2", area="face", depth_mm="1.0", by=staff("Sam"), intake=clear_intake()
    )
    use_unit(db, second.id, "U1-002", by=staff("Sam"))
    use_unit(db, second.id, "U1-003", by=staff("Sam"))
    return first.id, "U1-001"


# --- the attacks -------------------------------------------------------------------------


def test_untouched_ledger_verifies_with_and_without_the_key(db: Database, stocked) -> None:
    a_day(db, stocked)
    plain, sealed = verify(db, with_key=False), verify(db)
    assert plain.ok and not plain.seals_checked and "seals were not checked" in plain.sentence
    assert sealed.ok and sealed.seals_checked and "seals verified" in sealed.sentence


def test_attack_delete_a_use_and_its_event_then_recompute_the_chain(db: Database, stocked) -> None:
    """Drop triggers, delete a use and its event, unit back in stock, recompute: caught."""
    a_day(db, stocked)
    with db.read() as conn:
        event = conn.execute(
            select(AuditEvent.id, AuditEvent.row_id).where(
                AuditEvent.action == "use", AuditEvent.entity_id == "U1-001"
            )
        ).one()
    tamper(
        db,
        f"DELETE FROM unit_use WHERE id = {event.row_id}",
        f"DELETE FROM audit_event WHERE id = {event.id}",
        "UPDATE unit SET status = 'in_stock' WHERE code = 'U1-001'",
        recompute=True,
    )
    assert verify(db, with_key=False).ok  # the plain chain is fooled, as before
    report = verify(db)
    assert not report.ok and report.first_broken == event.id
    assert "seal does not check with the verification key" in report.problem
    # The unit could be used again, but the trail now says that the record was rewritten.
    info = sessions.open_session(
        db, client_ref="C-3", area="face", depth_mm="1.0", by=staff("Sam"), intake=clear_intake()
    )
    use_unit(db, info.id, "U1-001", by=staff("Sam"))
    assert not verify(db).ok


def test_attack_delete_the_newest_events(db: Database, stocked) -> None:
    a_day(db, stocked)
    with db.read() as conn:
        newest = conn.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalar()
    tamper(db, f"DELETE FROM audit_event WHERE id > {newest - 5}")
    plain = verify(db, with_key=False)
    assert not plain.ok and "sealing key has moved on" in plain.problem
    # Setting the kept position back too hides it from the plain check, not from the key.
    tamper(db, f"UPDATE seal_state SET position = {newest - 5}")
    report = verify(db)
    assert not report.ok and "kept sealing key is not the one that follows" in report.problem


@pytest.mark.parametrize("table", ["unit_use", "refusal"])
def test_attack_alter_a_use_or_a_refusal_only(db: Database, stocked, table: str) -> None:
    """Rows changed with the triggers off, the trail left alone: the binding catches it."""
    session, _code = a_day(db, stocked)
    with pytest.raises(UnitAlreadyUsed):
        use_unit(db, session, "U1-002", by=staff("Sam"))
    change = {
        "unit_use": "UPDATE unit_use SET session_id = session_id + 1 WHERE id = 1",
        "refusal": "UPDATE refusal SET reason = 'unreadable' WHERE id = 1",
    }[table]
    tamper(db, change)
    report = verify(db, with_key=False)
    assert not report.ok and f"{table} row 1 was changed" in report.problem
    tamper(db, f"DELETE FROM {table} WHERE id = 1")
    report = verify(db, with_key=False)
    assert not report.ok and f"{table} row 1, which is gone" in report.problem


def test_attack_drop_the_triggers_and_leave_them_off(db: Database, db_url: str, stocked) -> None:
    """The app checks its guards at start and writes nothing into an unguarded ledger."""
    with db.engine.begin() as conn:
        guards(conn, db.dialect, on=False)
    again = open_ledger(db_url, warn=lambda _s: None)
    try:
        assert again.read_only
        with pytest.raises(DatabaseReadOnly, match="protection .* is missing"):
            receiving.receive(again, [box(GTIN_05, "X1")], by=staff("Manager"))
    finally:
        again.dispose()
        with db.engine.begin() as conn:
            guards(conn, db.dialect, on=True)


def test_attack_clock_set_back_two_days(tmp_path: Path, clock) -> None:
    """SQLite: ledger time never runs backwards, and expired stays expired."""
    shutil_copy = __import__("shutil").copyfile
    path = tmp_path / "ledger.sqlite3"
    shutil_copy(people.sqlite_template(), path)
    db = open_ledger(f"sqlite:///{path}", clock=clock, warn=lambda _s: None)
    try:
        from tests.conftest import add_products

        add_products(db)
        # A lot expiring today (Brisbane) is received, then the day passes.
        clock.at = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)
        receiving.receive(db, [box(GTIN_05, "EXP", date(2026, 3, 10))], by=staff("Manager"))
        clock.advance(days=1)
        info = sessions.open_session(
            db, client_ref="C-1", area="face", depth_mm="0.5", by=staff("Sam"),
            intake=clear_intake(),
        )
        clock.advance(days=-2)  # someone sets the PC clock back two days
        with pytest.raises(LotExpired):
            receiving.receive(db, [box(GTIN_05, "OLD", date(2026, 3, 10))], by=staff("Manager"))
        with pytest.raises(UnitExpired):
            use_unit(db, info.id, "U1-001", by=staff("Sam"))
        with db.read() as conn:
            times = conn.execute(select(AuditEvent.at).order_by(AuditEvent.id)).scalars().all()
        assert times == sorted(times)  # never backwards
    finally:
        db.dispose()


def test_attack_restore_an_older_backup_after_a_use(tmp_path: Path) -> None:
    from tests.reliability.helpers import make_ledger

    path = tmp_path / "clinic" / "ledger.sqlite3"
    db = make_ledger(f"sqlite:///{path}")
    saved = backup.backup_to(db, tmp_path / "before.sqlite3", by=staff("Manager"))
    info = sessions.open_session(
        db, client_ref="C-9", area="face", depth_mm="0.5", by=staff("Sam"), intake=clear_intake()
    )
    use_unit(db, info.id, "U1-005", by=staff("Sam"))
    db.dispose()
    key = people.verification_key()
    with pytest.raises(InvalidInput, match="a reason is required"):
        backup.restore(path, saved, by=staff("Manager"), verification_key=key)
    with pytest.raises(InvalidInput, match="carries no sealing key"):
        backup.restore(path, saved, by=staff("Manager"), reason="disk replaced")
    with pytest.raises(BackupUnusable, match="does not check the seals"):
        backup.restore(
            path, saved, by=staff("Manager"), reason="disk replaced", verification_key=bytes(32)
        )
    result = backup.restore(
        path, saved, by=staff("Manager"), reason="disk replaced", verification_key=key
    )
    assert result.replaced is not None and result.replaced.used_units == ["U1-005"]
    again = open_ledger(f"sqlite:///{path}", warn=lambda _s: None)
    try:
        with again.read() as conn:
            event = conn.execute(
                select(AuditEvent.new_values).where(AuditEvent.action == "restore")
            ).scalar_one()
        recorded = json.loads(event)
        assert recorded["events_rolled_back"] >= 2 and recorded["units_to_check"] == ["U1-005"]
        assert recorded["replaced_head"]["events"] > recorded["backup_events"]
        fresh = sessions.open_session(
            again, client_ref="C-10", area="face", depth_mm="0.5", by=staff("Sam"),
            intake=clear_intake(),
        )
        assert fresh.id > info.id  # the rolled-back session's number is not handed out again
        with pytest.raises(UnitQuarantined, match="needs a check"):
            use_unit(again, fresh.id, "U1-005", by=staff("Sam"))
        use_unit(again, fresh.id, "U1-006", by=staff("Sam"))
        assert recorded["sealing"] == backup.RESUMED
        with again.read() as conn:  # the restored ledger goes on sealing, seamlessly
            report = audit.verify(conn, key=key)
        assert report.ok and report.seals_checked and report.unsealed_after is None
    finally:
        again.dispose()


def test_a_restore_without_the_key_says_sealing_stopped(tmp_path: Path) -> None:
    """The key sheet lost: the records come back; sealing stops, and verify says from where."""
    from tests.reliability.helpers import make_ledger

    path = tmp_path / "clinic" / "ledger.sqlite3"
    db = make_ledger(f"sqlite:///{path}")
    saved = backup.backup_to(db, tmp_path / "before.sqlite3", by=staff("Manager"))
    db.dispose()
    backup.restore(path, saved, by=staff("Manager"), reason="key sheet lost", without_key=True)
    again = open_ledger(f"sqlite:///{path}", warn=lambda _s: None)
    try:
        info = sessions.open_session(
            again, client_ref="C-1", area="face", depth_mm="0.5", by=staff("Sam"),
            intake=clear_intake(),
        )
        use_unit(again, info.id, "U1-009", by=staff("Sam"))
        with again.read() as conn:
            report = audit.verify(conn, key=people.verification_key())
            backup_events = conn.execute(
                select(AuditEvent.id).where(AuditEvent.action == "restore")
            ).scalar_one()
        assert report.ok and report.unsealed_after == backup_events - 1
        assert f"Events {backup_events} to {report.events} are NOT sealed" in report.sentence
    finally:
        again.dispose()


def test_attack_read_old_sealing_keys_from_the_files(tmp_path: Path) -> None:
    """Forward security needs the old keys gone: not in the -wal, the file, or a backup."""
    from tests.reliability.helpers import make_ledger

    path = tmp_path / "clinic" / "ledger.sqlite3"
    db = make_ledger(f"sqlite:///{path}")
    info = sessions.open_session(
        db, client_ref="C-1", area="face", depth_mm="0.5", by=staff("Sam"), intake=clear_intake()
    )
    for n in range(3, 11):
        use_unit(db, info.id, f"U1-{n:03d}", by=staff("Sam"))
    backup.backup_to(db, tmp_path / "usb.sqlite3", by=staff("Manager"))
    with db.read() as conn:
        first, position = conn.execute(select(SealState.first_sealed, SealState.position)).one()
    old, key = [], people.verification_key()
    for _ in range(first, position + 1):  # every key the ledger has sealed with
        old.append(key)
        key = seal.evolve(key)
    wal = Path(f"{path}-wal")
    deadline = time.monotonic() + 10
    while wal.exists() and wal.stat().st_size and time.monotonic() < deadline:
        time.sleep(0.1)  # the app, a moment after its last write
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert wal in files and wal.stat().st_size == 0
    for file in files:
        data = file.read_bytes()
        found = [k for k in old if k in data or k.hex().encode() in data]
        assert not found, f"{len(found)} used sealing key(s) can be read from {file.name}"
    db.dispose()


KILLED_WRITER = """
import os, signal, sys
from inventory.ledger import open_ledger
from inventory import receiving
from tests.conftest import GTIN_05, box
from tests.people import staff
db = open_ledger(sys.argv[1], warn=lambda _s: None)
result = receiving.receive(db, [box(GTIN_05, "WAL1")], by=staff("Manager"))
print(result.receipt_id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # acknowledged, then killed before any checkpoint
"""


def test_attack_delete_the_wal_after_a_kill(tmp_path: Path) -> None:
    from tests.reliability.helpers import make_ledger

    path = tmp_path / "clinic" / "ledger.sqlite3"
    url = f"sqlite:///{path}"
    make_ledger(url).dispose()
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, url],
        capture_output=True, text=True, cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)},
        check=False,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr
    lost_receipt = int(done.stdout.split()[0])
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    told: list[str] = []
    again = open_ledger(url, warn=told.append)
    try:
        assert any("lost records" in sentence for sentence in told), told
        with again.read() as conn:
            receipts = conn.execute(select(Receipt.id)).scalars().all()
            noted = conn.execute(
                select(AuditEvent.new_values).where(AuditEvent.action == "lost_writes")
            ).scalar_one()
        assert lost_receipt not in receipts
        assert json.loads(noted)["numbers_not_reused"]["receipt"] == lost_receipt
        later = receiving.receive(again, [box(GTIN_05, "WAL2")], by=staff("Manager"))
        assert later.receipt_id > lost_receipt  # no printed label's number comes back
        assert verify(again).ok
    finally:
        again.dispose()


def test_attack_the_same_box_twice(db: Database, products) -> None:
    from inventory import catalog

    catalog.add_product(
        db,
        gtin="19506000100026",
        maker="Lumina",
        name="Box of 10",
        kind="pen_cartridge",
        needle_count=12,
        needle_length_mm="0.5",
        sterilization="EO",
        units_per_pack=10,
        by=staff("Manager"),
    )
    scan = box("19506000100026", "P1", serial="BOXSN1")
    first = receiving.receive(db, [scan], by=staff("Manager"))
    with pytest.raises(InvalidInput, match=f"already received on receipt {first.receipt_id}"):
        receiving.receive(db, [scan], by=staff("Manager"))
    with pytest.raises(InvalidInput, match="already received on this delivery"):
        receiving.receive(db, [box("19506000100026", "P2", serial="BOXSN2")] * 2, by=staff("M"))
    with db.read() as conn:
        units = conn.exec_driver_sql("SELECT count(*) FROM unit").scalar_one()
    assert units == 10


def test_sealing_starts_at_setup_and_each_event_carries_a_seal(db: Database, stocked) -> None:
    with db.read() as conn:
        unsealed = (
            conn.execute(select(AuditEvent.id).where(AuditEvent.seal.is_(None))).scalars().all()
        )
        state = conn.exec_driver_sql("SELECT first_sealed, position FROM seal_state").one()
        newest = conn.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalar()
    assert unsealed == [] and state == (1, newest)
    assert people.verification_key().hex() not in _every_value(db)  # never kept


def _every_value(db: Database) -> str:
    with db.read() as conn:
        return " ".join(
            str(v)
            for table in ("seal_state", "setting", "key_wrap", "audit_event")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
            for v in row
        )


def test_session_numbers_come_from_the_floor(db: Database) -> None:
    if db.dialect != "sqlite":
        return  # PostgreSQL sequences never hand a number out twice on their own
    from inventory import ids

    with db.write() as conn:
        ids.raise_floor(conn, "treatment_session", 500)
    info = sessions.open_session(
        db, client_ref="C-1", area="face", depth_mm="0.5", by=staff("Sam"), intake=clear_intake()
    )
    assert info.id == 500
    with db.read() as conn:
        assert conn.execute(select(TreatmentSession.id)).scalars().all() == [500]
