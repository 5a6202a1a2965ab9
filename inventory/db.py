"""One engine per process, short transactions, the same rules on SQLite and PostgreSQL.

Writes are serialised: SQLite takes its write lock at BEGIN (``BEGIN IMMEDIATE``), and
PostgreSQL first locks the one row of ``ledger_lock`` (``SELECT ... FOR UPDATE``). So the
audit chain has one order, and a time read inside the transaction is later than every
committed event. A row lock needs UPDATE privilege on the table: the inspector's
read-only login cannot take it, where any login could take an advisory lock and stop
every workstation's writes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from inventory.clock import Clock, DatabaseClock
from inventory.errors import (
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseProblem,
    DatabaseReadOnly,
    DiskFull,
)
from inventory.models import AuditEvent
from inventory.rawsql import Raw, Statement

# The ledger's write lock on PostgreSQL: the one row of ledger_lock (migration 0099).
WRITE_LOCK_SQL = "SELECT id FROM ledger_lock WHERE id = 1 FOR UPDATE"
# How long a workstation waits for a lock held by another before saying so.
LOCK_TIMEOUT_S = 3.0


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another database or :memory:."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine with the ledger's connection settings for its dialect."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, read_only=read_only)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    raise DatabaseProblem(
        f"Sterile Ledger works with SQLite or PostgreSQL, not '{parsed.get_backend_name()}'."
    )


def wal_holds_records(path: Path) -> bool:
    """Whether the ``-wal`` beside a SQLite file holds records not yet in the file: it is
    open in some process now, or was left by a crash."""
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def read_only_uri(path: Path) -> str:
    """The SQLite URI that reads ``path`` without writing anything beside it.

    A WAL database normally needs its -shm file, which SQLite creates in the folder. In
    a read-only folder that is impossible, so with no -wal file left over the file is
    opened as immutable (nothing else can change it there). A -wal file holding records
    without its -shm can only be read where the folder is writable: immutable would
    silently leave those records out, so we refuse instead.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if os.access(path.parent, os.W_OK):
        return uri
    if wal_holds_records(path):
        if Path(f"{path}-shm").exists():
            return uri
        raise DatabaseReadOnly(
            f"The newest records of {path.name} are still in {path.name}-wal, and this folder "
            f"({path.parent}) cannot be written, so they cannot be read here. Open it once "
            "where the folder can be written, or copy the whole folder somewhere writable."
        )
    return uri + "&immutable=1"


def _sqlite_engine(url: str, *, read_only: bool) -> Engine:
    path = sqlite_path(url)
    connect_args: dict[str, Any] = {"timeout": LOCK_TIMEOUT_S, "check_same_thread": False}
    if path is not None and read_only:
        uri = read_only_uri(path)
        engine = create_engine(
            url,
            creator=lambda: sqlite3.connect(
                uri, uri=True, timeout=LOCK_TIMEOUT_S, check_same_thread=False
            ),
        )
    else:
        engine = create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        # Nothing private lingers on disk: freed pages are zeroed, temp tables (a report's
        # client names) stay in memory.
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT_S * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("ledger_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_NEWEST = Statement(
    select(AuditEvent.__table__.c.at).order_by(AuditEvent.__table__.c.id.desc()).limit(1)
)


def ledger_time(conn: Connection, clock: Clock) -> datetime:
    """The clock, but on SQLite never earlier than the newest event (Database.now)."""
    at = clock.now(conn)
    if conn.dialect.name == "sqlite":
        newest = Raw(conn).one(_NEWEST)
        if newest is not None and newest[0] is not None and newest[0] > at:
            return newest[0]
    return at


HEAD_INFO = "ledger_head"  # set by the audit writer: (number, hash) of its newest event
IDS_INFO = "ledger_ids"  # set by inventory.ids: receipt and session numbers handed out


