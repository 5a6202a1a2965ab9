"""Moving a clinic's SQLite ledger into PostgreSQL, whole: every record, the audit trail,
its seals and its numbers, checked before the move counts.

A clinic that grows to several workstations needs one database server, and the record
must not start again from nothing: an inspector compares this year's report with last
year's. So the copy takes every table as it is (the same ids, hashes, seals and the kept
sealing key), then checks the copy (row counts per table, and the audit chain ending on
the same event and hash), and only then marks the SQLite file as moved: it opens
read-only afterwards, saying where the ledger went, so no workstation goes on writing
into the old file.

The target must be an empty PostgreSQL database; the copy runs its migrations as the
login in the URL, which should be the owner role (inventory.pg_roles), and it is one
transaction: a failure leaves the target as empty as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, Table, func, insert, inspect, select, text
from sqlalchemy.engine import make_url

from inventory import audit, schema
from inventory.access import Actor
from inventory.db import Database, make_engine, translate_db_errors
from inventory.errors import DatabaseProblem, InvalidInput
from inventory.models import Base, IdFloor, Setting

CHUNK = 5_000
MOVED_KEY = "moved_to"
"""Set in the SQLite file once its ledger lives on in PostgreSQL (never a user setting)."""
FILLED_BY_MIGRATIONS = ("body_area", "bound_from")  # replaced by the source's rows
NOT_COPIED = ("alembic_version", "ledger_lock")  # each database has its own


@dataclass(frozen=True)
class CopyResult:
    """What the copy holds: rows per table, and the audit trail's last event."""

    target: str  # the URL without its password
    rows: dict[str, int]
    events: int
    last_hash: str

    @property
    def sentence(self) -> str:
        total = sum(self.rows.values())
        return (
            f"Copied {total:,} rows in {len(self.rows)} tables to {self.target}; the audit "
            f"trail checks out there ({self.events:,} events, last hash {self.last_hash[:16]}…), "
            "the same as here. This SQLite file is now marked as moved and opens read-only."
        )


def shown_url(url: str) -> str:
    """A URL as it may be printed and recorded: never with its password."""
    return make_url(url).render_as_string(hide_password=True)


def copy_to(db: Database, target_url: str, *, by: Actor) -> CopyResult:
    """Copy the SQLite ledger ``db`` into the empty PostgreSQL database at ``target_url``."""
    by.require("restore")  # a manager's: it moves the whole record
    if db.dialect != "sqlite":
        raise InvalidInput(
            "Only a SQLite ledger is copied this way; this one is already on a server."
        )
    if make_url(target_url).get_backend_name() != "postgresql":
        raise InvalidInput(
            "Copy to a PostgreSQL database: postgresql+psycopg://owner@server/ledger"
        )
    if db.read_only:
        raise InvalidInput(db.read_only_reason or "This ledger is open read-only.")
    target = make_engine(target_url)
    try:
        with translate_db_errors():
            _refuse_unless_empty(target)
            schema.upgrade(target)
            with db.read() as source, target.begin() as into:
                rows = {table.name: _copy_table(source, into, table) for table in _tables()}
                _reset_sequences(into)
                here = audit.verify(source)
                there = audit.verify(into)
                _check(into, rows, here, there)
    finally:
        target.dispose()
    result = CopyResult(shown_url(target_url), rows, there.events, there.last_hash)
    _mark_moved(db, result, by)
    return result


def moved_sentence(conn: Connection) -> str | None:
    """Why a SQLite file that was moved to PostgreSQL must not be written (None if not)."""
    where = conn.execute(select(Setting.value).where(Setting.key == MOVED_KEY)).scalar()
    if not where:
        return None
    return (
        f"This ledger was moved to PostgreSQL ({where}): it is kept here read-only. Point "
        "this workstation at the server (Settings > Where the ledger lives, or --db / "
        "STERILE_LEDGER_DB)."
    )


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_COPIED]


def _refuse_unless_empty(target: Any) -> None:
    with target.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for table in _tables():
            if table.name not in present or table.name in FILLED_BY_MIGRATIONS:
                continue
            if conn.execute(select(func.count()).select_from(table)).scalar_one():
                raise InvalidInput(
                    f"The target database is not empty (table {table.name} has rows). "
                    "Copy into a new, empty database: nothing was changed."
                )


def _copy_table(source: Connection, into: Connection, table: Table) -> int:
    if table.name in FILLED_BY_MIGRATIONS:
        into.execute(table.delete())
    copied = 0
    for chunk in _chunks(source, table):
        into.execute(insert(table), chunk)
        copied += len(chunk)
    return copied


def _chunks(conn: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execute(
        select(table).order_by(*order).execution_options(stream_results=True, yield_per=CHUNK)
    )
    for part in result.mappings().partitions(CHUNK):
        yield [dict(row) for row in part]


def _reset_sequences(into: Connection) -> None:
    """Serial ids go on after the copied ones (PostgreSQL would start again at 1), and
    never below a floor a restore or a lost write raised (inventory.ids)."""
    floors = dict(into.execute(select(IdFloor.name, IdFloor.next_id)).all())
    for table in _tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        sequence = into.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": key[0].name}
        ).scalar()
        if sequence is None:
            continue
        top = into.execute(select(func.max(key[0]))).scalar() or 0
        following = max(top + 1, floors.get(table.name, 1))
        into.execute(text("SELECT setval(:s, :n, false)"), {"s": sequence, "n": following})


def _check(
    into: Connection,
    rows: dict[str, int],
    here: audit.ChainReport,
    there: audit.ChainReport,
) -> None:
    for table in _tables():
        theirs = into.execute(select(func.count()).select_from(table)).scalar_one()
        if theirs != rows[table.name]:
            raise DatabaseProblem(
                f"The copy of table {table.name} has {theirs} rows, not {rows[table.name]}: "
                "nothing was kept in the target.",
                code="copy_mismatch",
            )
    if not there.ok or (there.events, there.last_hash) != (here.events, here.last_hash):
        raise DatabaseProblem(
            "The audit trail of the copy does not end where this ledger's does "
            f"({there.sentence}): nothing was kept in the target.",
            code="copy_mismatch",
        )


def _mark_moved(db: Database, result: CopyResult, by: Actor) -> None:
    with db.write() as conn:
        conn.execute(Setting.__table__.insert().values(key=MOVED_KEY, value=result.target))
        audit.record(
            conn,
            at=db.now(conn),
            by=by,
            action="move",
            entity="database",
            entity_id="postgresql",
            new={"to": result.target, "events": result.events, "last_hash": result.last_hash},
        )
