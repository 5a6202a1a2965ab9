"""Backups of the SQLite ledger, and restoring one: a copy is only as good as its check.

Copies are made through SQLite's online backup API (inventory.sqlite_copy), never
by copying the file: records still in the -wal file would be missing. The app makes one
automatically once a day and before every migration or restore; a person makes one with
``python main.py backup``. Only the daily copies in ``backups/`` are pruned, to the
clinic's ``backup_keep`` setting; a copy someone asked for is never deleted.

A PostgreSQL ledger lives on a server whose own tools (pg_dump, pg_restore) back it up.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import DBAPIError

from inventory import audit, ids, lost_writes, schema
from inventory.access import Actor
from inventory.clock import Clock, DatabaseClock
from inventory.db import (
    LOCK_TIMEOUT_S,
    Database,
    make_engine,
    sqlite_path,
    translate_db_errors,
)
from inventory.errors import (
    BackupFailed,
    BackupUnusable,
    DatabaseDamaged,
    DatabaseProblem,
    InvalidInput,
    LedgerError,
    SchemaTooNew,
)
from inventory.models import AuditEvent, SealState, Unit
from inventory.settings import read_all
from inventory.sqlite_copy import (
    BACKUP_STAMP,
    SQLITE_MAGIC,
    backup_sqlite,
    copy_checked,
    copy_sqlite,
    fsync_file,
)

DAILY, MANUAL, BEFORE_RESTORE, DAMAGED = "daily", "manual", "before-restore", "damaged"
DEFAULT_KEEP = 14
DAY = timedelta(hours=24)
# A hidden half-written copy older than this belongs to a process that died.
STALE_PARTIAL_S = 3600

POSTGRES_ADVICE = (
    "A PostgreSQL ledger is backed up on its database server, not by the app. Back up "
    "with: pg_dump --format=custom --file=ledger.dump DBNAME. Restore with: pg_restore "
    "--clean --if-exists --dbname=DBNAME ledger.dump. See 'Backups and restore' in the README."
)


@dataclass(frozen=True)
class BackupFile:
    """One copy in ``backups/``: when it was made (UTC, from its name) and why."""

    path: Path
    made_at: datetime
    label: str

    @property
    def usable(self) -> bool:
        """A raw copy of a damaged database is kept for inspection, not for restoring."""
        return self.label != DAMAGED


@dataclass(frozen=True)
class BackupCheck:
    """What a backup holds, found by checking it."""

    name: str
    events: int
    last_hash: str
    revision: str | None


@dataclass(frozen=True)
class Replaced:
    """What the ledger being replaced held beyond the backup: what the restore rolls back."""

    events: int
    last_hash: str
    rolled_back: int
    used_units: list[str]
    top_ids: dict[str, int]
    descends: bool
    """Whether the backup is an earlier copy of this very ledger (its last event matches)."""


@dataclass(frozen=True)
class RestoreResult:
    backup: BackupCheck
    event_number: int
    previous_copy: Path | None
    replaced: Replaced | None = None

    @property
    def sentence(self) -> str:
        kept = (
            f" The database as it was is kept as {self.previous_copy}."
            if self.previous_copy
            else ""
        )
        rolled = ""
        if self.replaced is not None and self.replaced.rolled_back:
            rolled = (
                f" {self.replaced.rolled_back} event(s) recorded after the backup were rolled back"
            )
            if self.replaced.used_units:
                rolled += (
                    f"; {len(self.replaced.used_units)} unit(s) used in them are quarantined "
                    "until a manager checks them: " + ", ".join(self.replaced.used_units[:10])
                )
            rolled += "."
        return (
            f"Restored {self.backup.name} ({self.backup.events} audit events, chain verified, "
            f"last hash {self.backup.last_hash[:12]}...). The restore is audit event "
            f"{self.event_number}.{rolled}{kept}"
        )


def backup_folder(path: Path) -> Path:
    """Backups live beside the database they copy."""
    return path.parent / "backups"


def ledger_file(db_or_url: Database | str) -> Path:
    """The SQLite file of a ledger; PostgreSQL is refused with how to back it up."""
    url = db_or_url if isinstance(db_or_url, str) else str(db_or_url.engine.url)
    path = sqlite_path(url)
    if path is None:
        raise DatabaseProblem(POSTGRES_ADVICE, code="use_pg_dump")
    return path


def list_backups(path: Path) -> list[BackupFile]:
    """The copies of ``path`` in its backups folder, newest first."""
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    pattern = re.compile(rf"^{re.escape(path.stem)}-(\d{{8}}T\d{{12}}Z)-([a-z0-9-]+)\.sqlite3$")
    found = []
    for entry in folder.iterdir():
        match = pattern.match(entry.name)
        if match and entry.is_file():
            made = datetime.strptime(match[1], BACKUP_STAMP).replace(tzinfo=UTC)
            found.append(BackupFile(entry, made, match[2]))
    return sorted(found, key=lambda b: (b.made_at, b.path.name), reverse=True)


def backup_keep(conn: Connection) -> int:
    """How many daily copies to keep (setting backup_keep), never fewer than one."""
    try:
        return max(1, int(read_all(conn).get("backup_keep", DEFAULT_KEEP)))
    except ValueError:
        return DEFAULT_KEEP


def backup_due(backups: list[BackupFile], now: datetime) -> bool:
    """Due unless a usable copy was made in the 24 hours before ``now``.

    A copy dated after ``now`` (the clock was put back) does not count, so a wrong clock
    never stops the daily backups.
    """
    return not any(b.usable and now - DAY < b.made_at <= now for b in backups)


def daily_backup(db: Database, path: Path) -> Path | None:
    """The automatic copy, at most once a day and only once something is recorded."""
    if db.read_only or db.dialect != "sqlite":
        return None
    with db.read() as conn:
        if audit.newest_event_time(conn) is None:
            return None
        keep = backup_keep(conn)
        now = db.now(conn)
    remove_stale_partials(backup_folder(path))
    if not backup_due(list_backups(path), now):
        return None
    made = backup_sqlite(path, backup_folder(path), DAILY, now=now)
    prune(path, keep, spare=made)
    return made


def prune(path: Path, keep: int, *, spare: Path | None = None) -> list[Path]:
    """Delete daily copies beyond the newest ``keep``; others are never deleted here."""
    daily = [b for b in list_backups(path) if b.label == DAILY]
    doomed = [b.path for b in daily[keep:] if b.path != spare]
    for old in doomed:
        old.unlink(missing_ok=True)
    return doomed


def remove_stale_partials(folder: Path) -> None:
    """Half-written copies left by a process that was killed or lost power."""
    if not folder.is_dir():
        return
    for leftover in folder.glob(".*.partial"):
        try:
            if time.time() - leftover.stat().st_mtime > STALE_PARTIAL_S:
                leftover.unlink()
        except OSError:
            pass


def backup_to(db: Database, dest: Path | None = None, *, by: Actor) -> Path:
    """A copy by hand: into ``backups/``, into a folder DEST, or as the file DEST."""
    by.require("backup")
    path = ledger_file(db)
    now = datetime.now(UTC)
    if dest is None:
        try:
            return backup_sqlite(path, backup_folder(path), MANUAL, now=now)
        except (OSError, sqlite3.Error, DatabaseProblem) as exc:
            _backup_failed(backup_folder(path), exc)
    dest = dest.expanduser()
    if dest.is_dir():
        target = dest / f"{path.stem}-{now.strftime(BACKUP_STAMP)}-{MANUAL}.sqlite3"
    else:
        target = dest
    if target.exists():
        raise InvalidInput(
            f"{target} already exists. A backup never overwrites a file: choose a new name "
            "or a folder."
        )
    if not target.parent.is_dir():
        raise InvalidInput(f"The folder {target.parent} does not exist.")
    try:
        return copy_sqlite(path, target)
    except (OSError, sqlite3.Error, DatabaseProblem) as exc:
        _backup_failed(target, exc)


def _backup_failed(where: Path, exc: BaseException) -> NoReturn:
    if isinstance(exc, DatabaseDamaged):
        raise exc
    if isinstance(exc, OSError):
        why = exc.strerror or str(exc)
    else:
        why = exc.message if isinstance(exc, LedgerError) else str(exc)
    raise BackupFailed(
        f"The backup could not be written to {where} ({why}). The ledger itself is unchanged."
    ) from exc


def check_backup(file: Path) -> BackupCheck:
    """Check a backup without changing anything: the same checks restore makes."""
    with tempfile.TemporaryDirectory(prefix="sterile-ledger-check-") as folder:
        return _copy_and_check(file.expanduser(), _scratch_name(Path(folder)))


def restore(
    path: Path,
    file: Path,
    *,
    by: Actor,
    reason: str = "",
    clock: Clock | None = None,
    verification_key: bytes | None = None,
    without_key: bool = False,
) -> RestoreResult:
    """Replace the ledger at ``path`` with the backup ``file``, after checking it.

    A working ledger is replaced only by a manager, with a reason; a damaged one (which
    will not open) by whoever can sign in to the backup. Nothing rolled back is silent:
    the restore's audit event records the head it replaced and how many events went, the
    units used in those events are quarantined until a manager checks them (they must not
    come back as unused stock), and receipt and session numbers the replaced ledger had
    handed out are never handed out again.

    A backup carries no sealing key (inventory.sqlite_copy), so the restored ledger goes
    on sealing from the clinic's ``verification_key``, which must check the backup's
    seals. Without it (the key sheet lost), ``without_key`` restores the records anyway
    and sealing stops there, which the restore event and every later ``audit verify``
    say.

    Order matters: the backup is copied and checked (integrity, schema not newer, audit
    chain, seals when a key is given) before anything is touched; then the current
    database is read and copied to ``backups/``; then the restore is recorded in the
    restored copy's own audit trail (chained to the backup's last event); then that copy
    replaces the database in one step, through the backup API, so other connections see
    the old or the new ledger, never a mixture.
    """
    by.require("restore")
    file = file.expanduser()
    if not file.is_file():
        raise BackupUnusable(f"There is no backup file {file}.")
    if path.exists() and file.resolve() == path.resolve():
        raise BackupUnusable("That file is the ledger itself, not a backup of it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path.parent)
    scratch = _scratch_name(path.parent)
    try:
        checked = _copy_and_check(file, scratch)
        replaced = _what_is_replaced(path, checked)
        if replaced is not None and not reason.strip():
            raise InvalidInput(
                "The ledger works, so restoring a backup over it rolls back what was "
                "recorded since: say why (a reason is required, and recorded)."
            )
        sealing = _sealing_after_restore(scratch, checked.name, verification_key, without_key)
        previous = _keep_current(path) if path.exists() and path.stat().st_size else None
        seen = lost_writes.read_seen(path)
        handed_out = _seen_ids(replaced)
        for name, number in (seen.ids if seen else {}).items():
            handed_out[name] = max(handed_out.get(name, 0), number)
        number = _record_restore(
            scratch,
            checked,
            previous,
            replaced,
            handed_out,
            by=by,
            reason=reason.strip(),
            clock=clock,
            sealing=sealing,
            verification_key=verification_key,
        )
        _replace(path, scratch)
    finally:
        _remove(scratch)
    _note_restored_head(path, replaced)
    return RestoreResult(checked, number, previous, replaced)


def _what_is_replaced(path: Path, checked: BackupCheck) -> Replaced | None:
    """Read the ledger about to be replaced; None when it cannot be read (damaged)."""
    if not path.exists() or not path.stat().st_size:
        return None
    try:
        engine = make_engine(f"sqlite:///{path}", read_only=True)
    except (DatabaseProblem, sqlite3.Error):
        return None
    try:
        with engine.connect() as conn:
            newest = conn.execute(
                select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
            ).first()
            at_backup = conn.execute(
                select(AuditEvent.hash).where(AuditEvent.id == checked.events)
            ).scalar()
            used = conn.execute(
                select(AuditEvent.entity_id)
                .where(AuditEvent.id > checked.events, AuditEvent.action == "use")
                .order_by(AuditEvent.id)
            ).scalars()
            used_units = list(dict.fromkeys(used))
            top = ids.top_ids(conn)
    except (DBAPIError, sqlite3.Error):
        return None
    finally:
        engine.dispose()
    if newest is None:
        return None
    return Replaced(
        events=newest.id,
        last_hash=newest.hash,
        rolled_back=max(0, newest.id - checked.events),
        used_units=used_units,
        top_ids=top,
        descends=at_backup == checked.last_hash,
    )


def _note_restored_head(path: Path, replaced: Replaced | None) -> None:
    """The restored ledger is now the one this computer wrote (inventory.lost_writes)."""
    seen = lost_writes.read_seen(path)
    engine = make_engine(f"sqlite:///{path}", read_only=True)
    try:
        with engine.connect() as conn:
            newest = conn.execute(
                select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
            ).first()
    finally:
        engine.dispose()
    top = dict(seen.ids) if seen else {}
    for name, number in (replaced.top_ids if replaced else {}).items():
        top[name] = max(top.get(name, 0), number)
    if newest is not None:
        lost_writes.write_seen(path, newest.id, newest.hash, top)


def _scratch_name(folder: Path) -> Path:
    return folder / f".restore-{os.getpid()}-{time.monotonic_ns()}.partial"


def _remove(scratch: Path) -> None:
    for leftover in (scratch, *(Path(f"{scratch}{s}") for s in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)


def _copy_and_check(file: Path, scratch: Path) -> BackupCheck:
    """Copy the backup to ``scratch`` and check the copy: what is checked is restored."""
    name = file.name
    with file.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise BackupUnusable(f"{name} is not a Sterile Ledger backup (not a database file).")
    try:
        problems = copy_checked(file, scratch, check="integrity_check", keep_sealing_key=True)
        with contextlib.closing(sqlite3.connect(scratch)) as copy:
            tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        what = "is damaged" if "malformed" in str(exc) else "cannot be read as a database"
        raise BackupUnusable(
            f"{name} {what} ({exc}). Choose another backup; nothing was changed."
        ) from exc
    if problems != ["ok"]:
        raise BackupUnusable(
            f"{name} is damaged ({problems[0]}). Choose another backup; nothing was changed."
        )
    if not {"alembic_version", "audit_event"} <= tables:
        raise BackupUnusable(f"{name} is a database, but not a Sterile Ledger backup.")
    engine = make_engine(f"sqlite:///{scratch}", read_only=True)
    try:
        try:
            state = schema.state(engine)
        except SchemaTooNew as exc:
            raise SchemaTooNew(
                f"{name} was written by a newer version of Sterile Ledger. Nothing was "
                "changed. Install that version to restore it."
            ) from exc
        with engine.connect() as conn:
            chain = audit.verify(conn)
    finally:
        engine.dispose()
    if not chain.ok:
        raise BackupUnusable(
            f"The audit trail in {name} does not verify ({chain.sentence}). It was changed "
            "after it was written; choose another backup. Nothing was changed."
        )
    return BackupCheck(name, chain.events, chain.last_hash, state.current)


def _keep_current(path: Path) -> Path:
    """Copy the ledger about to be replaced; a damaged one is kept byte for byte."""
    folder = backup_folder(path)
    try:
        return backup_sqlite(path, folder, BEFORE_RESTORE)
    except (DatabaseDamaged, sqlite3.DatabaseError):
        stamp = datetime.now(UTC).strftime(BACKUP_STAMP)
        target = folder / f"{path.stem}-{stamp}-{DAMAGED}.sqlite3"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        wal = Path(f"{path}-wal")
        if wal.exists():
            shutil.copy2(wal, Path(f"{target}-wal"))
        return target


def _record_restore(
    scratch: Path,
    checked: BackupCheck,
    previous: Path | None,
    replaced: Replaced | None,
    handed_out: dict[str, int],
    *,
    by: Actor,
    reason: str,
    clock: Clock | None,
    sealing: str,
    verification_key: bytes | None,
) -> int:
    """The restore's own audit event, written into the restored copy before it goes live.

    Units used in the rolled-back events are quarantined in the restored copy (a manager
    releases them after checking), and the numbers the replaced ledger handed out become
    the floor for new ones.
    """
    db = Database(make_engine(f"sqlite:///{scratch}"), clock or DatabaseClock())
    try:
        with db.write() as conn:
            if sealing == RESUMED and verification_key is not None:
                audit.resume_sealing(conn, verification_key)
            now = db.now(conn)
            held = _hold_rolled_back(conn, replaced, now) if replaced else []
            for name, number in handed_out.items():
                ids.raise_floor(conn, name, number + 1)
            stamp = audit.record(
                conn,
                at=now,
                by=by,
                action="restore",
                entity="database",
                entity_id=checked.name[:60],  # the full name is in the new values
                new={
                    "backup": checked.name,
                    "backup_last_hash": checked.last_hash,
                    "backup_events": checked.events,
                    "previous_copy": previous.name if previous else None,
                    "reason": reason or "the ledger was damaged",
                    "replaced_head": (
                        {"events": replaced.events, "last_hash": replaced.last_hash}
                        if replaced
                        else "unreadable (damaged)"
                    ),
                    "events_rolled_back": replaced.rolled_back if replaced else None,
                    "backup_is_an_earlier_copy": replaced.descends if replaced else None,
                    "units_to_check": held,
                    "numbers_not_reused": handed_out,
                    "sealing": sealing,
                },
            )
    finally:
        db.dispose()
    with sqlite3.connect(scratch) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return stamp.number


NEEDS_CHECK = "needs a check: used in records a restore rolled back"
RESUMED = "goes on, from the verification key"
KEPT = "goes on, with the key the copy kept"
STOPPED = "STOPPED: restored without the verification key, later events are not sealed"
UNSEALED = "not set up in this ledger"


def _sealing_after_restore(
    scratch: Path, name: str, verification_key: bytes | None, without_key: bool
) -> str:
    """How the restored ledger will seal; refuses before anything is touched."""
    engine = make_engine(f"sqlite:///{scratch}", read_only=True)
    try:
        with engine.connect() as conn:
            state = conn.execute(select(SealState.key)).scalar()
            if state is None:
                return UNSEALED
            if state != audit.NO_KEY:
                return KEPT
            if verification_key is not None:
                chain = audit.verify(conn, key=verification_key)
                if not chain.ok:
                    raise BackupUnusable(
                        f"The verification key does not check the seals of {name} "
                        f"({chain.problem}) Check the key on the key sheet; nothing was "
                        "changed."
                    )
                return RESUMED
    finally:
        engine.dispose()
    if without_key:
        return STOPPED
    raise InvalidInput(
        f"{name} carries no sealing key (no backup does: whoever found one could reseal "
        "the record from that day on). Give the clinic's verification key from the key "
        "sheet, so that the restored ledger goes on sealing. If the key sheet is lost, "
        "restore without it: the records come back, sealing stops there, and the audit "
        "trail says so.",
        code="needs_verification_key",
    )


def _hold_rolled_back(conn: Connection, replaced: Replaced, now: datetime) -> list[str]:
    """Units used in the rolled-back events: held back, never silently unused stock."""
    if not replaced.used_units:
        return []
    found = conn.execute(
        select(Unit.code).where(Unit.code.in_(replaced.used_units), Unit.status == "in_stock")
    ).scalars()
    codes = list(found)
    if codes:
        conn.execute(
            update(Unit)
            .where(Unit.code.in_(codes))
            .values(status="quarantined", status_reason=NEEDS_CHECK, status_changed_at=now)
        )
    return codes


def _seen_ids(replaced: Replaced | None) -> dict[str, int]:
    return dict(replaced.top_ids) if replaced else {}


def _replace(path: Path, scratch: Path) -> None:
    """Put the checked copy in place: through SQLite while the file is a database."""
    healthy = False
    if path.exists():
        with path.open("rb") as fh:
            healthy = fh.read(16) == SQLITE_MAGIC
    if healthy:
        try:
            with translate_db_errors():
                src = sqlite3.connect(scratch)
                dst = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S)
                try:
                    dst.execute("PRAGMA synchronous=FULL")
                    src.backup(dst)
                finally:
                    dst.close()
                    src.close()
            return
        except DatabaseDamaged:
            pass  # damaged beyond what SQLite will write into: replace the file below
    for side in ("-wal", "-shm", "-journal"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    fsync_file(scratch)
    os.replace(scratch, path)
    fsync_file(path.parent)