@dataclass
class Database:
    """The ledger's database: an engine, a clock, and where it says what it last wrote."""

    engine: Engine
    clock: Clock = field(default_factory=DatabaseClock)
    read_only: bool = False
    read_only_reason: str | None = None
    """Why nothing can be written (shown when a write is refused), when it is known."""
    on_commit: Callable[[int, str, dict[str, int] | None], None] | None = None
    """Told the newest event (number, hash) and the numbers handed out, after each commit
    that wrote an event (inventory.lost_writes, inventory.key_erasure)."""
    on_dispose: list[Callable[[], None]] = field(default_factory=list)
    """Run when the ledger is closed, before its connections go (inventory.key_erasure)."""
    on_closed: list[Callable[[], None]] = field(default_factory=list)
    """Run once its connections are gone (inventory.page_check stamps the closed file)."""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def now(self, conn: Connection) -> datetime:
        """Ledger time: the clock, but on SQLite never earlier than the newest event.

        A PC clock set back cannot make times run backwards, nor an expired unit usable:
        expiry is checked against this time. (PostgreSQL uses its server's clock.)
        """
        return ledger_time(conn, self.clock)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: commit on success, roll back on any error."""
        if self.read_only:
            raise DatabaseReadOnly(
                self.read_only_reason
                or "This database is open read-only, so nothing can be changed here. "
                "Nothing was saved."
            )
        with translate_db_errors(), self.engine.connect() as conn:
            conn = conn.execution_options(ledger_write=True)
            for stale in (HEAD_INFO, IDS_INFO):  # left by a transaction that rolled back
                conn.info.pop(stale, None)
            with conn.begin():
                if self.dialect == "postgresql":
                    _lock_for_writing(conn)
                yield conn
            head = conn.info.pop(HEAD_INFO, None)
            handed_out = conn.info.pop(IDS_INFO, None)
        if head is not None and self.on_commit is not None:
            self.on_commit(*head, handed_out)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction: a consistent snapshot, never blocks the chair."""
        with translate_db_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        closers, self.on_dispose = self.on_dispose, []
        for close in closers:
            close()
        self.engine.dispose()
        closed, self.on_closed = self.on_closed, []
        for done in closed:
            done()


def _lock_for_writing(conn: Connection) -> None:
    """Take the ledger's write lock (PostgreSQL), waiting at most LOCK_TIMEOUT_S."""
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(LOCK_TIMEOUT_S * 1000)}ms'")
    if conn.exec_driver_sql(WRITE_LOCK_SQL).first() is None:
        # Without its row the lock would lock nothing and writes would interleave.
        raise DatabaseProblem(
            "The ledger's write lock (the row of table ledger_lock) is missing, so nothing "
            "can be saved safely. Nothing was saved. Restore the latest backup, or ask the "
            "clinic's IT person to check the database.",
            code="lock_missing",
        )


@contextmanager
def translate_db_errors() -> Iterator[None]:
    """Turn driver errors a person can act on into sentences; re-raise the rest."""
    try:
        yield
    except DBAPIError as exc:
        problem = explain(exc.orig)
        if problem is None:
            raise
        raise problem from exc
    except Exception as exc:
        # Driver errors from the hot paths that bypass SQLAlchemy (inventory.rawsql).
        problem = explain(exc) if _is_driver_error(exc) else None
        if problem is None:
            raise
        raise problem from exc


def _is_driver_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg")


def explain(orig: BaseException | None) -> DatabaseProblem | None:
    """A user's sentence for a driver error, or None if it is a programming error."""
    msg = str(orig).lower()
    pgcode = getattr(orig, "sqlstate", None)
    if pgcode == "55P03" or "database is locked" in msg or "lock timeout" in msg:
        return DatabaseBusy(
            "Another workstation or program is writing to the ledger right now. "
            "Nothing was saved; try again in a moment."
        )
    if "disk is full" in msg or "disk full" in msg or pgcode == "53100":
        return DiskFull(
            "The disk is full: nothing was saved. Free some space, then try again; "
            "the records saved before are intact."
        )
    if "readonly" in msg or "read-only" in msg or pgcode == "25006":
        return DatabaseReadOnly(
            "The database cannot be written (a read-only file, folder or account). "
            "Nothing was saved."
        )
    if "disk i/o error" in msg:
        return DatabaseProblem(
            "The drive holding the database could not be read or written (a disk I/O "
            "error): nothing was saved. Check that the drive is connected and healthy.",
            code="io_error",
        )
    if "file is not a database" in msg or "malformed" in msg:
        return DatabaseDamaged(
            "The database file is damaged or is not a Sterile Ledger database. "
            "Nothing was saved. Restore the latest usable backup."
        )
    if type(orig).__name__ == "OperationalError" and (
        "could not connect" in msg or "connection" in msg
    ):
        return DatabaseProblem(
            f"Cannot reach the database server: {str(orig).strip()}", code="unreachable"
        )
    return None


def env_database_url() -> str | None:
    """The database named by STERILE_LEDGER_DB, if any."""
    return os.environ.get("STERILE_LEDGER_DB") or None
