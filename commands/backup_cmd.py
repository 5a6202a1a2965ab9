"""backup [DEST] | backup --list | restore FILE: copies of a SQLite ledger, and going back."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sqlalchemy import inspect

from commands.context import (
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    Context,
    add_json_flag,
    add_key_flag,
    read_password,
    table,
    verification_key,
)
from inventory import backup, staff
from inventory.access import Actor
from inventory.db import Database, make_engine
from inventory.errors import DatabaseDamaged
from inventory.ledger import resolve_url
from inventory.staff import has_staff

# Restoring a damaged ledger from a backup made before staff accounts: nobody can sign in
# to either, and repairing must stay possible; the restore event says so.
NOBODY_RESTORES = Actor(staff_id=0, name="(no account: ledger damaged)", role="manager")


def register(sub: argparse._SubParsersAction) -> None:
    bp = sub.add_parser(
        "backup",
        help="copy the ledger safely, even while it is in use (SQLite)",
        description="Make a consistent copy of the SQLite ledger through SQLite's backup "
        "API, safe while the app is in use. Without DEST the copy goes to backups/ beside "
        "the database. Copies you make are never deleted by the app.",
    )
    bp.add_argument(
        "dest",
        nargs="?",
        type=Path,
        metavar="DEST",
        help="a folder, or a new file name, for the copy",
    )
    bp.add_argument("--list", action="store_true", help="list the copies in backups/")
    add_json_flag(bp)
    bp.set_defaults(handler=_backup, sign_in=False)  # PostgreSQL is told to use pg_dump first

    rp = sub.add_parser(
        "restore",
        help="check a backup, keep a copy of the current ledger, then restore the backup",
        description="Check FILE (SQLite integrity, schema not newer than this app, audit "
        "chain) before anything is replaced; copy the current ledger to backups/; then "
        "restore FILE and record the restore in its audit trail.",
    )
    rp.add_argument("file", type=Path, metavar="FILE")
    rp.add_argument(
        "--reason",
        default="",
        help="why a working ledger is replaced (required then; not for a damaged one)",
    )
    add_key_flag(rp, "so that the restored ledger goes on sealing")
    rp.add_argument(
        "--without-key",
        action="store_true",
        help="the key sheet is lost: restore anyway; sealing stops here, and the trail says so",
    )
    add_json_flag(rp)
    rp.set_defaults(handler=_restore, sign_in=False)  # a damaged ledger cannot sign anyone in


def _backup(args: argparse.Namespace, ctx: Context) -> int:
    path = backup.ledger_file(resolve_url(ctx.db_url))  # PostgreSQL: use pg_dump
    if args.list:
        ctx.actor  # noqa: B018 - listing needs a sign-in, like every command
        found = backup.list_backups(path)
        rows = [[b.path.name, b.made_at.isoformat(timespec="seconds"), b.label] for b in found]
        ctx.emit(
            [
                {"file": str(b.path), "made_at": b.made_at.isoformat(), "kind": b.label}
                for b in found
            ],
            f"Backups in {backup.backup_folder(path)}:\n"
            + table(["File", "Made (UTC)", "Kind"], rows),
        )
        return 0
    made = backup.backup_to(ctx.db, args.dest, by=ctx.actor)
    ctx.emit({"backup": str(made)}, f"Backup written: {made}")
    return 0


def _restore(args: argparse.Namespace, ctx: Context) -> int:
    """A manager of the ledger restores; a damaged ledger's manager signs in to the backup."""
    path = backup.ledger_file(resolve_url(ctx.db_url))
    try:
        actor = ctx.actor
    except DatabaseDamaged:
        actor = _sign_in_to_backup(args.file, ctx)
    actor.require("restore")
    result = backup.restore(
        path,
        args.file,
        by=actor,
        reason=args.reason,
        verification_key=verification_key(args),
        without_key=args.without_key,
    )
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


def _sign_in_to_backup(file: Path, ctx: Context) -> Actor:
    """The ledger is damaged: the person proves who they are against the backup itself."""
    copy = Database(make_engine(f"sqlite:///{file.expanduser()}", read_only=True), read_only=True)
    try:
        with copy.read() as conn:
            has_accounts = "staff" in inspect(conn).get_table_names() and has_staff(conn)
        if not has_accounts:  # a backup from before staff accounts: nobody can sign in
            return NOBODY_RESTORES
        name = (ctx.user or os.environ.get(USER_VARIABLE) or "").strip()
        password = read_password(f"Password for {name}: ", variable=PASSWORD_VARIABLE)
        return staff.sign_in(copy, name, password, record=False).actor
    finally:
        copy.dispose()
