"""demo: fill an empty ledger with a realistic clinic, for trying the app and screenshots."""

from __future__ import annotations

import argparse
import contextlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from biip.checksums import gs1_standard_check_digit
from sqlalchemy import func, select

from commands.context import Context, add_json_flag, whole
from commands.demo_equipment import Equipment
from commands.demo_treatment import Schedule, Treatment
from inventory import catalog, receiving, settings, staff
from inventory.access import Actor
from inventory.barcode import element_string
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.errors import LedgerError
from inventory.models import Product
from inventory.staff import has_staff
from sterility import holds, recalls, series, sessions
from sterility.chair import use_unit
from sterility.errors import ScanRefused

CLINIC = {
    "clinic_name": "Harbour Skin Clinic",
    "licence_number": "NSW-SK-2026-0142",
    "timezone": "Australia/Sydney",
    "clinic_contact": "02 9555 0142 · Level 1, 12 Harbour Street, Sydney NSW 2000",
}
# (GTIN without check digit, maker, name, kind, needles, config, mm, sterilisation, per pack)
PRODUCTS = [
    (
        "0950600010001",
        "Lumina MedTech",
        "Nano cartridge 0.25 mm",
        "pen_cartridge",
        36,
        "nano",
        "0.25",
        "EO",
        10,
    ),
    (
        "0950600010002",
        "Lumina MedTech",
        "12-pin cartridge 0.5 mm",
        "pen_cartridge",
        12,
        "round",
        "0.5",
        "EO",
        10,
    ),
    (
        "0950600010003",
        "Lumina MedTech",
        "12-pin cartridge 1.0 mm",
        "pen_cartridge",
        12,
        "round",
        "1.0",
        "EO",
        10,
    ),
    (
        "0950600010004",
        "Aurel Derm",
        "36-pin cartridge 1.5 mm",
        "pen_cartridge",
        36,
        "round",
        "1.5",
        "gamma",
        10,
    ),
    (
        "0950600010005",
        "Aurel Derm",
        "24-pin cartridge 2.0 mm",
        "pen_cartridge",
        24,
        "round",
        "2.0",
        "gamma",
        5,
    ),
    (
        "0950600010006",
        "Kestrel Instruments",
        "Derma roller 540 x 0.5 mm",
        "roller",
        540,
        "titanium",
        "0.5",
        "e-beam",
        1,
    ),
    (
        "0950600010007",
        "Kestrel Instruments",
        "Scalp roller 192 x 1.5 mm",
        "roller",
        192,
        "titanium",
        "1.5",
        "e-beam",
        1,
    ),
]
# What the demo made, in the order its summary tells it.
SUMMARY = (
    "products",
    "units",
    "sessions",
    "uses",
    "refusals",
    "pens",
    "pen_cleanings",
    "sharps_containers",
    "sharps_sealed",
    "sharps_collected",
    "sterilizer_cycles",
    "packs_used",
    "packs_quarantined",
    "form_versions",
    "confirmations",
    "screenings_overridden",
    "screenings_refused",
    "adverse_events",
)
DEMO_PASSWORD = "demo"
# (name, role, scope of practice in mm or None): the demo clinic's staff.
STAFF = [
    ("Demo Manager", "manager", None),
    ("Dr Amira Haddad", "practitioner", None),
    ("李静 (Li Jing)", "practitioner", "0.5"),  # an esthetician: 0.5 mm at most
    ("Demo Inspector", "inspector", None),
]


@dataclass
class Cast:
    """The demo's people, signed in: who does what in the story."""

    manager: Actor
    doctor: Actor
    esthetician: Actor
    recovery_code: str
    verification_key: str

    def treating(self, depth_mm: str, rng: random.Random) -> Actor:
        """Who treats at this depth: the esthetician only within her scope."""
        if float(depth_mm) <= 0.5 and rng.random() < 0.5:
            return self.esthetician
        return self.doctor


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="fill an empty ledger with a realistic demo clinic")
    demo.add_argument("--seed", type=whole, default=7)
    # A clinic chain's five years at benchmark scale (benchmarks/chain_ledger.py).
    demo.add_argument("--units", type=whole, help="generate a chain's ledger with this many units")
    demo.add_argument("--sessions", type=whole, help="and this many treatment sessions")
    add_json_flag(demo)
    demo.set_defaults(handler=_demo, sign_in=False)  # it makes the demo clinic's staff


