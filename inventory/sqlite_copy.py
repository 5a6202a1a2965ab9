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


def copy_checked(source: Path, target: Path, *, check: str = "quick_check") -> list[str]:
    """Copy ``source`` into ``target`` and run SQLite's ``check`` on the copy.

    Returns what the check found (``["ok"]`` for a sound copy). The copy is a single
    file (rollback journal), so it can be read from a read-only stick or folder.
    Driver errors (a damaged source) propagate as ``sqlite3.DatabaseError``.
    """
    src = sqlite3.connect(read_only_uri(source), uri=True, timeout=LOCK_TIMEOUT_S)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            return [row[0] for row in dst.execute(f"PRAGMA {check}(5)")]
        finally:
            dst.close()
    finally:
        src.close()


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
