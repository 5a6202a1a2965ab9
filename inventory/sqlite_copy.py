"""Copying a SQLite ledger safely: through the online backup API, then checked.

Every copy the app makes goes through :func:`copy_checked`: the daily and manual
backups, the copy before a migration or a restore, and the scratch copy a restore
checks before it replaces anything. A plain file copy would miss records still in the
-wal file and could catch a page mid-write; the backup API copies one consistent
snapshot while other programs keep writing.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from inventory.db import LOCK_TIMEOUT_S, read_only_uri, translate_db_errors
from inventory.errors import DatabaseDamaged

SQLITE_MAGIC = b"SQLite format 3\x00"
BACKUP_STAMP = "%Y%m%dT%H%M%S%fZ"


def copy_checked(
    source: Path, target: Path, *, check: str = "quick_check", keep_sealing_key: bool = False
) -> list[str]:
    """Copy ``source`` into ``target`` and run SQLite's ``check`` on the copy.

    Returns what the check found (``["ok"]`` for a sound copy). The copy is a single
    file (rollback journal), so it can be read from a read-only stick or folder.
    Driver errors (a damaged source) propagate as ``sqlite3.DatabaseError``.

    A copy carries no sealing key (unless ``keep_sealing_key``, for a restore's own
    scratch copy): whoever found the key of a backup's time could reseal every event
    after it. A restore gives the key back from the clinic's verification key.
    """
    src = sqlite3.connect(read_only_uri(source), uri=True, timeout=LOCK_TIMEOUT_S)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            if not keep_sealing_key:
                forget_sealing_key(dst)
            return [row[0] for row in dst.execute(f"PRAGMA {check}(5)")]
        finally:
            dst.close()
    finally:
        src.close()


def forget_sealing_key(conn: sqlite3.Connection) -> None:
    """Blank a copy's kept sealing key (inventory.audit.writer.NO_KEY), bytes zeroed."""
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seal_state'"
    ).fetchone()
    if has is None:
        return
    conn.execute("PRAGMA secure_delete=ON")  # the old bytes are overwritten, not left free
    with conn:
        conn.execute("UPDATE seal_state SET key = ''")


def backup_sqlite(path: Path, folder: Path, label: str, *, now: datetime | None = None) -> Path:
    """A consistent copy named ``<stem>-<UTC time>-<label>.sqlite3`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime(BACKUP_STAMP)
    return copy_sqlite(path, folder / f"{path.stem}-{stamp}-{label}.sqlite3")


def copy_sqlite(path: Path, target: Path) -> Path:
    """A checked copy of ``path`` at ``target``, never a half copy that looks like one.

    The copy is written under a hidden ``.partial`` name and renamed only once it is
    complete, checked and on disk, so a crash or a full disk leaves no false backup.
    """
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with translate_db_errors():
            problems = copy_checked(path, partial)
        if problems != ["ok"]:
            raise DatabaseDamaged(
                f"{path.name} has damaged pages, so no backup was made from it. "
                "Restore the latest usable backup."
            )
        fsync_file(partial)
        os.replace(partial, target)
        fsync_file(target.parent)
    finally:
        for leftover in (partial, *(Path(f"{partial}{s}") for s in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
    return target


def fsync_file(path: Path) -> None:
    """Push a file, or a folder's list of names, to the disk before we rely on it.

    Windows cannot open a folder this way; there the rename is durable on its own.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
