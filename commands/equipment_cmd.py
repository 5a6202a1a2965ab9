"""pen add|clean|list|retire, sharps open|seal|collect|list, sterilizer cycle add|bi,
sterilizer cycles, sterilizer use-pack: the clinic's equipment records."""

from __future__ import annotations

import argparse
from datetime import datetime, time
from zoneinfo import ZoneInfo

from commands.chair_cmd import local_minute
from commands.context import Context, add_json_flag, day, refused, table, whole
from inventory.clock import clinic_tz, show_local
from sterility import pens, sharps, sterilizer
from sterility.equipment_models import BI_RESULTS, INDICATOR_RESULTS
from sterility.errors import ScanRefused


def register(sub: argparse._SubParsersAction) -> None:
    _register_pens(sub)
    _register_sharps(sub)
    _register_sterilizer(sub)


def _register_pens(sub: argparse._SubParsersAction) -> None:
    pen = sub.add_parser("pen", help="the clinic's pens and their cleanings")
    pen_sub = pen.add_subparsers(dest="pen_command", metavar="ACTION", required=True)
    add = pen_sub.add_parser("add", help="add a pen to the list (a manager)")
    add.add_argument("serial", metavar="SERIAL", help="the maker's serial on the pen")
    add.add_argument("--model", default="", help="the pen's make and model")
    add_json_flag(add)
    add.set_defaults(handler=_pen_add)
    clean = pen_sub.add_parser("clean", help="record a pen's cleaning or disinfection")
    clean.add_argument("serial", metavar="SERIAL")
    clean.add_argument("--method", required=True, help="how it was cleaned (product, steps)")
    clean.add_argument(
        "--at",
        type=local_minute,
        metavar='"YYYY-MM-DD HH:MM"',
        help="when, in the clinic's local time (default: now)",
    )
    add_json_flag(clean)
    clean.set_defaults(handler=_pen_clean)
    lst = pen_sub.add_parser("list", help="pens, their last cleaning, and which are overdue")
    lst.add_argument("--active", action="store_true", help="only pens in use (not retired)")
    add_json_flag(lst)
    lst.set_defaults(handler=_pen_list)
    retire = pen_sub.add_parser("retire", help="take a pen out of use (a manager)")
    retire.add_argument("serial", metavar="SERIAL")
    retire.add_argument("--note", required=True, help="why: broken, lost, replaced...")
    add_json_flag(retire)
    retire.set_defaults(handler=_pen_retire)


def _register_sharps(sub: argparse._SubParsersAction) -> None:
    sharp = sub.add_parser("sharps", help="sharps containers at each room or chair")
    sharp_sub = sharp.add_subparsers(dest="sharps_command", metavar="ACTION", required=True)
    opn = sharp_sub.add_parser("open", help="open a new sharps container at a room")
    opn.add_argument("--room", required=True, help="the room or chair, as sessions name it")
    opn.add_argument("--label", default="", help="the label written on the container")
    add_json_flag(opn)
    opn.set_defaults(handler=_sharps_open)
    seal = sharp_sub.add_parser("seal", help="seal a container (nothing more goes in)")
    seal.add_argument("container", type=whole, metavar="ID")
    add_json_flag(seal)
    seal.set_defaults(handler=_sharps_seal)
    collect = sharp_sub.add_parser("collect", help="record that the collector took a container")
    collect.add_argument("container", type=whole, metavar="ID")
    collect.add_argument(
        "--collector-ref",
        required=True,
        metavar="REF",
        help="the collector's consignment or docket number",
    )
    add_json_flag(collect)
    collect.set_defaults(handler=_sharps_collect)
    lst = sharp_sub.add_parser("list", help="containers by room, with the cartridges in each")
    lst.add_argument("--room", help="only this room")
    lst.add_argument("--state", choices=sharps.STATES, help="only open, sealed or collected")
    add_json_flag(lst)
    lst.set_defaults(handler=_sharps_list)


