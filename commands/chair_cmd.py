"""session open|use|close|adverse|show|list, quarantine|release|waste|return, recall,
recalls, recall-close, recall-return, recall-contacts, recall-contact, trace."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.context import Context, add_json_flag, day, refused, table, whole
from inventory.access import NotAllowed
from inventory.clock import show_local
from inventory.errors import InvalidInput
from inventory.settings import clinic_tz
from reports.trace_csv import write_trace_csv
from sterility import forms, holds, intake, recall_contacts, recalls, series, sessions
from sterility.care_models import CONCERNS
from sterility.chair import use_unit
from sterility.errors import ScanRefused
from sterility.intake import Intake, NeedsConfirmation
from sterility.models import CONTACT_METHODS


def register(sub: argparse._SubParsersAction) -> None:
    ses = sub.add_parser("session", help="treatment sessions at the chair")
    ses_sub = ses.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    opn = ses_sub.add_parser("open", help="open a session; prints its id")
    opn.add_argument("--client", required=True, help="the client's reference")
    opn.add_argument(
        "--practitioner",
        help="who treats (default: you); a manager may name any active practitioner",
    )
    opn.add_argument("--area", required=True, help="face, neck, decolletage, scalp, body...")
    opn.add_argument("--depth", required=True, help="planned needle depth in mm")
    opn.add_argument("--device", default="", help="the device, when no pen is named (a roller)")
    opn.add_argument("--concern", required=True, choices=CONCERNS, help="the skin concern treated")
    opn.add_argument(
        "--screen",
        action="append",
        default=[],
        type=screen_answer,
        metavar="ITEM=yes|no",
        help="a screening answer; repeat for every question of the current screening form "
        "(see: forms show screening)",
    )
    opn.add_argument(
        "--override-reason",
        default="",
        metavar="TEXT",
        help="a manager's reason to treat despite a yes on the screening form",
    )
    opn.add_argument(
        "--consent-version",
        required=True,
        type=whole,
        metavar="V",
        help="the consent form version the client signed (the current one)",
    )
    opn.add_argument("--pen", metavar="SERIAL", help="the pen used, from the pen list")
    opn.add_argument(
        "--sleeve", action="store_true", help="a new barrier sleeve was fitted on the pen"
    )
    opn.add_argument("--room", default="", help="the chair or room (its sharps container)")
    opn.add_argument("--language", default="", help="the client's language for the aftercare sheet")
    opn.add_argument(
        "--series-of",
        type=series_size,
        metavar="N",
        help=f"sessions planned for a new series ({series.MIN_PLANNED} to {series.MAX_PLANNED})",
    )
    opn.add_argument(
        "--confirm",
        action="append",
        default=[],
        type=confirmation,
        metavar="KIND[=REASON]",
        help="confirm a warning: " + ", ".join(intake.OPEN_KINDS) + " (series_spacing "
        "needs a reason)",
    )
    add_json_flag(opn)
    opn.set_defaults(handler=_open)
    use = ses_sub.add_parser("use", help="scan a unit into a session")
    use.add_argument("session", type=whole)
    use.add_argument("--scan", required=True, metavar="TEXT")
    use.add_argument(
        "--allow-deeper", action="store_true", help="confirm needles longer than the planned depth"
    )
    use.add_argument(
        "--allow-outside-range",
        action="store_true",
        help="confirm needles outside the depth range of the session's concern",
    )
    use.add_argument("--separator", help="the character your scanner sends as GS1 separator")
    add_json_flag(use)
    use.set_defaults(handler=_use)
    close = ses_sub.add_parser("close", help="close a session")
    close.add_argument("session", type=whole)
    close.add_argument(
        "--adverse",
        metavar="none|TEXT",
        help="adverse events seen, or none (needed unless recorded with session adverse)",
    )
    close.add_argument(
        "--aftercare", type=Path, metavar="FILE.pdf", help="print the client's aftercare sheet"
    )
    add_json_flag(close)
    close.set_defaults(handler=_close)
    adverse = ses_sub.add_parser("adverse", help="record a session's adverse events, or none")
    adverse.add_argument("session", type=whole)
    said = adverse.add_mutually_exclusive_group(required=True)
    said.add_argument("--none", action="store_true", help="no adverse event observed")
    said.add_argument("--text", metavar="TEXT", help="what was observed")
    add_json_flag(adverse)
    adverse.set_defaults(handler=_adverse)
    show = ses_sub.add_parser("show", help="a session and the units used in it")
    show.add_argument("session", type=whole)
    add_json_flag(show)
    show.set_defaults(handler=_show)
    lst = ses_sub.add_parser("list", help="recent sessions")
    lst.add_argument("--open", action="store_true", help="only open sessions")
    add_json_flag(lst)
    lst.set_defaults(handler=_list)

    for action, text in (
        ("quarantine", "hold a unit or lot back"),
        ("release", "return a quarantined unit or lot to stock"),
        ("waste", "discard a unit or lot (final)"),
        ("return", "return a unit or lot to the supplier (final; the reason may be the RMA)"),
    ):
        p = sub.add_parser(action, help=text)
        p.add_argument("target", metavar="UNIT_OR_LOT", help="a unit code, serial or lot number")
        p.add_argument("--reason", required=True)
        p.add_argument("--gtin", help="which product, when a lot number is not unique")
        add_json_flag(p)
        p.set_defaults(handler=_hold, action=action)

    rec = sub.add_parser("recall", help="enter a recall notice")
    rec.add_argument("--gtin", required=True)
    rec.add_argument("--lot", action="append", default=[], help="repeat for several lots")
    rec.add_argument(
        "--serial",
        action="append",
        help="only these serials (of the one lot given, or of units received without a lot)",
    )
    rec.add_argument("--reference", required=True, help="the notice's reference")
    rec.add_argument("--reason", required=True, help="the notice's text, kept verbatim")
    rec.add_argument("--date", type=day, help="the notice's date (YYYY-MM-DD)")
    add_json_flag(rec)
    rec.set_defaults(handler=_recall)
    rclose = sub.add_parser("recall-close", help="close a handled recall with a note")
    rclose.add_argument("recall", type=whole)
    rclose.add_argument("--note", required=True)
    add_json_flag(rclose)
    rclose.set_defaults(handler=_recall_close)
    rreturn = sub.add_parser(
        "recall-return",
        help="return a recall's stock on hand (quarantined or in stock) to the supplier",
    )
    rreturn.add_argument("recall", type=whole)
    rreturn.add_argument("--reason", required=True, help="why, e.g. the supplier's RMA number")
    add_json_flag(rreturn)
    rreturn.set_defaults(handler=_recall_return)
    rclients = sub.add_parser(
        "recall-contacts",
        aliases=["recall-clients"],
        help="the clients a recall affects, and whether, when, how and by whom each was contacted",
    )
    rclients.add_argument("recall", type=whole)
    add_json_flag(rclients)
    rclients.set_defaults(handler=_recall_clients)
    rcontact = sub.add_parser(
        "recall-contact", help="record that an affected client was told of a recall (or tried)"
    )
    rcontact.add_argument("recall", type=whole)
    client = rcontact.add_mutually_exclusive_group(required=True)
    client.add_argument(
        "--session", type=whole, help="one of the client's affected sessions (see recall-contacts)"
    )
    client.add_argument(
        "--client-ref",
        metavar="REFERENCE",
        help="the client's reference (needs a role that may read client references)",
    )
    rcontact.add_argument(
        "--method",
        "--how",
        dest="method",
        required=True,
        choices=CONTACT_METHODS,
        help="how the client was contacted: " + ", ".join(CONTACT_METHODS),
    )
    rcontact.add_argument(
        "--not-reached", action="store_true", help="tried, but the client was not reached"
    )
    rcontact.add_argument("--note", default="", help="what was said or agreed")
    rcontact.add_argument(
        "--at",
        type=local_minute,
        metavar='"YYYY-MM-DD HH:MM"',
        help="when, in the clinic's local time (default: now)",
    )
    add_json_flag(rcontact)
    rcontact.set_defaults(handler=_recall_contact)
    rlist = sub.add_parser("recalls", help="list recalls")
    rlist.add_argument("--open", action="store_true")
    add_json_flag(rlist)
    rlist.set_defaults(handler=_recalls)

    tr = sub.add_parser("trace", help="sessions and clients that used units of a lot")
    tr.add_argument("--gtin", required=True)
    tr.add_argument("--lot", action="append", default=[])
    tr.add_argument("--serial", action="append", help="only these serials")
    tr.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="write the trace to this CSV file (for calling the clients back) instead of a table",
    )
    add_json_flag(tr)
    tr.set_defaults(handler=_trace)


def local_minute(text: str) -> datetime:
    """An argparse type: a local wall-clock time "YYYY-MM-DD HH:MM", else a usage error."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a time like \"2026-03-31 14:05\" (the clinic's local time)"
        ) from None


