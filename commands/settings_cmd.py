"""settings show | settings set KEY VALUE."""

from __future__ import annotations

import argparse

from commands.context import Context, add_json_flag, table
from inventory import settings


def register(sub: argparse._SubParsersAction) -> None:
    st = sub.add_parser("settings", help="clinic name, licence number, time zone")
    st_sub = st.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    show = st_sub.add_parser("show")
    add_json_flag(show)
    show.set_defaults(handler=_show)
    put = st_sub.add_parser("set")
    put.add_argument("key", choices=sorted(settings.KNOWN))
    put.add_argument("value")
    add_json_flag(put)
    put.set_defaults(handler=_set)


def _show(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        values = settings.read_all(conn)
    ctx.emit(values, table(["Setting", "Value"], [[k, v] for k, v in values.items()]))
    return 0


def _set(args: argparse.Namespace, ctx: Context) -> int:
    settings.set_value(ctx.db, args.key, args.value, by=ctx.actor)
    ctx.emit({args.key: args.value}, f"{args.key} set to {args.value}.")
    return 0
