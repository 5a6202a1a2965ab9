"""Damaged and hostile storage: a sentence staff can act on, and nothing written.

Covered for real: a file that is not a database, a damaged page, a read-only file, a
read-only folder (with and without the -wal file of a writer elsewhere), a database
locked by another program, a full disk, and a schema newer than the app.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from inventory import audit, backup, receiving
from inventory.errors import DatabaseBusy, DatabaseDamaged, DatabaseReadOnly, DiskFull
from inventory.ledger import open_ledger
from inventory.models import Unit
from sterility import sessions
from sterility.chair import use_unit
from sterility.errors import UnitBusy
from tests.conftest import GTIN_05, box
from tests.people import clear_intake, clear_intake_args, staff
from tests.reliability.helpers import cli, fingerprint, is_root, make_ledger, read_only, tiny_disk


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A clinic's ledger with records and one backup, closed cleanly."""
    file = tmp_path / "clinic" / "ledger.sqlite3"
    db = make_ledger(f"sqlite:///{file}", boxes=30)
    backup.backup_to(db, by=staff("Manager"))
    db.dispose()
    return file


def test_a_file_that_is_not_a_database_is_refused_untouched(path: Path, tmp_path: Path) -> None:
    path.write_bytes(os.urandom(8192))
    before = fingerprint(path)
    latest = backup.list_backups(path)[0]  # newest first
    with pytest.raises(DatabaseDamaged) as refused:
        open_ledger(f"sqlite:///{path}")
    assert "is not a Sterile Ledger database" in refused.value.message
    assert latest.path.name in refused.value.message
    assert "Restore the newest one that is usable" in refused.value.message
    assert "main.py" not in refused.value.message  # the desktop app shows it too
    done = cli(f"sqlite:///{path}", "units", home=tmp_path / "home")
    assert done.returncode == 3 and latest.path.name in done.stderr
    assert "python main.py restore FILE" in done.stderr  # the command line's own hint
    assert fingerprint(path) == before and list(path.parent.glob("ledger.sqlite3-*")) == []


def test_a_damaged_page_is_found_at_start_naming_the_backups(path: Path, tmp_path: Path) -> None:
    with sqlite3.connect(path) as conn:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'unit'").fetchone()
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page + 8 : root * page] = os.urandom(page - 8)
    path.write_bytes(bytes(data))
    before = fingerprint(path)
    latest = backup.list_backups(path)[0]  # newest first
    with pytest.raises(DatabaseDamaged) as refused:
        open_ledger(f"sqlite:///{path}")
    assert "ledger.sqlite3 is damaged" in refused.value.message
    assert latest.path.name in refused.value.message
    done = cli(f"sqlite:///{path}", "audit", "verify", home=tmp_path / "home")
    assert done.returncode == 3 and "is damaged" in done.stderr
    assert fingerprint(path)["ledger.sqlite3"] == before["ledger.sqlite3"]


def _read_only_behaviour(path: Path, home: Path, events: int) -> None:
    """What staff see on a ledger they may only read: it opens, reads, and refuses writes."""
    told: list[str] = []
    db = open_ledger(f"sqlite:///{path}", warn=told.append)
    try:
        assert db.read_only
        assert len(told) == 1 and "open for reading only" in told[0]
        with db.read() as conn:
            chain = audit.verify(conn)
            units = conn.execute(select(func.count()).select_from(Unit)).scalar_one()
        assert chain.ok and chain.events == events and units == 300
        with pytest.raises(DatabaseReadOnly, match="nothing can be changed"):
            receiving.receive(db, [box(GTIN_05, "RO")], by=staff("Manager"))
    finally:
        db.dispose()
    looked = cli(f"sqlite:///{path}", "audit", "verify", home=home)
    assert looked.returncode == 0 and "chain verified" in looked.stdout
    assert looked.stderr.count("open for reading only") == 1
    wrote = cli(f"sqlite:///{path}", "session", "open", "--client", "C-9", "--practitioner",
                "Dr H", "--area", "face", "--depth", "0.5", *clear_intake_args(), home=home)
    assert wrote.returncode == 3 and "read-only" in wrote.stderr


def _events(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]


def test_a_read_only_folder_opens_read_only(path: Path, tmp_path: Path) -> None:
    events, before = _events(path), fingerprint(path)
    with read_only(path.parent) as how:
        _read_only_behaviour(path, tmp_path / "home", events)
    assert fingerprint(path) == before, how


def test_a_read_only_file_opens_read_only(path: Path, tmp_path: Path) -> None:
    events, before = _events(path), fingerprint(path)
    with read_only(path) as how:
        _read_only_behaviour(path, tmp_path / "home", events)
    assert fingerprint(path)["ledger.sqlite3"] == before["ledger.sqlite3"], how


