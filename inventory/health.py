"""Start-up checks: is the file a database, can it be written, is it intact, is the clock right.

A damaged or foreign file is refused before anything writes to it, with the names of the
latest backups. A file or folder that cannot be written opens read-only and says so. A
clock behind the newest record is a warning (and an audit event), never a stop: the
clinic must be able to work, and staff must know why times look wrong.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, func, select

from inventory import audit
from inventory.access import SYSTEM
from inventory.backup import backup_folder, daily_backup, list_backups
from inventory.clock import Clock, show_local
from inventory.db import (
    LOCK_TIMEOUT_S,
    Database,
    explain,
    read_only_uri,
)
from inventory.errors import DatabaseDamaged, DatabaseProblem, DatabaseReadOnly, LedgerError
from inventory.models import AuditEvent
from inventory.settings import clinic_tz
from inventory.sqlite_copy import SQLITE_MAGIC

log = logging.getLogger(__name__)

# NTP nudges a clock by fractions of a second; only a real step back is worth a warning.
CLOCK_SLACK = timedelta(minutes=1)
_told: set[str] = set()


def tell(sentence: str) -> None:
    """Where start-up warnings go when nobody asked for them: the log and stderr, once."""
    log.warning("%s", sentence)
    if sentence in _told or sys.stderr is None:
        return
    _told.add(sentence)
    sys.stderr.write(f"Warning: {sentence}\n")
    sys.stderr.flush()


def check_file(path: Path) -> str | None:
    """Refuse a folder or a foreign file; return why the ledger is read-only here, or None."""
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a folder, not a ledger file.", code="not_a_file")
    if path.exists():
        try:
            with path.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise DatabaseProblem(
                f"{path} cannot be read ({exc.strerror}). Ask whoever looks after this "
                "computer to give your login access to it.",
                code="unreadable",
            ) from exc
        if head and head != SQLITE_MAGIC:
            raise DatabaseDamaged(
                damaged_sentence(path, "is not a Sterile Ledger database (not a database file)")
            )
    reason = unwritable_reason(path)
    if reason and (not path.exists() or path.stat().st_size == 0):
        raise DatabaseReadOnly(
            f"A new ledger cannot be created at {path}: {reason}. Choose a folder you can "
            "write to for the ledger."
        )
    return reason


def unwritable_reason(path: Path) -> str | None:
    """Why ``path`` cannot be written, found by asking and then by trying (root ignores
    permission bits, but not a read-only mount or an immutable file)."""
    folder = path.parent
    if path.exists() and not (os.access(path, os.W_OK) and _opens_for_writing(path)):
        return f"the file {path.name} is read-only"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return f"the folder {folder} cannot be created"
    if not (os.access(folder, os.W_OK) and _can_create_in(folder)):
        return f"the folder {folder} is read-only"
    return None


def _opens_for_writing(path: Path) -> bool:
    try:
        os.close(os.open(path, os.O_RDWR))
    except OSError:
        return False
    return True


def _can_create_in(folder: Path) -> bool:
    """SQLite needs to create its -wal and -shm files beside the database."""
    try:
        fd, name = tempfile.mkstemp(prefix=".sterile-ledger-probe-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return True


def damaged_sentence(path: Path, what: str) -> str:
    """What is wrong, that nothing was changed, and which backups to restore from."""
    usable = [b for b in list_backups(path) if b.usable][:3]
    if usable:
        names = ", ".join(b.path.name for b in usable)
        where = f"The latest backups in {backup_folder(path)} are: {names}."
    else:
        where = f"No backups were found in {backup_folder(path)}."
    return (
        f"{path.name} {what}. Nothing was changed. {where} Restore the newest one that is usable."
    )


def quick_check(path: Path) -> None:
    """SQLite's quick check of every page, on a read-only connection, before any write.

    About 2 s for a chain's five years (1.4 GB, the file in memory); milliseconds for a
    clinic's usual few thousand units. When it runs: :mod:`inventory.page_check`.
    """
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=LOCK_TIMEOUT_S)
        try:
            found = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        problem = explain(exc)
        if problem is not None and problem.code == "damaged":
            raise DatabaseDamaged(damaged_sentence(path, "is damaged")) from exc
        if problem is not None:
            raise problem from exc
        raise
    if found != ["ok"]:
        raise DatabaseDamaged(
            damaged_sentence(path, f"is damaged (SQLite's check found: {found[0]})")
        )


def clock_behind(conn: Connection, clock: Clock) -> datetime | None:
    """The newest record's time when this computer's clock is behind it, else None."""
    newest = conn.execute(select(func.max(AuditEvent.at))).scalar()
    if newest is None or clock.now(conn) >= newest - CLOCK_SLACK:
        return None
    return newest


def clock_warning(db: Database) -> str | None:
    """A sentence if this computer's clock is behind the newest record, else None.

    The first time a given lag is seen it is also recorded (action ``clock_behind``,
    both times), so an inspector can tell why later times run backwards.
    """
    with db.read() as conn:
        newest = clock_behind(conn, db.clock)
        now = db.clock.now(conn)
        tz = clinic_tz(conn)
    if newest is None:
        return None
    sentence = (
        f"This computer's clock says {show_local(now, tz)}, but the ledger already has a "
        f"record from {show_local(newest, tz)}. Set the correct date and time: until then, "
        "new records carry the time of the newest one (the ledger's time never runs "
        "backwards) and expiry is checked against it. You can keep working."
    )
    if db.read_only:
        return sentence
    try:
        _record_clock_behind(db, newest)
    except DatabaseProblem as exc:
        log.warning("clock_behind not recorded: %s", exc.message)
    return sentence


def _record_clock_behind(db: Database, newest: datetime) -> None:
    """Once per newest record: every start with the same wrong clock is the same fact."""
    newest_text = newest.astimezone(UTC).isoformat()
    with db.write() as conn:
        last = conn.execute(
            select(AuditEvent.new_values)
            .where(AuditEvent.action == "clock_behind")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).scalar()
        if last is not None and json.loads(last).get("newest_record") == newest_text:
            return
        wall = db.clock.now(conn)
        new = {"computer_time": wall.astimezone(UTC).isoformat(), "newest_record": newest_text}
        audit.record(
            conn,
            at=db.now(conn),  # ledger time: the record itself never runs backwards
            by=SYSTEM,
            action="clock_behind",
            entity="clock",
            entity_id=(platform.node() or "this computer")[:60],
            new=new,
        )


def after_open(db: Database, path: Path | None, read_only_reason: str | None) -> list[str]:
    """The checks that need an open ledger; returns sentences for staff to read."""
    notes: list[str] = []
    if read_only_reason:
        notes.append(
            f"The ledger is open for reading only, because {read_only_reason}. You can look "
            "things up and print reports, but nothing can be recorded here."
        )
    if path is not None:
        try:
            daily_backup(db, path)
        except (OSError, sqlite3.Error, LedgerError) as exc:
            why = exc.message if isinstance(exc, LedgerError) else str(exc)
            log.warning("daily backup failed: %s", why)
            notes.append(
                f"Today's automatic backup could not be made ({why}). Your records are "
                "safe; make a backup by hand soon."
            )
    clock = clock_warning(db)
    if clock:
        notes.append(clock)
    return notes
