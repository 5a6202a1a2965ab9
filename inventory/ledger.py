"""Opening the ledger: pick the database, refuse unsafe places, check, migrate, hand it over.

For a SQLite file the order is: refuse a network share, a folder or a foreign file; find
out whether it can be written (if not, open it read-only and say so); SQLite's quick
check of every page when the file may have changed since it was last found whole
(:mod:`inventory.page_check`); migrate (after a backup); the daily backup; the clock check. A
damaged file is refused before anything writes to it.
"""

from __future__ import annotations

from collections.abc import Callable

from inventory import (
    copy_to,
    health,
    key_erasure,
    lost_writes,
    page_check,
    protections,
    schema,
    workstation,
)
from inventory.clock import Clock, DatabaseClock
from inventory.db import (
    Database,
    env_database_url,
    make_engine,
    sqlite_path,
    translate_db_errors,
)
from inventory.errors import DatabaseReadOnly
from inventory.mounts import check_not_network
from inventory.paths import default_database_url
from inventory.roles import can_write


def resolve_url(url: str | None) -> str:
    """--db, then STERILE_LEDGER_DB, then this PC's workstation file, then the SQLite file
    in the data directory. A damaged workstation file is a WorkstationFileDamaged sentence."""
    return url or env_database_url() or workstation.configured_url() or default_database_url()


def _both(
    watch: lost_writes.Watch, eraser: key_erasure.KeyEraser
) -> Callable[[int, str, dict[str, int] | None], None]:
    def after_commit(events: int, digest: str, handed_out: dict[str, int] | None) -> None:
        watch(events, digest, handed_out)
        eraser.soon()

    return after_commit


def open_ledger(
    url: str | None = None,
    *,
    clock: Clock | None = None,
    warn: Callable[[str], None] | None = None,
) -> Database:
    """The one Database of this process, at the schema this version knows.

    An older SQLite file is first copied to ``backups/`` beside it, then migrated.
    Start-up warnings (read-only, clock behind, backup failed) go to ``warn``; by
    default to the log and, once, to stderr.
    """
    url = resolve_url(url)
    path = sqlite_path(url)
    read_only_reason = None
    checked: str | None = None
    if path is not None:
        check_not_network(path)
        read_only_reason = health.check_file(path)
        if path.exists() and path.stat().st_size > 0:
            checked = page_check.before_open(path)
    engine = make_engine(url, read_only=read_only_reason is not None)
    try:
        with translate_db_errors():
            if read_only_reason is None:
                schema.upgrade(engine)
            elif not schema.state(engine).up_to_date:
                raise DatabaseReadOnly(
                    f"This database needs an update to schema {schema.head_revision()}, but "
                    f"{read_only_reason}. Open it once where it can be written."
                )
        with translate_db_errors(), engine.connect() as conn:
            writable = can_write(conn)
            missing = protections.missing_guards(conn)
            moved = copy_to.moved_sentence(conn) if path is not None else None
        why = protections.unguarded_sentence(missing) if missing else moved
        db = Database(
            engine=engine,
            clock=clock or DatabaseClock(),
            read_only=read_only_reason is not None or not writable or why is not None,
            read_only_reason=why,
        )
        if path is not None and checked is not None:
            db.on_closed.append(lambda: page_check.closed(path, checked))
        notes = [why] if why else []
        if path is not None and not db.read_only:
            watch = lost_writes.Watch(db, path)
            lost = lost_writes.check(db, path)
            eraser = key_erasure.KeyEraser(path)
            db.on_commit = _both(watch, eraser)
            db.on_dispose += [eraser.close, watch.head.close]
            if lost:
                notes.append(lost)
            watch.note_current()
        notes += health.after_open(db, path, read_only_reason)
    except BaseException:
        engine.dispose()
        raise
    for note in notes:
        (warn or health.tell)(note)
    return db