def test_a_read_only_folder_still_shows_a_writers_newest_records(
    path: Path, tmp_path: Path
) -> None:
    """Another login keeps writing (its -wal and -shm exist); this one may only read."""
    writer = open_ledger(f"sqlite:///{path}")
    receiving.receive(writer, [box(GTIN_05, "NEW")], by=staff("Manager"))
    assert Path(f"{path}-wal").stat().st_size > 0
    with read_only(path.parent):
        try:
            reader = open_ledger(f"sqlite:///{path}", warn=lambda _s: None)
            with reader.read() as conn:
                lots = conn.execute(text("SELECT lot_number FROM lot")).scalars().all()
            reader.dispose()
        finally:
            writer.dispose()  # SQLite closes the reader's file only when the writer's goes
    assert "NEW" in lots


def test_leftover_wal_without_its_shm_is_not_silently_ignored(
    path: Path, tmp_path: Path
) -> None:
    """Opening it 'immutable' would drop the newest records without a word: refuse."""
    writer = open_ledger(f"sqlite:///{path}")
    receiving.receive(writer, [box(GTIN_05, "NEWEST")], by=staff("Manager"))
    copy = tmp_path / "stick" / "ledger.sqlite3"
    copy.parent.mkdir()
    for suffix in ("", "-wal"):
        Path(f"{copy}{suffix}").write_bytes(Path(f"{path}{suffix}").read_bytes())
    writer.dispose()
    with read_only(copy.parent), pytest.raises(DatabaseReadOnly) as refused:
        open_ledger(f"sqlite:///{copy}")
    assert "ledger.sqlite3-wal" in refused.value.message
    assert "cannot be read here" in refused.value.message


LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_database_locked_by_another_program(path: Path, tmp_path: Path) -> None:
    db = open_ledger(f"sqlite:///{path}")
    session = sessions.open_session(
        db, client_ref="C-5", practitioner="Dr H", area="face", depth_mm="0.5", by=staff("Dr H"),
        intake=clear_intake(),
    )
    with db.read() as conn:
        code = conn.execute(text("SELECT code FROM unit WHERE status = 'in_stock'")).first()[0]
    before = _events(path)
    other = subprocess.Popen([sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline() == "locked\n"  # type: ignore[union-attr]
        started = time.monotonic()
        with pytest.raises(DatabaseBusy, match="Another workstation or program is writing"):
            receiving.receive(db, [box(GTIN_05, "LOCKED")], by=staff("Manager"))
        assert time.monotonic() - started < 4.5
        with pytest.raises(UnitBusy, match="The unit was not used"):
            use_unit(db, session.id, code, by=staff("Dr H"))
        done = cli(f"sqlite:///{path}", "receive", "--scan", box(GTIN_05, "LOCKED"),
                   home=tmp_path / "home")
        assert done.returncode == 3 and "Nothing was saved" in done.stderr
    finally:
        other.communicate("")
    assert _events(path) == before
    verdict = use_unit(db, session.id, code, by=staff("Dr H"))  # once the other program lets go
    assert verdict.reason == "used"
    db.dispose()


def test_a_full_disk_saves_nothing_and_the_app_keeps_working(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    with tiny_disk(disk, size_kb=2048) as real:
        url = f"sqlite:///{disk / 'ledger.sqlite3'}"
        db = make_ledger(url)
        if not real:  # no mount rights: SQLite's own page limit gives the same error
            db.engine.dispose()
            event.listen(db.engine, "connect",
                         lambda conn, _r: conn.execute("PRAGMA max_page_count = 300"))
        with db.read() as conn:
            units_before = conn.execute(select(func.count()).select_from(Unit)).scalar_one()
        with pytest.raises(DiskFull, match="The disk is full: nothing was saved"):
            receiving.receive(db, [box(GTIN_05, "HUGE")], units=10_000, by=staff("Manager"))
        with db.read() as conn:
            assert conn.execute(select(func.count()).select_from(Unit)).scalar_one() == units_before
        later = receiving.receive(db, [box(GTIN_05, "SMALL")], units=5, by=staff("Manager"))
        assert later.units == 5
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert audit.verify(conn).ok
            total = conn.execute(select(func.count()).select_from(Unit)).scalar_one()
        assert total == units_before + 5
        db.dispose()


def test_a_newer_schema_stops_the_cli_with_exit_3(path: Path, tmp_path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.close()
    before = fingerprint(path)
    done = cli(f"sqlite:///{path}", "units", home=tmp_path / "home")
    assert done.returncode == 3
    assert "written by a newer version of Sterile Ledger" in done.stderr
    assert "Nothing was changed" in done.stderr
    assert fingerprint(path) == before


def test_root_really_cannot_write_the_read_only_place(tmp_path: Path) -> None:
    """The tests above are only worth something if the place is read-only for us too."""
    folder = tmp_path / "place"
    folder.mkdir()
    with read_only(folder) as how, pytest.raises(OSError):
        (folder / "probe").write_text("x")
    assert not (folder / "probe").exists()
    assert how == ("read-only bind mount" if is_root() else "chmod") or how == "immutable attribute"
