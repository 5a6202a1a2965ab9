"""Opening the ledger: pick the database, refuse unsafe places, migrate, hand it over."""

from __future__ import annotations

from inventory import schema
from inventory.clock import Clock, DatabaseClock
from inventory.db import Database, env_database_url, make_engine, sqlite_path, translate_db_errors
from inventory.mounts import check_not_network
from inventory.paths import default_database_url
from inventory.roles import can_write


def resolve_url(url: str | None) -> str:
    """--db, then STERILE_LEDGER_DB, then the SQLite file in the data directory."""
    return url or env_database_url() or default_database_url()


def open_ledger(url: str | None = None, *, clock: Clock | None = None) -> Database:
    """The one Database of this process, at the schema this version knows.

    An older SQLite file is first copied to ``backups/`` beside it, then migrated.
    """
    url = resolve_url(url)
    path = sqlite_path(url)
    if path is not None:
        check_not_network(path)
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        with translate_db_errors():
            schema.upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    with translate_db_errors(), engine.connect() as conn:
        writable = can_write(conn)
    return Database(engine=engine, clock=clock or DatabaseClock(), read_only=not writable)
