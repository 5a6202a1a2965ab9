"""db roles, db readonly-role: database administration that a clinic's IT person does once."""

from __future__ import annotations

import argparse
import os

from commands.context import Context, add_json_flag
from inventory.copy_to import copy_to
from inventory.errors import InvalidInput
from inventory.pg_roles import set_up_roles
from inventory.roles import create_readonly_role


def register(sub: argparse._SubParsersAction) -> None:
    dbp = sub.add_parser("db", help="database administration (PostgreSQL roles)")
    db_sub = dbp.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    roles = db_sub.add_parser(
        "roles",
        help="set up the owner, app and inspector logins (run as the server's administrator)",
        description=(
            "Give every table, sequence and function of the ledger to the owner role (it runs "
            "the migrations), let the app role (the workstations' login) do exactly the app's "
            "work and own nothing, and make the inspector role read-only. Roles that exist "
            "are brought in line; running it again changes nothing."
        ),
    )
    for kind in ("owner", "app", "inspector"):
        roles.add_argument(f"--{kind}", required=True, metavar="NAME", help=f"the {kind} role")
    for kind in ("owner", "app", "inspector"):
        roles.add_argument(
            f"--{kind}-password-env",
            metavar="VAR",
            help=f"environment variable holding the {kind} role's password "
            "(without it: a new role gets none, an existing one keeps its own)",
        )
    add_json_flag(roles)
    roles.set_defaults(handler=_roles)

    copy = db_sub.add_parser(
        "copy-to",
        help="move this SQLite ledger, audit trail and all, into an empty PostgreSQL database",
        description=(
            "Copy every record (with its audit trail, seals and numbers) into the empty "
            "PostgreSQL database at URL, run as its owner login; check the copy (rows per "
            "table, the audit trail's last event and hash); then mark this SQLite file as "
            "moved, so that it opens read-only from now on."
        ),
    )
    copy.add_argument("url", metavar="URL", help="postgresql+psycopg://owner@server/ledger")
    add_json_flag(copy)
    copy.set_defaults(handler=_copy_to)

    role = db_sub.add_parser("readonly-role", help="create a read-only login for inspectors")
    role.add_argument("name")
    role.add_argument(
        "--password-env", metavar="VAR", help="environment variable holding the new role's password"
    )
    add_json_flag(role)
    role.set_defaults(handler=_readonly_role)


def _copy_to(args: argparse.Namespace, ctx: Context) -> int:
    result = copy_to(ctx.db, args.url, by=ctx.actor)
    ctx.emit(
        {
            "target": result.target,
            "rows": result.rows,
            "events": result.events,
            "last_hash": result.last_hash,
        },
        "\n".join(
            [
                result.sentence,
                "Next, on the server: sterile-ledger --db URL db roles --owner OWNER --app APP "
                "--inspector INSPECTOR (the workstations' login must own nothing).",
                "Then on every workstation: Settings > Where the ledger lives > Change… > "
                "A PostgreSQL server, with the app login (or "
                "STERILE_LEDGER_DB=postgresql+psycopg://APP@SERVER/DATABASE).",
            ]
        ),
    )
    return 0


def _password(variable: str | None) -> str | None:
    if not variable:
        return None
    password = os.environ.get(variable)
    if not password:
        raise InvalidInput(f"The environment variable {variable} is empty.")
    return password


def _roles(args: argparse.Namespace, ctx: Context) -> int:
    ctx.actor.require("settings")
    passwords = {
        kind: _password(getattr(args, f"{kind}_password_env"))
        for kind in ("owner", "app", "inspector")
    }
    result = set_up_roles(
        ctx.db, owner=args.owner, app=args.app, inspector=args.inspector, passwords=passwords
    )
    lines = [
        f"Owner {result.owner}: owns the ledger's tables, sequences and functions, and runs "
        "the migrations (start the app once as this login after installing a new version).",
        f"App {result.app}: the workstations' login. It owns nothing: it reads and adds "
        "records, changes only what the app changes, and cannot alter, drop, truncate or "
        "disable a trigger.",
        f"Inspector {result.inspector}: reads everything, writes nothing, and cannot take the "
        "ledger's write lock.",
        "Created: " + (", ".join(result.created) or "none (they existed)") + ".",
        f"Given to {result.owner}: "
        + (", ".join(result.transferred) or f"nothing (all was {result.owner}'s already)")
        + ".",
        "SQL run (passwords masked):",
        *(f"  {statement};" for statement in result.statements),
    ]
    ctx.emit(result.as_dict(), "\n".join(lines))
    return 0


def _readonly_role(args: argparse.Namespace, ctx: Context) -> int:
    ctx.actor.require("settings")
    password = _password(args.password_env)
    statements = create_readonly_role(ctx.db, args.name, password)
    ctx.emit(
        {"role": args.name, "sql": statements},
        f"Read-only role {args.name} created. It can read every table and write none.",
    )
    return 0
