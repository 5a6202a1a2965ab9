"""Bring a database to the schema this version knows, safely.

An older database is backed up, then migrated. A database written by a newer version
is refused before anything is written: an older app could misread or damage it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from inventory.db import (
    LOCK_TIMEOUT_S,
    DatabaseDamaged,
    read_only_uri,
    sqlite_path,
    translate_db_errors,
)
from inventory.errors import DatabaseProblem, SchemaTooNew

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def state(engine: Engine) -> SchemaState:
    """Where the database stands; raises SchemaTooNew for an unknown (newer) revision."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    head = head_revision()
    if current is not None and current not in known:
        raise SchemaTooNew(
            f"This database was written by a newer version of Sterile Ledger (schema "
            f"{current}; this version knows up to {head}). Nothing was changed. Install "
            "the newer version of Sterile Ledger to open it."
        )
    return SchemaState(current=current, head=head)


def upgrade(engine: Engine, *, backup_dir: Path | None = None) -> SchemaState:
    """Migrate to head, after a backup copy when an existing SQLite file is changed."""
    before = state(engine)
    if before.up_to_date:
        return before
    if not _may_migrate(engine):
        raise DatabaseProblem(
            f"This database needs an update to schema {before.head}, but this login may only "
            "read it. Start Sterile Ledger once with the clinic's own login to update it.",
            code="read_only",
        )
    path = sqlite_path(str(engine.url))
    if before.current is not None and path is not None and path.exists():
        backup_sqlite(path, (backup_dir or path.parent / "backups"), f"before-{before.head}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return state(engine)


def _may_migrate(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT current_setting('default_transaction_read_only') = 'off'"
        ).scalar_one()


BACKUP_STAMP = "%Y%m%dT%H%M%S%fZ"


def backup_sqlite(
    path: Path, folder: Path, label: str, *, now: datetime | None = None
) -> Path:
    """A consistent copy named ``<stem>-<UTC time>-<label>.sqlite3`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime(BACKUP_STAMP)
    return copy_sqlite(path, folder / f"{path.stem}-{stamp}-{label}.sqlite3")


def copy_sqlite(path: Path, target: Path) -> Path:
    """Copy through SQLite's online backup API (never a plain file copy), then check it.

    The API copies one consistent snapshot, records still in the -wal file included,
    while other programs keep writing. The copy is written under a hidden ``.partial``
    name and renamed only once complete, checked and on disk, so a crash or a full disk
    never leaves a half copy that looks like a backup. The copy is a single file
    (rollback journal), so it can be read from a read-only stick or folder.
    """
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with translate_db_errors():
            src = sqlite3.connect(read_only_uri(path), uri=True, timeout=LOCK_TIMEOUT_S)
            try:
                dst = sqlite3.connect(partial)
                try:
                    src.backup(dst)
                    dst.execute("PRAGMA journal_mode=DELETE")
                    problems = dst.execute("PRAGMA quick_check").fetchall()
                finally:
                    dst.close()
            finally:
                src.close()
        if problems != [("ok",)]:
            raise DatabaseDamaged(
                f"{path.name} has damaged pages, so no backup was made from it. "
                "Restore the latest backup with: python main.py restore FILE"
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
