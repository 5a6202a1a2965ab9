"""Backups while the ledger is in use, once a day, pruned; restore only what checks out."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from inventory import audit, backup, receiving, seal, settings
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.errors import DatabaseDamaged, SchemaTooNew
from inventory.ledger import open_ledger
from inventory.models import AuditEvent
from sterility import sessions
from sterility.chair import use_unit
from sterility.models import UnitUse
from tests import people
from tests.conftest import GTIN_05, T0, box
from tests.people import clear_intake, staff
from tests.reliability.helpers import cli, fingerprint, make_ledger

KEY = seal.key_text(people.verification_key())  # from the tests' clinic's key sheet


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[Path, Database]:
    path = tmp_path / "clinic" / "ledger.sqlite3"
    db = make_ledger(f"sqlite:///{path}", clock=FixedClock(T0))
    yield path, db
    db.dispose()


def counts(file: Path) -> tuple[int, int, bool]:
    """Uses, audit events and whether the chain verifies, read from a copy directly."""
    db = open_ledger(f"sqlite:///{file}", warn=lambda _s: None)
    try:
        with db.read() as conn:
            uses = conn.execute(select(func.count()).select_from(UnitUse)).scalar_one()
            chain = audit.verify(conn)
    finally:
        db.dispose()
    return uses, chain.events, chain.ok


def test_backup_holds_records_still_in_the_wal(ledger, tmp_path: Path) -> None:
    """A plain file copy made now would miss them; the backup command does not."""
    path, db = ledger
    assert Path(f"{path}-wal").stat().st_size > 0  # records not yet in the main file
    plain = tmp_path / "plain-copy.sqlite3"
    shutil.copyfile(path, plain)
    done = cli(f"sqlite:///{path}", "backup", str(tmp_path / "usb" / "x.sqlite3"),
               home=tmp_path / "home")
    assert done.returncode == 3 and "does not exist" in done.stderr
    (tmp_path / "usb").mkdir()
    done = cli(f"sqlite:///{path}", "backup", str(tmp_path / "usb"), home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    [copy] = (tmp_path / "usb").glob("ledger-*-manual.sqlite3")
    assert f"Backup written: {copy}" in done.stdout
    assert not Path(f"{copy}-wal").exists()  # one self-contained file
    with db.read() as conn:
        events = audit.verify(conn).events
    assert counts(copy) == (2, events, True)
    try:  # the plain copy lacks the records still in the -wal file
        uses = sqlite3.connect(plain).execute("SELECT count(*) FROM unit_use").fetchone()[0]
    except sqlite3.DatabaseError:
        uses = None
    assert uses in (None, 0)


def test_backups_taken_while_uses_are_recorded_are_consistent(ledger, tmp_path: Path) -> None:
    _path, db = ledger
    receipt = receiving.receive(db, [box(GTIN_05, "BIG")], units=400, by=staff("Manager"))
    session = sessions.open_session(
        db, client_ref="C-2", practitioner="Dr H", area="face", depth_mm="0.5", by=staff("Dr H"),
        intake=clear_intake(),
    )
    done = threading.Event()

    def chair() -> None:
        for code in receipt.lines[0].unit_codes:
            use_unit(db, session.id, code, by=staff("Dr H"))
        done.set()

    worker = threading.Thread(target=chair)
    worker.start()
    copies = []
    while not done.is_set():
        target = tmp_path / f"copy{len(copies)}.sqlite3"
        copies.append(backup.backup_to(db, target, by=staff("Manager")))
    worker.join()
    assert len(copies) >= 2
    for copy in copies:
        uses, _events, ok = counts(copy)
        with sqlite3.connect(copy) as conn:
            use_events = conn.execute(
                "SELECT count(*) FROM audit_event WHERE action = 'use'"
            ).fetchone()[0]
        assert ok and uses == use_events  # every use with its audit event, none half


def test_daily_backup_once_a_day_keeping_backup_keep(ledger, tmp_path: Path) -> None:
    path, db = ledger
    settings.set_value(db, "backup_keep", "3", by=staff("Manager"))
    url = f"sqlite:///{path}"
    mine = tmp_path / "mine.sqlite3"
    backup.backup_to(db, mine, by=staff("Manager"))
    manual = backup.backup_to(db, by=staff("Manager"))  # in backups/ by hand: never pruned
    clock = FixedClock(T0)
    made = []
    for _day in range(6):
        clock.advance(days=1)
        for _start in range(3):  # three starts a day, one backup
            open_ledger(url, clock=clock).dispose()
        made.append(next(b for b in backup.list_backups(path) if b.label == "daily"))
    daily = [b for b in backup.list_backups(path) if b.label == "daily"]
    assert [b.path for b in daily] == [b.path for b in reversed(made[-3:])]
    assert [b.made_at for b in daily] == [clock.at - timedelta(days=n) for n in range(3)]
    assert manual.exists() and mine.exists()
    with pytest.raises(Exception, match="whole number"):
        settings.set_value(db, "backup_keep", "0", by=staff("Manager"))


def test_clock_put_back_still_backs_up_and_keeps_the_new_copy(ledger) -> None:
    path, db = ledger
    url = f"sqlite:///{path}"
    open_ledger(url, clock=FixedClock(T0 + timedelta(days=30))).dispose()
    settings.set_value(db, "backup_keep", "1", by=staff("Manager"))
    behind = FixedClock(T0 + timedelta(days=2))
    open_ledger(url, clock=behind, warn=lambda _s: None).dispose()
    daily = [b.made_at for b in backup.list_backups(path) if b.label == "daily"]
    assert behind.at in daily  # made, and not pruned as "oldest"


def test_restore_checks_keeps_current_and_records_itself(ledger, tmp_path: Path) -> None:
    path, db = ledger
    url, home = f"sqlite:///{path}", tmp_path / "home"
    saved = backup.backup_to(db, tmp_path / "friday.sqlite3", by=staff("Manager"))
    with db.read() as conn:
        saved_hash = audit.verify(conn).last_hash
    later = receiving.receive(db, [box(GTIN_05, "LATER")], by=staff("Manager"))
    db.dispose()

    without = cli(url, "restore", str(saved), home=home)  # a working ledger: why?
    assert without.returncode == 3 and "a reason is required" in without.stderr
    no_key = cli(url, "restore", str(saved), "--reason", "test restore", home=home)
    assert no_key.returncode == 3 and "carries no sealing key" in no_key.stderr
    assert "--key KEY" in no_key.stderr and "--without-key" in no_key.stderr  # the way on
    done = cli(
        url, "restore", str(saved), "--reason", "test restore", "--key", KEY, "--json", home=home
    )
    assert done.returncode == 0, done.stderr
    assert '"restored": "friday.sqlite3"' in done.stdout
    restored = open_ledger(url, warn=lambda _s: None)
    with restored.read() as conn:
        receipts = conn.execute(text("SELECT id FROM receipt")).scalars().all()
        chain = audit.verify(conn)
        last = conn.execute(
            select(AuditEvent.__table__).order_by(AuditEvent.id.desc()).limit(1)
        ).one()
    assert later.receipt_id not in receipts and chain.ok
    assert (last.action, last.entity_id) == ("restore", "friday.sqlite3")
    assert f'"backup_last_hash":"{saved_hash}"' in last.new_values
    assert last.prev_hash == saved_hash and last.actor == "Clinic Manager"
    recorded = json.loads(last.new_values)
    assert recorded["reason"] == "test restore" and recorded["events_rolled_back"] >= 2
    assert recorded["backup_is_an_earlier_copy"] is True
    assert recorded["numbers_not_reused"]["receipt"] == later.receipt_id
    [kept] = [b for b in backup.list_backups(path) if b.label == "before-restore"]
    with sqlite3.connect(kept.path) as conn:  # the replaced ledger, later receipt and all
        assert (later.receipt_id,) in conn.execute("SELECT id FROM receipt").fetchall()
    # And the clinic works on.
    receiving.receive(restored, [box(GTIN_05, "AFTER")], by=staff("Manager"))
    with restored.read() as conn:
        sealed = audit.verify(conn, key=people.verification_key())
    assert sealed.ok and sealed.seals_checked and sealed.unsealed_after is None
    restored.dispose()


def _garbage(copy: Path) -> None:
    copy.write_bytes(b"PK\x03\x04 this is a zip file, not a ledger" * 100)


def _tampered(copy: Path) -> None:
    with sqlite3.connect(copy) as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("UPDATE audit_event SET actor = 'Someone Else' WHERE id = 3")


def _newer(copy: Path) -> None:
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")


def _foreign(copy: Path) -> None:
    copy.unlink()
    with sqlite3.connect(copy) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")


def _torn(copy: Path) -> None:
    data = bytearray(copy.read_bytes())
    with sqlite3.connect(copy) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'unit'").fetchone()
    start = (root[0] - 1) * 4096
    data[start : start + 4096] = b"\xff" * 4096
    copy.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (_garbage, "is not a Sterile Ledger backup (not a database file)"),
        (_torn, "is damaged"),
        (_tampered, "does not verify (Audit trail BROKEN at event 3"),
        (_newer, "was written by a newer version of Sterile Ledger"),
        (_foreign, "is a database, but not a Sterile Ledger backup"),
    ],
)
def test_restore_refuses_a_bad_backup_and_changes_nothing(ledger, tmp_path, spoil, says) -> None:
    path, db = ledger
    bad = backup.backup_to(db, tmp_path / "bad.sqlite3", by=staff("Manager"))
    spoil(bad)
    db.dispose()
    before = fingerprint(path)
    done = cli(f"sqlite:///{path}", "restore", str(bad), home=tmp_path / "home")
    assert done.returncode == 3, done.stderr
    assert says in done.stderr and "Refused:" in done.stderr
    assert fingerprint(path) == before
    assert not [b for b in backup.list_backups(path) if b.label == "before-restore"]
    assert not list(path.parent.glob(".restore-*"))


def test_check_backup_reads_what_restore_would(ledger, tmp_path: Path) -> None:
    _path, db = ledger
    good = backup.backup_to(db, tmp_path / "good.sqlite3", by=staff("Manager"))
    with db.read() as conn:
        chain = audit.verify(conn)
    found = backup.check_backup(good)
    assert (found.events, found.last_hash) == (chain.events, chain.last_hash)
    _newer(good)
    with pytest.raises(SchemaTooNew):
        backup.check_backup(good)


def test_restore_repairs_a_ledger_that_will_not_open(ledger, tmp_path: Path) -> None:
    path, db = ledger
    backup.backup_to(db, by=staff("Manager"))
    db.dispose()
    latest = backup.list_backups(path)[0]  # newest first
    path.write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(DatabaseDamaged, match=latest.path.name):
        open_ledger(f"sqlite:///{path}")
    done = cli(
        f"sqlite:///{path}", "restore", str(latest.path), "--key", KEY, home=tmp_path / "home"
    )
    assert done.returncode == 0, done.stderr
    assert counts(path)[0] == 2
    [kept] = [b for b in backup.list_backups(path) if b.label == "damaged"]
    assert kept.path.read_bytes() == b"\x00garbage" * 1000


def test_postgresql_ledgers_are_backed_up_with_pg_dump(tmp_path: Path) -> None:
    url = "postgresql+psycopg://clinic@/ledger?host=/nonexistent"
    for args in (["backup"], ["restore", str(tmp_path / "x.sqlite3")]):
        done = cli(url, *args, home=tmp_path / "home")
        assert done.returncode == 3
        assert "pg_dump --format=custom" in done.stderr and "pg_restore" in done.stderr


def test_backup_never_overwrites_a_file(ledger, tmp_path: Path) -> None:
    path, _db = ledger
    taken = tmp_path / "taken.sqlite3"
    taken.write_text("my tax records")
    done = cli(f"sqlite:///{path}", "backup", str(taken), home=tmp_path / "home")
    assert done.returncode == 3 and "never overwrites" in done.stderr
    assert taken.read_text() == "my tax records"


def test_restore_onto_a_new_computer(ledger, tmp_path: Path) -> None:
    _path, db = ledger
    stick = backup.backup_to(db, tmp_path / "stick.sqlite3", by=staff("Manager"))
    fresh = tmp_path / "new-pc" / "ledger.sqlite3"
    result = backup.restore(
        fresh, stick, by=staff("Clinic Manager"), verification_key=people.verification_key()
    )
    assert result.previous_copy is None and "Restored stick.sqlite3" in result.sentence
    assert counts(fresh)[0] == 2


def test_a_failed_daily_backup_is_said_and_work_goes_on(ledger) -> None:
    path, _db = ledger
    shutil.rmtree(backup.backup_folder(path), ignore_errors=True)
    backup.backup_folder(path).write_text("a file where the backups folder should be")
    told: list[str] = []
    again = open_ledger(f"sqlite:///{path}", clock=FixedClock(T0), warn=told.append)
    try:
        assert len(told) == 1 and "automatic backup could not be made" in told[0]
        assert "make a backup by hand soon" in told[0]
        receiving.receive(again, [box(GTIN_05, "ON")], by=staff("Manager"))
    finally:
        again.dispose()


def test_a_restored_backup_never_hands_out_a_pack_code_again(ledger, tmp_path: Path) -> None:
    """Pouch codes carry the cycle's number: after restoring an earlier copy, a new cycle
    must not print a code that is already on a pouch in the cupboard."""
    from sterility import sterilizer

    path, db = ledger
    url, home = f"sqlite:///{path}", tmp_path / "home"
    saved = backup.backup_to(db, tmp_path / "monday.sqlite3", by=staff("Manager"))
    cycle = dict(
        sterilizer="Autoclave 1",
        temperature_c=134,
        pressure_kpa=210,
        holding_minutes=4,
        load_contents="comedone extractors",
        packs=["extractor"],
        chemical="pass",
        bi="pass",
        by=staff("Manager"),
    )
    later = sterilizer.add_cycle(db, cycle_number="101", **cycle)
    printed = {p.code for p in later.packs}
    db.dispose()
    done = cli(url, "restore", str(saved), "--reason", "disk fault", "--key", KEY, home=home)
    assert done.returncode == 0, done.stderr
    restored = open_ledger(url, warn=lambda _s: None)
    again = sterilizer.add_cycle(restored, cycle_number="102", **cycle)
    assert printed.isdisjoint({p.code for p in again.packs})
    restored.dispose()
