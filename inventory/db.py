"""One engine per process, short transactions, the same rules on SQLite and PostgreSQL.

Writes are serialised: SQLite takes its write lock at BEGIN (``BEGIN IMMEDIATE``), and
PostgreSQL takes one transaction-scoped advisory lock first. So the audit chain has
one order, and a time read inside the transaction is later than every committed event.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
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

# Any constant works; it names "the ledger's write lock" among advisory locks.
WRITE_LOCK_KEY = 0x51E21E
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
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if wal.exists() and wal.stat().st_size > 0:
        if shm.exists():
            return uri
        raise DatabaseReadOnly(
            f"The newest records of {path.name} are still in {wal.name}, and this folder "
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


@dataclass
class Database:
    """The ledger's database: an engine, a clock, and the clinic's settings cache."""

    engine: Engine
    clock: Clock = field(default_factory=DatabaseClock)
    read_only: bool = False

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: commit on success, roll back on any error."""
        if self.read_only:
            raise DatabaseReadOnly(
                "This database is open read-only, so nothing can be changed here. "
                "Nothing was saved."
            )
        with translate_db_errors(), self.engine.connect() as conn:
            conn = conn.execution_options(ledger_write=True)
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(text(f"SET LOCAL lock_timeout = '{int(LOCK_TIMEOUT_S * 1000)}ms'"))
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction: a consistent snapshot, never blocks the chair."""
        with translate_db_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


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