def _register_sterilizer(sub: argparse._SubParsersAction) -> None:
    ster = sub.add_parser("sterilizer", help="sterilizer cycles and instrument packs")
    ster_sub = ster.add_subparsers(dest="sterilizer_command", metavar="ACTION", required=True)
    cyc = ster_sub.add_parser("cycle", help="record a cycle, or read its biological indicator")
    cyc_sub = cyc.add_subparsers(dest="cycle_command", metavar="ACTION", required=True)
    add = cyc_sub.add_parser("add", help="record a cycle and its load; prints the pack codes")
    add.add_argument("--sterilizer", required=True, help="which steriliser (its name)")
    add.add_argument("--cycle", required=True, metavar="N", help="the cycle number it printed")
    add.add_argument("--temperature", required=True, metavar="C", help="°C (100 to 140)")
    add.add_argument("--pressure", required=True, metavar="KPA", help="kPa (0 to 400)")
    add.add_argument("--holding", required=True, metavar="MIN", help="minutes (1 to 60)")
    add.add_argument("--load", required=True, metavar="TEXT", help="what was in the load")
    add.add_argument(
        "--pack",
        action="append",
        default=[],
        metavar="DESC",
        help="one instrument pack of the load (repeat); each gets a code for its pouch",
    )
    add.add_argument("--chemical", required=True, choices=INDICATOR_RESULTS)
    add.add_argument("--bi", required=True, choices=BI_RESULTS, help="biological indicator")
    add.add_argument(
        "--at",
        type=local_minute,
        metavar='"YYYY-MM-DD HH:MM"',
        help="when the cycle ran, in the clinic's local time (default: now)",
    )
    add_json_flag(add)
    add.set_defaults(handler=_cycle_add)
    bi = cyc_sub.add_parser("bi", help="record the biological indicator's reading (once)")
    bi.add_argument("cycle", type=whole, metavar="ID")
    bi.add_argument("result", choices=INDICATOR_RESULTS)
    add_json_flag(bi)
    bi.set_defaults(handler=_cycle_bi)
    cycles = ster_sub.add_parser("cycles", help="cycles with their indicator results and packs")
    cycles.add_argument("--since", type=day, help="only cycles run on or after this date")
    add_json_flag(cycles)
    cycles.set_defaults(handler=_cycles)
    use = ster_sub.add_parser("use-pack", help="record an instrument pack opened for a session")
    use.add_argument("--session", required=True, type=whole)
    use.add_argument("--pack", required=True, metavar="CODE", help="the code on the pouch label")
    add_json_flag(use)
    use.set_defaults(handler=_use_pack)


def _zone(ctx: Context) -> ZoneInfo:
    with ctx.db.read() as conn:
        return clinic_tz(conn)


def _when(at: datetime | None, tz: ZoneInfo) -> str:
    return show_local(at, tz) if at is not None else ""


# --- pens ------------------------------------------------------------------------------


def _pen_add(args: argparse.Namespace, ctx: Context) -> int:
    pen = pens.add_pen(ctx.db, args.serial, model=args.model, by=ctx.actor)
    model = f" ({pen.model})" if pen.model else ""
    ctx.emit(pen.as_dict(), f"Pen {pen.serial}{model} added to the pen list.")
    return 0


def _pen_clean(args: argparse.Namespace, ctx: Context) -> int:
    done = pens.record_cleaning(
        ctx.db, args.serial, method=args.method, cleaned_at=args.at, by=ctx.actor
    )
    ctx.emit(
        done.as_dict(),
        f"Cleaning of pen {done.serial} recorded: {done.method}, "
        f"{show_local(done.cleaned_at, _zone(ctx))}, by {done.cleaned_by}.",
    )
    return 0