def with_check_digit(body: str) -> str:
    """A demo GTIN from its first 13 digits (biip computes the GS1 check digit)."""
    return body + str(gs1_standard_check_digit(body))


def _demo(args: argparse.Namespace, ctx: Context) -> int:
    db = ctx.db
    with db.read() as conn:
        if has_staff(conn) or conn.execute(select(func.count()).select_from(Product)).scalar_one():
            raise LedgerError(
                "This ledger is already in use: the demo fills only an empty one. Point "
                "--db at a new file.",
                code="not_empty",
            )
    if args.units is not None or args.sessions is not None:
        return _chain(args, ctx)
    cast = make_staff(db)
    summary = fill(db, cast, seed=args.seed)
    _emit(ctx, summary, STAFF, cast.recovery_code, cast.verification_key)
    return 0


def _chain(args: argparse.Namespace, ctx: Context) -> int:
    """A chain's ledger, bulk-generated: the benchmarks' database (benchmarks/)."""
    from benchmarks.chain_ledger import STAFF as CHAIN_STAFF
    from benchmarks.chain_ledger import generate

    units = args.units if args.units is not None else 2 * (args.sessions or 0)
    sessions = args.sessions if args.sessions is not None else units // 2
    summary, key, code = generate(ctx.db, units=units, sessions=sessions, seed=args.seed)
    _emit(ctx, summary, CHAIN_STAFF, code, key)
    return 0


def _emit(
    ctx: Context,
    summary: dict[str, int],
    roster: list[tuple[str, str, str | None]],
    recovery_code: str,
    verification_key: str,
) -> None:
    """What the demo made, and the people and keys to try it with."""
    people = [
        {"name": name, "role": role, "password": DEMO_PASSWORD, "max_depth_mm": depth}
        for name, role, depth in roster
    ]
    staff_lines = "\n".join(
        f"  {p['name']} ({p['role']}"
        + (f", needles up to {p['max_depth_mm']} mm" if p["max_depth_mm"] else "")
        + ")"
        for p in people
    )
    ctx.emit(
        summary
        | {
            "staff": people,
            "recovery_code": recovery_code,
            "verification_key": verification_key,
        },
        "Demo clinic ready: "
        + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.items())
        + f".\nStaff, each with the password '{DEMO_PASSWORD}' (a demo only: real "
        "accounts need at least 8 characters):\n"
        + staff_lines
        + "\nThe demo ledger's verification key (checks the audit trail's seals: "
        f"audit verify --key KEY):\n  {verification_key}",
    )


def story_span(today: date | None, months: int) -> tuple[datetime, datetime]:
    """(first day, now) of the demo's story: ``months`` months up to ``today``."""
    now = (
        datetime.now(UTC)
        if today is None
        else datetime(today.year, today.month, today.day, 1, tzinfo=UTC)
    )
    return now - timedelta(days=30 * months), now


def make_staff(db: Database, *, today: date | None = None, months: int = 4) -> Cast:
    """The demo clinic's first manager, then its practitioners and inspector.

    Made at the start of the story (the ledger's time never runs backwards, so the
    clinic must exist before its first delivery).
    """
    real_clock = db.clock
    db.clock = FixedClock(story_span(today, months)[0] - timedelta(hours=1))
    try:
        return _make_staff(db)
    finally:
        db.clock = real_clock


def _make_staff(db: Database) -> Cast:
    setup = staff.setup_clinic(db, name=STAFF[0][0], password=DEMO_PASSWORD, check_password=False)
    for name, role, depth in STAFF[1:]:
        staff.add_staff(
            db,
            name=name,
            role=role,
            password=DEMO_PASSWORD,
            max_depth_mm=depth,
            by=setup.actor,
            check_password=False,
        )
    signed = {name: staff.sign_in(db, name, DEMO_PASSWORD).actor for name, _r, _d in STAFF[1:3]}
    return Cast(
        setup.actor,
        signed[STAFF[1][0]],
        signed[STAFF[2][0]],
        setup.recovery_code,
        setup.verification_key,
    )


