"""Bring a database to the schema this version knows, safely.

An older database is backed up, then migrated. A database written by a newer version
is refused before anything is written: an older app could misread or damage it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, exc

from inventory.db import sqlite_path
from inventory.errors import DatabaseProblem, SchemaTooNew
from inventory.sqlite_copy import backup_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision: a ledger already there is opened without loading
# alembic and reading every migration file (a fifth of the desktop app's start-up).
# tests/inventory/test_schema.py holds it to the migrations folder's head.
HEAD = "0009"


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest revision in the migrations folder (alembic's own reading)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _at_head(engine: Engine) -> bool:
    """True when the ledger is at :data:`HEAD`, read with one query."""
    try:
        with engine.connect() as conn:
            versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except exc.DBAPIError:  # a new file: no table yet
        return False
    return [row[0] for row in versions] == [HEAD]


def state(engine: Engine) -> SchemaState:
    """Where the database stands; raises SchemaTooNew for an unknown (newer) revision."""
    if _at_head(engine):
        return SchemaState(current=HEAD, head=HEAD)
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

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
    refusal = _may_not_migrate(engine)
    if refusal is not None:
        raise DatabaseProblem(
            f"This database needs an update to schema {before.head}, but {refusal}.",
            code="read_only",
        )
    path = sqlite_path(str(engine.url))
    if before.current is not None and path is not None and path.exists():
        backup_sqlite(path, (backup_dir or path.parent / "backups"), f"before-{before.head}")
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to change a column; with foreign keys enforced,
            # dropping the old copy of a referenced table would fail. SQLite's own
            # procedure: keys off outside the transaction, check them all before commit.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseProblem(
                            f"The update to schema {before.head} would break {len(broken)} "
                            "links between records, so it was not made. Nothing was changed.",
                            code="migration_failed",
                        )
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    return state(engine)


def _may_not_migrate(engine: Engine) -> str | None:
    """Why this login may not change the schema, or None when it may.

    On PostgreSQL the migrations run as the ledger's owner role (inventory.pg_roles): the
    workstations' app login owns nothing, so it can neither migrate nor disable a trigger.
    """
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        read_only, owner = conn.exec_driver_sql(
            "SELECT current_setting('default_transaction_read_only') = 'on', "
            # the owner (or the administrator) owns every table and may create new ones
            "has_schema_privilege(current_schema(), 'CREATE') AND NOT EXISTS ("
            " SELECT 1 FROM pg_tables WHERE schemaname = current_schema()"
            " AND NOT pg_has_role(current_user, tableowner, 'USAGE'))"
        ).one()
    if read_only:
        return (
            "this login may only read it. Start Sterile Ledger once with the clinic's own "
            "login (the owner role) to update it"
        )
    if not owner:
        return (
            "this login may not change the schema: start Sterile Ledger once as the "
            "owner role to update it"
        )
    return None
