"""audit verify | audit list."""

from __future__ import annotations

import argparse

from commands.context import (
    Context,
    add_json_flag,
    add_key_flag,
    day,
    table,
    verification_key,
    whole,
)
from inventory import audit
from inventory.clock import show_local
from inventory.settings import clinic_tz


def register(sub: argparse._SubParsersAction) -> None:
    aud = sub.add_parser("audit", help="the audit trail")
    aud_sub = aud.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    ver = aud_sub.add_parser(
        "verify",
        help="check the whole trail: hash chain, seals, and records against their events",
        description="Recomputes the hash chain and checks every use, refusal, receipt, hold "
        "and recall against its event. With the clinic's verification key (shown once at "
        "setup, kept away from this PC) it also checks every seal, which catches a trail "
        "rewritten and recomputed by someone holding the file, and a cut-off tail.",
    )
    add_key_flag(ver, "to check the seals too")
    add_json_flag(ver)
    ver.set_defaults(handler=_verify)
    lst = aud_sub.add_parser("list", help="the latest audit events")
    lst.add_argument("--limit", type=whole, default=50)
    lst.add_argument("--entity", help="only events about this kind of record (unit, lot...)")
    lst.add_argument("--action", help="only this action (use, receive, refuse...)")
    lst.add_argument("--actor", metavar="TEXT", help="who acted: names containing TEXT")
    lst.add_argument("--record", help="only events about this record (a unit code, a number)")
    lst.add_argument("--text", help="text in the before or after values")
    lst.add_argument("--since", type=day, metavar="DATE", help="from this local date")
    lst.add_argument("--until", type=day, metavar="DATE", help="through this local date")
    add_json_flag(lst)
    lst.set_defaults(handler=_list)


def _verify(args: argparse.Namespace, ctx: Context) -> int:
    key = verification_key(args)
    with ctx.db.read() as conn:
        report = audit.verify(conn, key=key)
    ctx.emit(
        {
            "ok": report.ok,
            "events": report.events,
            "first_broken": report.first_broken,
            "problem": report.problem,
            "seals_checked": report.seals_checked,
            "sealed_from": report.sealed_from,
            "unsealed_after": report.unsealed_after,
        },
        report.sentence,
    )
    return 0 if report.ok else 3


def _list(args: argparse.Namespace, ctx: Context) -> int:
    filters = {k: getattr(args, k) for k in ("entity", "action", "actor", "record", "text")}
    with ctx.db.read() as conn:
        rows = audit.list_events(
            conn, limit=args.limit, since=args.since, until=args.until, **filters
        )
        tz = clinic_tz(conn)
    ctx.emit(
        [
            {
                "id": r.id,
                "at": r.at.isoformat(),
                "actor": r.actor,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "old": r.old_values,
                "new": r.new_values,
                "hash": r.hash,
            }
            for r in rows
        ],
        table(
            ["#", "At", "Who", "Action", "Record", "New values"],
            [
                [
                    r.id,
                    show_local(r.at, tz),
                    r.actor,
                    r.action,
                    f"{r.entity} {r.entity_id}",
                    audit.values_text(r.new_values)[:60],
                ]
                for r in rows
            ],
        ),
    )
    return 0