def fill(
    db: Database, cast: Cast, *, seed: int = 7, today: date | None = None, months: int = 4
) -> dict[str, int]:
    """A clinic's last few months: deliveries, clients in series with their intakes and
    adverse events, refusals, waste, one recall, and the equipment around the chair
    (pens and their cleanings, sharps containers, sterilizer cycles and packs)."""
    manager = cast.manager
    rng = random.Random(seed)
    real_clock = db.clock
    start, now = story_span(today, months)
    clock = FixedClock(start)
    db.clock = clock
    tz = ZoneInfo(CLINIC["timezone"])
    first = start.astimezone(tz).date()

    def at(day: int, hour: int, minute: int) -> datetime:
        """The story's day ``day`` at a local time of the clinic, in UTC."""
        local = datetime.combine(first + timedelta(days=day), time(hour, minute), tzinfo=tz)
        return local.astimezone(UTC)

    def is_open(day: int) -> bool:
        return (first + timedelta(days=day)).weekday() < 6  # Monday to Saturday

    last_day = 1
    while at(last_day + 1, 18, 30) < now - timedelta(hours=6):
        last_day += 1
    counts = dict.fromkeys(SUMMARY, 0)
    try:
        for key, value in CLINIC.items():
            settings.set_value(db, key, value, by=manager)
        products = []
        for body, maker, name, kind, needles, config, mm, steril, per_pack in PRODUCTS:
            products.append(
                catalog.add_product(
                    db,
                    gtin=with_check_digit(body),
                    maker=maker,
                    name=name,
                    kind=kind,
                    needle_count=needles,
                    needle_config=config,
                    needle_length_mm=mm,
                    sterilization=steril,
                    units_per_pack=per_pack,
                    reorder_level=per_pack * 2,
                    by=manager,
                )
            )
        counts["products"] = len(products)
        kind_of = {p.gtin: p.kind for p in products}
        # The nano cartridge is below every concern's range: kept for the rare request,
        # bought a box at a time, and its first lot expires on the shelf.
        slow_seller = products[0].gtin
        # Units in stock by (needle length, kind), in the order they are taken.
        stock: dict[tuple[int, str], list[tuple[str, str]]] = {
            (p.needle_length_um, p.kind): [] for p in products
        }
        lots_of: dict[str, list[str]] = {}
        equipment = Equipment(db, manager, cast.doctor, clock, rng, at, counts=counts)
        equipment.fail_day = int(last_day * 0.55)
        schedule = Schedule(rng, is_open, last_day)
        treatment = Treatment(
            db,
            manager,
            cast.doctor,
            cast.esthetician,
            clock,
            rng,
            equipment,
            schedule,
            stock,
            counts,
            at,
            last_day,
        )

        def deliver(day: int, lot_expiry_days: list[int], boxes: int) -> None:
            equipment.move(at(day, 7, 0))
            scans = []
            for product in products:
                for expiry_days in lot_expiry_days:
                    lot = f"L{rng.randint(10000, 99999)}"
                    expiry = (start + timedelta(days=expiry_days)).date()
                    lots_of.setdefault(product.gtin, []).append(lot)
                    for _box in range(1 if product.gtin == slow_seller else boxes):
                        serial = (
                            f"S{rng.randint(100000, 999999)}" if product.kind == "roller" else None
                        )
                        scans.append(
                            (
                                product,
                                element_string(
                                    product.gtin,
                                    expiry,
                                    lot,
                                    serial,
                                    production=(start - timedelta(days=200)).date(),
                                ),
                            )
                        )
            result = receiving.receive(
                db,
                [s for _, s in scans],
                by=manager,
                supplier="MedSupply Pty Ltd",
                invoice=f"INV-{rng.randint(1000, 9999)}",
            )
            for line in result.lines:
                stock[(line.needle_length_um, kind_of[line.gtin])].extend(
                    (code, line.lot) for code in line.unit_codes
                )
            counts["units"] += result.units

        # An early delivery with a lot that expires during the period, then a fresh one;
        # the pens and the rooms' sharps containers ready before the first client.
        deliver(1, [75, 400], boxes=4)
        equipment.set_up(1)
        treatment.plan_story()
        # Day by day, in time order (the ledger's time never runs backwards): the
        # steriliser in the morning, the day's clients, the sharps in the evening, a
        # second delivery on day 60, a pen replaced, and a recall ten days before today.
        recall_day = (now.astimezone(tz).date() - timedelta(days=10) - first).days
        replace_day = treatment.day_of(0.78)
        for day in range(1, last_day + 1):
            if day == 60:
                deliver(60, [30 * months + 25, 30 * months + 70, 600], boxes=3)
            if day == replace_day:
                equipment.replace_pen(day)
            equipment.morning(day, (first + timedelta(days=day)).weekday())
            if is_open(day):
                treatment.forms_morning(day)
                treatment.new_clients(day)
                visits = schedule.by_day.pop(day, [])
                rng.shuffle(visits)
                equipment.move(at(day, 9, rng.randint(0, 20)))
                for visit in visits:
                    treatment.visit(day, visit)
                    clock.advance(minutes=rng.randint(5, 15))
                treatment.evening(day)
                equipment.evening(day)
            if day == recall_day:
                equipment.move(max(clock.at, at(day, 18, 0)))
                _recall_and_holds(db, cast, clock, rng, products, lots_of, stock)
        # Today's chair: a reused cartridge, an unknown label, recalled, quarantined and
        # expired stock, and too-long needles, each refused with its reason.
        equipment.move(now - timedelta(hours=5))
        info = sessions.open_session(
            db,
            client_ref="C-1099",
            area="face",
            depth_mm="0.5",
            by=cast.doctor,
            intake=treatment.chair_intake("texture", "Room 1"),
        )
        counts["sessions"] += 1
        for scan in [*_one_code_per_status(db), "U999-001"]:
            clock.advance(minutes=3)
            try:
                use_unit(db, info.id, scan, by=cast.doctor)
            except ScanRefused:
                counts["refusals"] += 1
        # The client is treated with a good cartridge; the pen is cleaned after.
        treatment.finish(info.id, cast.doctor, "Room 1")
        # The esthetician at her scope: a session planned too deep, then a long cartridge.
        clock.advance(minutes=20)
        with contextlib.suppress(ScanRefused):
            sessions.open_session(
                db,
                client_ref="C-1100",
                area="face",
                depth_mm="1.0",
                by=cast.esthetician,
                intake=treatment.chair_intake("fine_lines", "Room 2"),
            )
            counts["sessions"] += 1
        counts["refusals"] += 1
        info = sessions.open_session(
            db,
            client_ref="C-1100",
            area="face",
            depth_mm="0.5",
            by=cast.esthetician,
            intake=treatment.chair_intake("texture", "Room 2"),
        )
        counts["sessions"] += 1
        for scan in _one_code_per_status(db)[-1:]:  # a 2.0 mm cartridge
            clock.advance(minutes=2)
            try:
                use_unit(db, info.id, scan, by=cast.esthetician, allow_deeper=True)
            except ScanRefused:
                counts["refusals"] += 1
        with db.read() as conn:
            made = series.series_counts(conn, start, clock.at + timedelta(minutes=1))
        counts |= {f"series_{k}": v for k, v in made.as_dict().items()}
    finally:
        db.clock = real_clock
    return counts