def _pen_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        rows = pens.list_pens(conn, ctx.db.now(conn), active_only=args.active)
        tz = clinic_tz(conn)
    body = table(
        ["Serial", "Model", "State", "Last cleaned", "By", "How", "Sessions since", "Cleaning"],
        [
            [
                r.pen.serial,
                r.pen.model,
                "in use" if r.pen.active else f"retired {_when(r.pen.retired_at, tz)}",
                _when(r.last_cleaning.cleaned_at, tz) if r.last_cleaning else "never",
                r.last_cleaning.cleaned_by if r.last_cleaning else "",
                r.last_cleaning.method if r.last_cleaning else "",
                r.sessions_since,
                "OVERDUE" if r.overdue else ("" if not r.pen.active else "ok"),
            ]
            for r in rows
        ],
    )
    overdue = [r.overdue for r in rows if r.overdue]
    text = body + ("\n\n" + "\n".join(overdue) if overdue else "")
    ctx.emit([r.as_dict() for r in rows], text)
    return 0


def _pen_retire(args: argparse.Namespace, ctx: Context) -> int:
    pen = pens.retire_pen(ctx.db, args.serial, note=args.note, by=ctx.actor)
    ctx.emit(
        pen.as_dict(),
        f"Pen {pen.serial} retired on {_when(pen.retired_at, _zone(ctx))} by {pen.retired_by}: "
        f"{pen.retire_note}",
    )
    return 0


# --- sharps ----------------------------------------------------------------------------


def _sharps_open(args: argparse.Namespace, ctx: Context) -> int:
    box = sharps.open_container(ctx.db, args.room, label=args.label, by=ctx.actor)
    ctx.emit(
        box.as_dict(),
        f"Sharps {box.name} opened at {box.room}, {_when(box.opened_at, _zone(ctx))}.",
    )
    return 0


def _sharps_seal(args: argparse.Namespace, ctx: Context) -> int:
    box = sharps.seal(ctx.db, args.container, by=ctx.actor)
    ctx.emit(
        box.as_dict(),
        f"Sharps {box.name} at {box.room} sealed, {_when(box.sealed_at, _zone(ctx))}, with "
        f"{box.cartridges} used unit(s) in it. Open a new one there before the next session.",
    )
    return 0


def _sharps_collect(args: argparse.Namespace, ctx: Context) -> int:
    box = sharps.collect(ctx.db, args.container, collector_ref=args.collector_ref, by=ctx.actor)
    ctx.emit(
        box.as_dict(),
        f"Sharps {box.name} collected, {_when(box.collected_at, _zone(ctx))}, collector's "
        f"reference {box.collector_ref}.",
    )
    return 0


def _sharps_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        rows = sharps.list_containers(conn, room=args.room, state=args.state)
        tz = clinic_tz(conn)
    ctx.emit(
        [r.as_dict() for r in rows],
        table(
            ["#", "Room", "Label", "State", "Opened", "Sealed", "Collected", "Reference", "Units"],
            [
                [
                    r.id,
                    r.room,
                    r.label,
                    r.state,
                    f"{_when(r.opened_at, tz)} {r.opened_by}",
                    f"{_when(r.sealed_at, tz)} {r.sealed_by or ''}".strip(),
                    f"{_when(r.collected_at, tz)} {r.collected_by or ''}".strip(),
                    r.collector_ref or "",
                    r.cartridges,
                ]
                for r in rows
            ],
        ),
    )
    return 0


# --- sterilizer ------------------------------------------------------------------------


def _packs_table(packs: list[sterilizer.Pack]) -> str:
    return table(
        ["Pack", "Description", "State", "Session"],
        [[p.code, p.description, p.state, p.session_id or ""] for p in packs],
    )


def _exposure_table(rows: list[sterilizer.Exposure], tz: ZoneInfo) -> str:
    return table(
        ["Session", "Opened", "Practitioner", "Pack", "Cycle"],
        [
            [r.session_id, _when(r.opened_at, tz), r.practitioner, r.pack_code, r.cycle_number]
            for r in rows
        ],
    )