def screen_answer(text: str) -> tuple[str, bool]:
    """An argparse type: ITEM=yes or ITEM=no, else a usage error."""
    key, sep, answer = text.partition("=")
    answer = answer.strip().lower()
    if not sep or not key.strip() or answer not in ("yes", "no"):
        raise argparse.ArgumentTypeError(f"'{text}' is not a screening answer like acne=no")
    return key.strip(), answer == "yes"


def confirmation(text: str) -> tuple[str, str]:
    """An argparse type: KIND or KIND=REASON for a warning confirmed at open."""
    kind, _sep, reason = text.partition("=")
    kind = kind.strip()
    if kind not in intake.OPEN_KINDS:
        raise argparse.ArgumentTypeError(
            f"'{kind}' is not a warning to confirm; those are: {', '.join(intake.OPEN_KINDS)}"
        )
    return kind, reason.strip()


def series_size(text: str) -> int:
    """An argparse type: the sessions planned for a series, 3 to 6."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not series.MIN_PLANNED <= value <= series.MAX_PLANNED:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number of sessions from {series.MIN_PLANNED} to "
            f"{series.MAX_PLANNED}"
        )
    return value


def _usage(message: str) -> int:
    sys.stderr.write(f"session open: {message}\n")
    return 2


def _open(args: argparse.Namespace, ctx: Context) -> int:
    answers: dict[str, bool] = {}
    for key, yes in args.screen:
        if key in answers and answers[key] != yes:
            return _usage(f"--screen {key} is answered both yes and no; answer it once.")
        answers[key] = yes
    with ctx.db.read() as conn:
        screening = forms.current(conn, "screening")
    keys = [item.key for item in screening.items]
    unknown = [k for k in answers if k not in keys]
    missing = intake.missing_answers(screening, answers)
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(
                f"it has no question {', '.join(unknown)} (its questions: {', '.join(keys)})"
            )
        if missing:
            problems.append(
                "missing: " + "; ".join(f"--screen {i.key}=yes|no ({i.question})" for i in missing)
            )
        return _usage(
            f"answer every question of the screening form (version {screening.version}); "
            + "; ".join(problems)
        )
    confirmations: dict[str, str] = {}
    for kind, reason in args.confirm:
        confirmations[kind] = reason or confirmations.get(kind, "")
    given = Intake(
        concern=args.concern,
        answers=answers,
        consent_version=args.consent_version,
        pen_serial=args.pen,
        sleeve_fitted=args.sleeve,
        room=args.room,
        language=args.language,
        series_planned=args.series_of,
        override_reason=args.override_reason,
        confirmations=confirmations,
    )
    try:
        info = sessions.open_session(
            ctx.db,
            client_ref=args.client,
            practitioner=args.practitioner,
            area=args.area,
            depth_mm=args.depth,
            device=args.device,
            by=ctx.actor,
            intake=given,
        )
    except ScanRefused as error:
        return refused(ctx, error)
    except NeedsConfirmation as needed:
        if ctx.as_json:
            ctx.emit(
                {
                    "refused": needed.code,
                    "message": needed.message,
                    "warnings": [w.as_dict() for w in needed.warnings],
                },
                "",
            )
        for warning in needed.warnings:
            how = f"{warning.kind}=REASON" if warning.needs_reason else warning.kind
            sys.stderr.write(f"WARNING: {warning.message} (--confirm {how})\n")
        sys.stderr.write(
            "Nothing was opened: confirm with --confirm KIND=REASON (a reason is required "
            "for series_spacing, optional for the others).\n"
        )
        return 3
    ctx.emit(info.as_dict(), str(info.id))
    return 0


def _use(args: argparse.Namespace, ctx: Context) -> int:
    try:
        verdict = use_unit(
            ctx.db,
            args.session,
            args.scan,
            by=ctx.actor,
            allow_deeper=args.allow_deeper,
            allow_outside_range=args.allow_outside_range,
            separator=args.separator,
        )
    except ScanRefused as error:
        return refused(ctx, error)
    ctx.emit(verdict.as_dict(), ("OK: " if verdict.reason == "used" else "") + verdict.message)
    return 0


def _close(args: argparse.Namespace, ctx: Context) -> int:
    adverse = args.adverse
    if adverse is not None and adverse.strip().casefold() == "none":
        adverse = "none"
    info = sessions.close_session(ctx.db, args.session, by=ctx.actor, adverse=adverse)
    data: dict[str, object] = info.as_dict()
    text = f"Session {info.id} closed."
    if args.aftercare is not None:
        from reports.aftercare import write_aftercare  # reportlab only when a sheet is asked

        try:
            written = write_aftercare(ctx.db, info.id, args.aftercare, by=ctx.actor)
        except (OSError, ValueError) as exc:
            raise InvalidInput(
                f"Session {info.id} is closed, but its aftercare sheet could not be written to "
                f"{args.aftercare} ({exc}). Choose another file."
            ) from exc
        data["aftercare"] = str(written)
        text += f" Aftercare sheet: {written}"
    ctx.emit(data, text)
    return 0


def _adverse(args: argparse.Namespace, ctx: Context) -> int:
    record = intake.record_adverse(
        ctx.db, args.session, None if args.none else args.text, by=ctx.actor
    )
    with ctx.db.read() as conn:
        found = next(a for a in intake.adverse_of(conn, args.session) if a.id == record)
    ctx.emit(found.as_dict(), f"Session {args.session}: adverse events recorded: {found.words}.")
    return 0


def _show(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        info = sessions.get_session(conn, args.session, ctx.actor.keys)
        uses = sessions.session_uses(conn, args.session)
        found = intake.intake_of(conn, args.session)
        adverse = intake.adverse_of(conn, args.session)
        tz = clinic_tz(conn)
    state = "open" if info.is_open else f"closed {show_local(info.closed_at, tz)}"
    head = (
        f"Session {info.id}: client {info.client_ref}, {info.practitioner}, {info.area}, "
        f"{info.planned_depth_mm} mm, opened {show_local(info.opened_at, tz)}, {state}"
    )
    parts = [head]
    if found is not None:
        parts.append(_intake_text(found, tz))
    parts.append(
        "Adverse events: "
        + (
            "; ".join(
                f"{a.words} ({a.recorded_by}, {show_local(a.recorded_at, tz)})" for a in adverse
            )
            if adverse
            else "not recorded yet"
        )
    )
    head = "\n".join(parts)
    body = table(
        ["Unit", "Product", "Lot", "mm", "Used at", "By"],
        [
            [
                u.unit_code,
                u.product,
                u.lot,
                f"{u.needle_length_um / 1000:g}",
                show_local(u.used_at, tz),
                u.used_by,
            ]
            for u in uses
        ],
    )
    data = info.as_dict() | {
        "uses": [u.__dict__ for u in uses],
        "intake": found.as_dict() if found is not None else None,
        "adverse_events": [a.as_dict() for a in adverse],
    }
    ctx.emit(data, head + "\n" + body)
    return 0


def _intake_text(found: intake.IntakeInfo, tz: ZoneInfo) -> str:
    """The intake as the practitioner recorded it, and what was confirmed, in words."""
    answers = ", ".join(f"{a.key} {'YES' if a.yes else 'no'}" for a in found.answers)
    pen = found.pen_words
    lines = [
        f"Concern: {found.concern_words} (range {found.range.words}); {found.series_words}",
        f"Screening (version {found.screening_version}): {answers}",
        f"Consent: version {found.consent_version}; {pen}; room {found.room or '(none named)'}"
        + (f"; aftercare in {found.language}" if found.language else ""),
    ]
    override = found.override
    if override is not None:
        lines.append(f"Screening overridden by {override.confirmed_by}: {override.reason}")
    others = [c for c in found.confirmations if c.kind != "screening_override"]
    if others:
        lines.append("Confirmed:")
        for c in others:
            unit = f" [{c.unit_code}]" if c.unit_code else ""
            reason = f" Reason: {c.reason}" if c.reason else ""
            lines.append(
                f"  {c.kind_words}{unit}, by {c.confirmed_by} {show_local(c.confirmed_at, tz)}: "
                f"{c.warning}{reason}"
            )
    return "\n".join(lines)


def _list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        rows = sessions.list_sessions(conn, ctx.actor.keys, open_only=args.open)
        tz = clinic_tz(conn)
    ctx.emit(
        [r.as_dict() for r in rows],
        table(
            ["Session", "Client", "Practitioner", "Area", "mm", "Opened", "Closed"],
            [
                [
                    r.id,
                    r.client_ref,
                    r.practitioner,
                    r.area,
                    r.planned_depth_mm,
                    show_local(r.opened_at, tz),
                    show_local(r.closed_at, tz) if r.closed_at else "open",
                ]
                for r in rows
            ],
        ),
    )
    return 0


def _hold(args: argparse.Namespace, ctx: Context) -> int:
    move = {
        "quarantine": holds.quarantine,
        "release": holds.release,
        "waste": holds.waste,
        "return": holds.return_to_supplier,
    }
    result = move[args.action](
        ctx.db, args.target, reason=args.reason, by=ctx.actor, gtin=args.gtin
    )
    ctx.emit(result.as_dict(), _moved_text(result))
    return 0


PAST = {
    "quarantine": "quarantined",
    "release": "released",
    "waste": "wasted",
    "return": "returned to the supplier",
}


def _moved_text(result: holds.HoldResult) -> str:
    text = f"{len(result.changed)} unit(s) {PAST[result.action]}: {', '.join(result.changed[:10])}"
    if len(result.changed) > 10:
        text += f" and {len(result.changed) - 10} more"
    if result.skipped:
        first, why = next(iter(result.skipped.items()))
        text += f"\n{len(result.skipped)} unit(s) left as they were ({first} {why})."
    return text


def _trace_table(rows: list[recalls.TraceRow], ctx: Context) -> str:
    with ctx.db.read() as conn:
        tz = clinic_tz(conn)
    return table(
        ["Session", "Used at", "Practitioner", "Client", "Area", "Unit", "Lot"],
        [
            [
                r.session_id,
                show_local(r.used_at, tz),
                r.practitioner,
                r.client_ref,
                r.area,
                r.unit_code,
                r.lot,
            ]
            for r in rows
        ],
    )


def _recall(args: argparse.Namespace, ctx: Context) -> int:
    result = recalls.enter_recall(
        ctx.db,
        gtin=args.gtin,
        lots=args.lot,
        serials=args.serial,
        reference=args.reference,
        notice_text=args.reason,
        notice_date=args.date,
        by=ctx.actor,
    )
    text = (
        f"Recall {result.recall_id} ({result.reference}) entered: "
        f"{len(result.quarantined)} unit(s) on the shelf quarantined; "
        f"{len(result.trace)} use(s) already made:\n" + _trace_table(result.trace, ctx)
    )
    ctx.emit(result.as_dict(), text)
    return 0


def _recall_close(args: argparse.Namespace, ctx: Context) -> int:
    info = recalls.close_recall(ctx.db, args.recall, note=args.note, by=ctx.actor)
    with ctx.db.read() as conn:
        tz = clinic_tz(conn)
    assert info.closed_at is not None
    ctx.emit(
        {
            "recall": info.id,
            "closed": True,
            "closed_at": info.closed_at.isoformat(),
            "closed_by": info.closed_by,
            "note": info.close_note,
        },
        f"Recall {info.id} ({info.reference}) closed on {show_local(info.closed_at, tz)} by "
        f"{info.closed_by}: {info.close_note}",
    )
    return 0


def _recall_return(args: argparse.Namespace, ctx: Context) -> int:
    result = holds.return_recall_stock(ctx.db, args.recall, reason=args.reason, by=ctx.actor)
    ctx.emit(result.as_dict() | {"recall": args.recall}, _moved_text(result))
    return 0


def _recall_clients(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        info = recalls.get_recall(conn, args.recall)
        affected = recall_contacts.affected_clients(conn, args.recall, ctx.actor.keys)
        units = recalls.recall_stock(conn, args.recall)
        tz = clinic_tz(conn)
    waiting = [c for c in affected if not c.contacted]
    head = (
        f"Recall {info.id} ({info.reference}): {units.received} unit(s) received here; "
        f"{units['used']} used, {units['quarantined']} quarantined, {units['returned']} "
        f"returned to the supplier, {units['wasted']} wasted, {units['in_stock']} in stock.\n"
        f"{len(affected)} affected client(s), {len(waiting)} not yet contacted."
    )
    clients = table(
        ["Client", "Sessions", "Uses", "Last used", "Contacted", "Last contact"],
        [
            [
                c.client,
                ", ".join(str(n) for n in c.sessions),
                c.uses,
                show_local(c.last_used, tz) if c.last_used else "",
                "yes" if c.contacted else "NOT YET",
                _contact_words(c.last_contact, tz),
            ]
            for c in affected
        ],
    )
    contacts = [(c, contact) for c in affected for contact in c.contacts]
    parts = [head, clients]
    if contacts:
        parts.append(
            "Contacts:\n"
            + table(
                ["Client", "Session", "When", "How", "Reached", "By", "Note"],
                [
                    [
                        c.client,
                        contact.session_id,
                        show_local(contact.contacted_at, tz),
                        contact.method_words,
                        "yes" if contact.reached else "no",
                        contact.recorded_by,
                        contact.note,
                    ]
                    for c, contact in contacts
                ],
            )
        )
    if waiting and len(waiting) < len(affected):
        parts.append(
            "Still to contact:\n"
            + table(
                ["Client", "Sessions", "Tried"],
                [
                    [c.client, ", ".join(str(n) for n in c.sessions), len(c.contacts) or ""]
                    for c in waiting
                ],
            )
        )
    data = {
        "recall": info.id,
        "reference": info.reference,
        "units": units.as_dict(),
        "clients": [c.as_dict() for c in affected],
        "not_contacted": [c.as_dict() for c in waiting],
    }
    ctx.emit(data, "\n".join(parts))
    return 0


def _contact_words(contact: recall_contacts.Contact | None, tz: ZoneInfo) -> str:
    if contact is None:
        return ""
    reached = "" if contact.reached else " (not reached)"
    return (
        f"{show_local(contact.contacted_at, tz)}, {contact.method_words}{reached}, "
        f"by {contact.recorded_by}"
    )


def _recall_contact(args: argparse.Namespace, ctx: Context) -> int:
    session_id = args.session
    if session_id is None:
        session_id = _session_of_client(ctx, args.recall, args.client_ref)
    contact_id = recall_contacts.record_contact(
        ctx.db,
        args.recall,
        session_id,
        method=args.method,
        reached=not args.not_reached,
        note=args.note,
        contacted_at=args.at,
        by=ctx.actor,
    )
    with ctx.db.read() as conn:
        contact = next(
            c for c in recall_contacts.contacts_of(conn, args.recall) if c.id == contact_id
        )
        tz = clinic_tz(conn)
    outcome = "reached" if contact.reached else "not reached"
    ctx.emit(
        contact.as_dict() | {"recall": args.recall},
        f"Contact {contact.id} recorded for recall {args.recall}, session {contact.session_id}: "
        f"{contact.method_words}, {outcome}, {show_local(contact.contacted_at, tz)}, "
        f"by {contact.recorded_by}.",
    )
    return 0


def _session_of_client(ctx: Context, recall_id: int, reference: str) -> int:
    """The latest affected session of the client with this reference, or a refusal."""
    if not ctx.actor.keys.has("data"):
        raise NotAllowed(
            f"{ctx.actor.name} cannot read client references, so cannot find a client by "
            "reference. Name the session with --session (see recall-contacts). Nothing was "
            "changed."
        )
    wanted = reference.strip()
    with ctx.db.read() as conn:
        recalls.get_recall(conn, recall_id)
        affected = recall_contacts.affected_clients(conn, recall_id, ctx.actor.keys)
    found = [c for c in affected if c.client == wanted] or [
        c for c in affected if c.client.casefold() == wanted.casefold()
    ]
    if not found:
        raise InvalidInput(
            f"No client with reference '{wanted}' used a unit that recall {recall_id} names; "
            f"see who did with: python main.py recall-contacts {recall_id}"
        )
    return found[0].sessions[-1]


def _recalls(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        rows = recalls.list_recalls(conn, open_only=args.open)
    ctx.emit(
        [r.__dict__ for r in rows],
        table(
            ["Recall", "Reference", "GTIN", "Lots", "Notice date", "Closed"],
            [
                [
                    r.id,
                    r.reference,
                    r.gtin,
                    ", ".join(r.lots),
                    r.notice_date.isoformat(),
                    r.closed_at.date().isoformat() if r.closed_at else "open",
                ]
                for r in rows
            ],
        ),
    )
    return 0


def _trace(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        rows = recalls.trace_uses(conn, args.gtin, args.lot, args.serial, ctx.actor.keys)
        tz = clinic_tz(conn)
    if args.csv is None:
        ctx.emit([r.as_dict() for r in rows], _trace_table(rows, ctx))
        return 0
    written = write_trace_csv(args.csv, rows, tz)
    ctx.emit(
        {"csv": str(args.csv), "rows": written},
        f"Wrote {written} row{'' if written == 1 else 's'} to {args.csv}.",
    )
    return 0
