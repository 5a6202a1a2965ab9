"""db readonly-role: database administration that a clinic's IT person does once."""

from __future__ import annotations

import argparse
import os

from commands.context import Context, add_json_flag
from inventory.errors import InvalidInput
from inventory.roles import create_readonly_role


def register(sub: argparse._SubParsersAction) -> None:
    dbp = sub.add_parser("db", help="database administration (PostgreSQL roles)")
    db_sub = dbp.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    role = db_sub.add_parser("readonly-role", help="create a read-only login for inspectors")
    role.add_argument("name")
    role.add_argument("--password-env", metavar="VAR",
                      help="environment variable holding the new role's password")
    add_json_flag(role)
    role.set_defaults(handler=_readonly_role)


def _readonly_role(args: argparse.Namespace, ctx: Context) -> int:
    ctx.actor.require("settings")
    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            raise InvalidInput(f"The environment variable {args.password_env} is empty.")
    statements = create_readonly_role(ctx.db, args.name, password)
    ctx.emit({"role": args.name, "sql": statements},
             f"Read-only role {args.name} created. It can read every table and write none.")
    return 0
