"""backup [DEST] | backup --list | restore FILE: copies of a SQLite ledger, and going back."""

from __future__ import annotations

import argparse
from pathlib import Path

from commands.context import Context, add_json_flag, table
from inventory import backup
from inventory.ledger import resolve_url


def register(sub: argparse._SubParsersAction) -> None:
    bp = sub.add_parser(
        "backup",
        help="copy the ledger safely, even while it is in use (SQLite)",
        description="Make a consistent copy of the SQLite ledger through SQLite's backup "
        "API, safe while the app is in use. Without DEST the copy goes to backups/ beside "
        "the database. Copies you make are never deleted by the app.",
    )
    bp.add_argument("dest", nargs="?", type=Path, metavar="DEST",
                    help="a folder, or a new file name, for the copy")
    bp.add_argument("--list", action="store_true", help="list the copies in backups/")
    add_json_flag(bp)
    bp.set_defaults(handler=_backup)

    rp = sub.add_parser(
        "restore",
        help="check a backup, keep a copy of the current ledger, then restore the backup",
        description="Check FILE (SQLite integrity, schema not newer than this app, audit "
        "chain) before anything is replaced; copy the current ledger to backups/; then "
        "restore FILE and record the restore in its audit trail.",
    )
    rp.add_argument("file", type=Path, metavar="FILE")
    add_json_flag(rp)
    rp.set_defaults(handler=_restore)


def _backup(args: argparse.Namespace, ctx: Context) -> int:
    path = backup.ledger_file(resolve_url(ctx.db_url))  # PostgreSQL: use pg_dump
    if args.list:
        found = backup.list_backups(path)
        rows = [[b.path.name, b.made_at.isoformat(timespec="seconds"), b.label] for b in found]
        ctx.emit(
            [{"file": str(b.path), "made_at": b.made_at.isoformat(), "kind": b.label}
             for b in found],
            f"Backups in {backup.backup_folder(path)}:\n"
            + table(["File", "Made (UTC)", "Kind"], rows),
        )
        return 0
    made = backup.backup_to(ctx.db, args.dest)
    ctx.emit({"backup": str(made)}, f"Backup written: {made}")
    return 0


def _restore(args: argparse.Namespace, ctx: Context) -> int:
    # Not ctx.db: restore is how a damaged ledger, which will not open, is repaired.
    path = backup.ledger_file(resolve_url(ctx.db_url))
    result = backup.restore(path, args.file, by=ctx.actor)
    ctx.emit(
        {
            "restored": result.backup.name,
            "events": result.backup.events,
            "last_hash": result.backup.last_hash,
            "audit_event": result.event_number,
            "previous_copy": str(result.previous_copy) if result.previous_copy else None,
        },
        result.sentence,
    )
    return 0
