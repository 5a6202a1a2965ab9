"""audit verify | audit list."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from commands.context import Context, table, whole
from inventory import audit
from inventory.clock import show_local
from inventory.models import AuditEvent
from inventory.settings import clinic_tz


def register(sub: argparse._SubParsersAction) -> None:
    from commands.cli import add_json_flag

    aud = sub.add_parser("audit", help="the audit trail")
    aud_sub = aud.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    ver = aud_sub.add_parser("verify", help="check the whole hash chain")
    add_json_flag(ver)
    ver.set_defaults(handler=_verify)
    lst = aud_sub.add_parser("list", help="the latest audit events")
    lst.add_argument("--limit", type=whole, default=50)
    lst.add_argument("--entity", help="only events about this kind of record (unit, lot...)")
    add_json_flag(lst)
    lst.set_defaults(handler=_list)


def _verify(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        report = audit.verify(conn)
    ctx.emit(
        {
            "ok": report.ok,
            "events": report.events,
            "first_broken": report.first_broken,
            "problem": report.problem,
        },
        report.sentence,
    )
    return 0 if report.ok else 3


def _list(args: argparse.Namespace, ctx: Context) -> int:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(args.limit)
    if args.entity:
        query = query.where(AuditEvent.entity == args.entity)
    with ctx.db.read() as conn:
        rows = conn.execute(query).all()
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
                    r.new_values[:60],
                ]
                for r in rows
            ],
        ),
    )
    return 0