def _recall_and_holds(
    db: Database,
    cast: Cast,
    clock: FixedClock,
    rng: random.Random,
    products: list[catalog.ProductInfo],
    lots_of: dict[str, list[str]],
    stock: dict[int, list[tuple[str, str]]],
) -> None:
    """A recall against a lot already used, a dropped roller, a breached package."""
    manager = cast.manager
    target = products[1]
    lot = lots_of[target.gtin][1]  # in use since the first delivery
    recalls.enter_recall(
        db,
        gtin=target.gtin,
        lots=[lot],
        reference="FSN-2026-117",
        notice_text="Field Safety Notice FSN-2026-117: possible breach of the sterile "
        "barrier seal on cartridges of the listed lot. Quarantine and return.",
        notice_date=clock.at.date(),
        by=manager,
    )
    for reason, hold in (
        ("dropped on the floor", holds.waste),
        ("package seal looks breached", holds.quarantine),
    ):
        pool = [code for units in stock.values() for code, _lot in units]
        with contextlib.suppress(LedgerError):
            hold(db, pool[rng.randrange(len(pool))], reason=reason, by=manager)


def _one_code_per_status(db: Database) -> list[str]:
    """A used, a recalled, a quarantined, an expired and a too-deep unit: each refusal."""
    from inventory.models import Lot, Unit

    with db.read() as conn:

        def first(*where: object) -> list[str]:
            query = select(Unit.code).join(Lot, Lot.id == Unit.lot_id).where(*where)
            return list(conn.execute(query.order_by(Unit.id).limit(1)).scalars())

        today = db.now(conn).date()
        return [
            *first(Unit.status == "used"),
            *first(Unit.status == "quarantined", Unit.status_reason.like("recall%")),
            *first(Unit.status == "quarantined", Unit.status_reason.not_like("recall%")),
            *first(Unit.status == "in_stock", Lot.expiry < today),
            *first(Unit.status == "in_stock", Unit.product_id == 5),
        ]