def _cycle_report(ctx: Context, cycle: sterilizer.Cycle, head: str) -> int:
    """The cycle, and when an indicator failed, its quarantined packs and who is exposed."""
    with ctx.db.read() as conn:
        tz = clinic_tz(conn)
        exposed = sterilizer.failed_bi_exposure(conn, cycle.id) if cycle.bi_result == "fail" else []
    parts = [head, _packs_table(list(cycle.packs))]
    if cycle.failed:
        which = " and ".join(
            name
            for name, result in (
                ("chemical", cycle.chemical_result),
                ("biological", cycle.bi_result),
            )
            if result == "fail"
        )
        parts.append(
            f"FAILED {which} indicator: {len(cycle.quarantined)} pack(s) of this load are "
            "quarantined; do not use them: "
            + (", ".join(p.code for p in cycle.quarantined) or "(none)")
            + "."
        )
    if cycle.bi_result == "fail":
        parts.append(
            f"{len(exposed)} session(s) used packs of this load, or of earlier loads of "
            f"{cycle.sterilizer} since its last passed biological indicator:\n"
            + _exposure_table(exposed, tz)
        )
    data = cycle.as_dict() | {"exposed": [e.as_dict() for e in exposed]}
    ctx.emit(data, "\n".join(parts))
    return 0


def _cycle_add(args: argparse.Namespace, ctx: Context) -> int:
    cycle = sterilizer.add_cycle(
        ctx.db,
        sterilizer=args.sterilizer,
        cycle_number=args.cycle,
        temperature_c=args.temperature,
        pressure_kpa=args.pressure,
        holding_minutes=args.holding,
        load_contents=args.load,
        packs=args.pack,
        chemical=args.chemical,
        bi=args.bi,
        run_at=args.at,
        by=ctx.actor,
    )
    head = (
        f"Cycle {cycle.cycle_number} of {cycle.sterilizer} recorded as cycle {cycle.id} "
        f"({_when(cycle.run_at, _zone(ctx))}, {cycle.temperature_c:g} °C, "
        f"{cycle.pressure_kpa:g} kPa, {cycle.holding_minutes:g} min; {cycle.result_words}). "
        "Write each pack's code on its pouch:"
    )
    return _cycle_report(ctx, cycle, head)


def _cycle_bi(args: argparse.Namespace, ctx: Context) -> int:
    cycle = sterilizer.read_bi(ctx.db, args.cycle, args.result, by=ctx.actor)
    head = (
        f"Biological indicator of cycle {cycle.cycle_number} of {cycle.sterilizer}: "
        f"{cycle.bi_result}, read by {cycle.bi_read_by}."
    )
    return _cycle_report(ctx, cycle, head)


def _cycles(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        tz = clinic_tz(conn)
        since = None
        if args.since is not None:
            since = datetime.combine(args.since, time(), tzinfo=tz)
        rows = sterilizer.list_cycles(conn, since)
    ctx.emit(
        [r.as_dict() for r in rows],
        table(
            [
                "#",
                "Sterilizer",
                "Cycle",
                "Run",
                "°C",
                "kPa",
                "Min",
                "Chemical",
                "Biological",
                "Packs",
            ],
            [
                [
                    r.id,
                    r.sterilizer,
                    r.cycle_number,
                    _when(r.run_at, tz),
                    f"{r.temperature_c:g}",
                    f"{r.pressure_kpa:g}",
                    f"{r.holding_minutes:g}",
                    r.chemical_result,
                    r.bi_result,
                    ", ".join(f"{p.code} {p.state}" for p in r.packs),
                ]
                for r in rows
            ],
        ),
    )
    return 0


def _use_pack(args: argparse.Namespace, ctx: Context) -> int:
    try:
        used = sterilizer.use_pack(ctx.db, args.session, args.pack, by=ctx.actor)
    except ScanRefused as error:
        return refused(ctx, error)
    ctx.emit(used.as_dict() | {"accepted": True}, "OK: " + used.message)
    return 0
