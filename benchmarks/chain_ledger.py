"""A clinic chain's five years, generated fast: units, sessions, uses, refusals, waste, recalls.

Why: the benchmarks (benchmarks/run_all.py) must measure the app on a ledger the size of a
busy chain (1,000,000 units, 500,000 sessions), and that ledger must pass every check the
app makes (``audit verify --key``, the start-up checks). Going through the services one
scan at a time would take hours, so the people, settings and catalogue are made by the
app's services, and the rest is simulated in time order and written in big transactions
of Core ``insert()`` executemany. Every row that the app binds to its audit event gets
the event it would have got, built with the app's own functions (``audit.canonical``,
``audit.event_hash``, ``seal.seal``/``seal.evolve``, ``bindings.binding``), so the chain,
the seals and the bindings are exactly those the per-event writer would have made.

Run: .venv/bin/python benchmarks/chain_ledger.py --db sqlite:///PATH --units N --sessions M
or:  python main.py --db sqlite:///PATH demo --units N --sessions M
SQLite only (ids are given explicitly, which PostgreSQL's sequences would not follow).
"""

from __future__ import annotations

import argparse
import heapq
import random
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, bindparam, insert, update  # noqa: E402

from inventory import audit, catalog, seal, settings, staff  # noqa: E402
from inventory.access import Actor  # noqa: E402
from inventory.audit import writer  # noqa: E402
from inventory.barcode import element_string, unit_code_text  # noqa: E402
from inventory.bindings import binding  # noqa: E402
from inventory.clock import FixedClock, is_expired  # noqa: E402
from inventory.db import HEAD_INFO, IDS_INFO, Database  # noqa: E402
from inventory.errors import LedgerError  # noqa: E402
from inventory.models import AuditEvent, Lot, Receipt, SealState, Unit  # noqa: E402
from inventory.rawsql import Raw  # noqa: E402
from sterility import clients  # noqa: E402
from sterility.models import (  # noqa: E402
    Recall,
    RecallItem,
    Refusal,
    TreatmentSession,
    UnitHold,
    UnitUse,
)

YEARS = 5
PASSWORD = "demo"
CLINIC = {
    "clinic_name": "Harbour Skin Clinics (chain)",
    "licence_number": "NSW-SK-2026-0142",
    "timezone": "Australia/Sydney",
}
# (name, role, scope in mm): the chain's accounts. The demo's four come first, so the
# demo's sign-ins ("Demo Manager", "Demo Inspector", password "demo") work here too.
STAFF = [
    ("Demo Manager", "manager", None),
    ("Dr Amira Haddad", "practitioner", None),
    ("李静 (Li Jing)", "practitioner", "0.5"),
    ("Demo Inspector", "inspector", None),
    ("Sam Okafor", "practitioner", None),
    ("Elena Petrova", "practitioner", "1.0"),
    ("Priya Raman", "practitioner", None),
    ("Tomás Ferreira", "practitioner", "0.5"),
    ("Grace Liu", "practitioner", None),
    ("Noah Williams", "manager", None),
]
SUPPLIERS = ["MedSupply Pty Ltd", "DermaDirect", "Southern Clinical Supplies"]
DEVICES = ["Pen model A6", "Pen model A6", "Dermapen 4", "Roller (manual)"]
# (area, planned depth mm, weight)
AREAS = [
    ("face", "0.5", 30),
    ("face", "1.0", 18),
    ("neck", "0.5", 12),
    ("decolletage", "0.5", 8),
    ("scalp", "1.5", 10),
    ("body", "2.0", 8),
    ("face", "0.25", 14),
]
FLUSH_EVENTS = 50_000  # audit events per write transaction


@dataclass
class _Lot:
    id: int
    product: int
    number: str
    expiry: date
    units: deque[tuple[int, str]] = field(default_factory=deque)  # (unit id, code) on shelf
    recalled: bool = False


@dataclass
class _Product:
    id: int
    gtin: str
    name: str
    length_um: int
    per_pack: int
    roller: bool
    lots: deque[_Lot] = field(default_factory=deque)  # first to expire first


def _letters(n: int) -> str:
    """A roller's serial in letters (digits could read as a typed group separator)."""
    out = ""
    while n:
        n, r = divmod(n, 26)
        out = chr(65 + r) + out
    return "S" + out


class Chain:
    """The audit trail, continued in memory exactly as ``audit.record`` would, then flushed.

    The event hash, the seal and the key's move are the writer's own functions; the
    seal state is moved on once per flush (the same compare-and-set as the writer's).
    """

    def __init__(self, conn: Connection) -> None:
        raw = Raw(conn)
        last = raw.one(writer._LAST)
        self.number, self.prev = (last[0], last[1]) if last else (0, audit.GENESIS)
        state = raw.one(writer._SEAL_STATE)
        if state is None or state[0] != self.number or state[1] == audit.NO_KEY:
            raise LedgerError("The ledger's seal is not at its newest event: cannot continue.")
        self.position, self.key = state[0], bytes.fromhex(state[1])
        self.rows: list[dict[str, Any]] = []

    def record(
        self,
        at: datetime,
        by: Actor,
        action: str,
        entity: str,
        entity_id: object,
        old: Any = None,
        new: Any = None,
        row: audit.Binding | None = None,
    ) -> None:
        number = self.number + 1
        old_text, new_text = audit.canonical(old), audit.canonical(new)
        at = at.astimezone(UTC)
        key, staff_id = str(entity_id), by.staff_id or None
        digest = audit.event_hash(
            number, at, by.name, action, entity, key, old_text, new_text, self.prev, staff_id, row
        )
        sealed = seal.seal(self.key, digest)
        self.key = seal.evolve(self.key)
        self.rows.append(
            {
                "id": number,
                "at": at,
                "actor": by.name,
                "staff_id": staff_id,
                "action": action,
                "entity": entity,
                "entity_id": key,
                "old_values": old_text,
                "new_values": new_text,
                "prev_hash": self.prev,
                "hash": digest,
                "row_table": row[0] if row else None,
                "row_id": row[1] if row else None,
                "row_digest": row[2] if row else None,
                "seal": sealed,
            }
        )
        self.number, self.prev = number, digest

    def flush(self, conn: Connection) -> None:
        if not self.rows:
            return
        conn.execute(insert(AuditEvent), self.rows)
        moved = conn.execute(
            update(SealState)
            .where(SealState.id == 1, SealState.position == self.position)
            .values(position=self.number, key=self.key.hex())
        )
        if moved.rowcount != 1:
            raise writer.SealOutOfStep("The seal moved while the generator was writing.")
        self.position, self.rows = self.number, []
        conn.info[HEAD_INFO] = (self.number, self.prev)  # lost_writes' head file follows


@dataclass
class _Plan:
    """One session: who, where, how deep, and when its steps happen."""

    id: int
    by: Actor
    client: str
    area: str
    depth_um: int
    device: str
    steps: list[tuple[datetime, str]]  # (when, "open" | "use" | "refuse:<kind>" | "close")


class Generator:
    """Simulates the chain in time order and buffers the rows of each table for bulk writes."""

    def __init__(self, db: Database, cast: dict[str, Actor], products: list[_Product],
                 seed: int, tz: ZoneInfo) -> None:
        self.db, self.cast, self.products, self.tz = db, cast, products, tz
        self.rng = random.Random(seed)
        self.treating = [a for a in cast.values() if a.role == "practitioner"]
        self.managers = [a for a in cast.values() if a.role == "manager"]
        self.by_length: dict[int, list[_Product]] = {}
        for p in products:
            self.by_length.setdefault(p.length_um, []).append(p)
        self.buf: dict[str, list[dict[str, Any]]] = {}
        self.status: list[dict[str, Any]] = []  # unit status changes, applied after inserts
        self.ids = {"receipt": 0, "lot": 0, "unit": 0, "session": 0, "use": 0, "refusal": 0,
                    "hold": 0, "recall": 0, "recall_item": 0}
        self.counts = {"products": len(products), "units": 0, "sessions": 0, "uses": 0,
                       "refusals": 0, "wasted": 0, "quarantined": 0, "returned": 0,
                       "recalls": 0, "receipts": 0, "events": 0}
        self.used: list[str] = []  # a few used codes, for "already used" refusals
        self.clients: dict[str, clients.StoredClient] = {}
        self.keys = self.managers[0].keys
        self.chain: Chain | None = None

    # --- buffers --------------------------------------------------------------------

    def _next(self, name: str) -> int:
        self.ids[name] += 1
        return self.ids[name]

    def _row(self, table: str, values: dict[str, Any]) -> None:
        self.buf.setdefault(table, []).append(values)

    def flush(self, conn: Connection) -> None:
        order = [("receipt", Receipt), ("lot", Lot), ("unit", Unit),
                 ("session", TreatmentSession), ("use", UnitUse), ("refusal", Refusal),
                 ("recall", Recall), ("recall_item", RecallItem), ("hold", UnitHold)]
        for name, model in order:
            rows = self.buf.pop(name, None)
            if rows:
                conn.execute(insert(model), rows)
        if self.status:
            u = Unit.__table__
            conn.execute(
                update(u).where(u.c.id == bindparam("uid")).values(
                    status=bindparam("s"), status_reason=bindparam("r"),
                    status_changed_at=bindparam("t")),
                self.status,
            )
            self.status = []
        assert self.chain is not None
        self.counts["events"] += len(self.chain.rows)
        self.chain.flush(conn)
        conn.info[IDS_INFO] = {"receipt": self.ids["receipt"],
                               "treatment_session": self.ids["session"]}

    # --- the story ------------------------------------------------------------------

    def deliver(self, at: datetime, units: int) -> None:
        """One receipt: a few lots of each product, as receiving.receive records them."""
        assert self.chain is not None
        by = self.rng.choice(self.managers)
        rid = self._next("receipt")
        values = {"supplier": self.rng.choice(SUPPLIERS), "invoice": f"INV-{rid:06d}",
                  "received_by": by.name, "received_by_id": by.staff_id, "received_at": at}
        self._row("receipt", {"id": rid, **values})
        self.chain.record(at, by, "create", "receipt", rid,
                          new={"supplier": values["supplier"], "invoice": values["invoice"]},
                          row=binding("receipt", rid, values))
        self.counts["receipts"] += 1
        weights = [self._demand(p) for p in self.products]
        shares = [int(units * w / sum(weights)) for w in weights]
        shares[max(range(len(shares)), key=lambda i: shares[i])] += units - sum(shares)
        seq = 0
        for product, share in zip(self.products, shares, strict=True):
            if share <= 0:
                continue
            lots = 1 if share < 200 else self.rng.randint(1, 3)
            for k in range(lots):
                count = share // lots + (share % lots if k == 0 else 0)
                if count <= 0:
                    continue
                short = self.rng.random() < 0.04  # a short-dated lot: expires on the shelf
                days = self.rng.randint(45, 120) if short else self.rng.randint(500, 1100)
                lot_id = self._next("lot")
                # No "0029" inside: the reader takes it for a separator typed as Alt+0029.
                number = f"L{self.rng.randint(10, 99)}{lot_id:06d}".replace("0029", "0A29")
                lot = _Lot(lot_id, product.id, number, (at + timedelta(days=days)).date())
                production = (at - timedelta(days=self.rng.randint(20, 200))).date()
                self._row("lot", {"id": lot.id, "product_id": product.id,
                                  "lot_number": lot.number, "expiry": lot.expiry,
                                  "production": production, "created_at": at})
                # Rollers carry one serial each (one scan per roller); cartridges come
                # in boxes (one scan per box line here, its units counted from it).
                scans = ([(1, _letters(self.ids["unit"] + i + 1)) for i in range(count)]
                         if product.roller else [(count, None)])
                for n, serial in scans:
                    codes = []
                    for _ in range(n):
                        uid = self._next("unit")
                        seq += 1
                        code = unit_code_text(rid, seq)
                        codes.append(code)
                        self._row("unit", {"id": uid, "product_id": product.id,
                                           "lot_id": lot.id, "receipt_id": rid, "code": code,
                                           "serial": serial, "status": "in_stock",
                                           "status_reason": None, "status_changed_at": at})
                        lot.units.append((uid, code))
                    self.chain.record(at, by, "receive", "lot", lot.id, new={
                        "receipt": rid, "gtin": product.gtin, "lot": lot.number,
                        "expiry": lot.expiry, "serial": serial, "units": n,
                        "first_unit": codes[0], "last_unit": codes[-1],
                        "scanned": element_string(product.gtin, lot.expiry, lot.number, serial,
                                                  production=production)})
                self.counts["units"] += count
                product.lots.append(lot)
            product.lots = deque(sorted(product.lots, key=lambda lt: lt.expiry))

    def _demand(self, product: _Product) -> float:
        total = sum(w for _a, d, w in AREAS if int(float(d) * 1000) == product.length_um)
        share = 0.15 if product.roller else 0.85
        if len(self.by_length.get(product.length_um, [])) == 1:
            share = 1.0
        return total * share + 0.5

    def plan_session(self, opened: datetime) -> _Plan:
        rng = self.rng
        area, depth, _w = rng.choices(AREAS, weights=[w for *_x, w in AREAS])[0]
        depth_um = int(float(depth) * 1000)
        allowed = [a for a in self.treating if a.max_depth_um is None or a.max_depth_um >= depth_um]
        by = rng.choice(allowed)
        steps = [(opened, "open")]
        t = opened
        roll = rng.random()
        if roll < 0.012:
            steps.append((t := t + timedelta(minutes=1), "refuse:already_used"))
        elif roll < 0.018:
            steps.append((t := t + timedelta(minutes=1), "refuse:unknown_code"))
        elif roll < 0.022:
            steps.append((t := t + timedelta(minutes=1), "refuse:deeper_than_planned"))
        if rng.random() < 0.004:
            steps.append((t := t + timedelta(minutes=1), "waste"))  # dropped before use
        for _ in range(2 if rng.random() < 0.12 else 1):  # a jammed cartridge is replaced
            steps.append((t := t + timedelta(minutes=rng.randint(2, 20)), "use"))
        steps.append((t + timedelta(minutes=rng.randint(20, 50)), "close"))
        return _Plan(self._next("session"), by, f"C-{rng.randint(10000, 39999)}", area,
                     depth_um, rng.choice(DEVICES), steps)

    def step(self, plan: _Plan, at: datetime, kind: str) -> None:
        assert self.chain is not None
        chain, by = self.chain, plan.by
        if kind == "open":
            stored = self.clients.get(plan.client)
            if stored is None:
                stored = self.clients[plan.client] = clients.store(self.keys, plan.client)
            values = {"practitioner": by.name, "practitioner_id": by.staff_id,
                      "area": plan.area, "planned_depth_um": plan.depth_um,
                      "device": plan.device}
            self._row("session", {"id": plan.id, **values, "client_cipher": stored.cipher,
                                  "client_key": stored.key, "opened_by": by.name,
                                  "opened_by_id": by.staff_id, "opened_at": at,
                                  "closed_by": by.name, "closed_by_id": by.staff_id,
                                  "closed_at": plan.steps[-1][0]})
            chain.record(at, by, "open", "session", plan.id,
                         new=values | {"client": stored.key})
            self.counts["sessions"] += 1
        elif kind == "close":
            chain.record(at, by, "close", "session", plan.id, old={"closed_at": None},
                         new={"closed_at": at.isoformat()})
        elif kind == "use":
            self._use(plan, at)
        elif kind == "waste":
            found = self._take(plan, at)
            if found is not None:
                self._move([found], "waste", "in_stock", "wasted", "dropped on the floor",
                           self.rng.choice(self.managers), at)
        elif kind == "refuse:already_used" and self.used:
            code = self.rng.choice(self.used)
            self._refuse(plan, at, None, code, "already_used",
                         f"Unit {code} was already used in an earlier session. A unit is "
                         "used once: take a new one.")
        elif kind == "refuse:unknown_code":
            code = f"U{self.ids['receipt'] + 900}-{self.rng.randint(1, 999):03d}"
            self._refuse(plan, at, None, code, "unknown_code",
                         f"No unit with code {code} was ever received here. Check the label.")
        elif kind == "refuse:deeper_than_planned":
            deeper = [p for p in self.products if p.length_um > plan.depth_um and p.lots]
            if deeper and (found := self._take(plan, at, deeper[0])) is not None:
                uid, code = found
                deeper[0].lots[0].units.appendleft(found)  # back on the shelf
                self._refuse(plan, at, uid, code, "deeper_than_planned",
                             f"Unit {code} has {deeper[0].length_um / 1000:g} mm needles, deeper "
                             f"than the {plan.depth_um / 1000:g} mm planned for this session.")

    def _take(self, plan: _Plan, at: datetime,
              product: _Product | None = None) -> tuple[int, str] | None:
        """The next unit off the shelf for this depth; an expired lot is refused, then wasted."""
        if product is None:
            choices = [p for p in self.by_length.get(plan.depth_um, []) if p.lots]
            if not choices:  # none of that length left: the next shorter on the shelf
                shorter = [p for p in self.products if p.length_um < plan.depth_um and p.lots]
                if not shorter:
                    return None
                top = max(p.length_um for p in shorter)
                choices = [p for p in shorter if p.length_um == top]
            weights = [0.15 if p.roller else 0.85 for p in choices]
            product = self.rng.choices(choices, weights=weights)[0]
        while product.lots:
            lot = product.lots[0]
            if not lot.units:
                product.lots.popleft()
                continue
            if is_expired(lot.expiry, at, self.tz):
                uid, code = lot.units[0]
                self._refuse(plan, at, uid, code, "expired",
                             f"Unit {code} expired on {lot.expiry.isoformat()}. Do not use it; "
                             "take a unit from an unexpired lot.")
                manager = self.rng.choice(self.managers)
                self._move(list(lot.units), "waste", "in_stock", "wasted",
                           "expired, discarded", manager, at)
                lot.units.clear()
                product.lots.popleft()
                continue
            return lot.units.popleft()
        return None

    def _use(self, plan: _Plan, at: datetime) -> None:
        found = self._take(plan, at)
        if found is None:
            return
        uid, code = found
        assert self.chain is not None
        use_id = self._next("use")
        use = {"unit_id": uid, "session_id": plan.id, "used_by": plan.by.name,
               "used_by_id": plan.by.staff_id, "used_at": at, "deeper_confirmed": False}
        self._row("use", {"id": use_id, **use})
        self.status.append({"uid": uid, "s": "used", "r": None, "t": at})
        self.chain.record(at, plan.by, "use", "unit", code, old={"status": "in_stock"},
                          new={"status": "used", "session": plan.id, "deeper_confirmed": False},
                          row=binding("unit_use", use_id, use))
        self.counts["uses"] += 1
        if len(self.used) < 1000:
            self.used.append(code)
        elif self.rng.random() < 0.01:
            self.used[self.rng.randrange(1000)] = code

    def _refuse(self, plan: _Plan, at: datetime, unit_id: int | None, scanned: str,
                reason: str, message: str) -> None:
        assert self.chain is not None
        rid = self._next("refusal")
        values = {"session_id": plan.id, "unit_id": unit_id, "scanned": scanned,
                  "reason": reason, "message": message, "refused_by": plan.by.name,
                  "refused_by_id": plan.by.staff_id, "refused_at": at}
        self._row("refusal", {"id": rid, **values})
        self.chain.record(at, plan.by, "refuse", "refusal", rid,
                          new={"session": plan.id, "reason": reason, "scanned": scanned},
                          row=binding("refusal", rid, values))
        self.counts["refusals"] += 1

    def _move(self, units: list[tuple[int, str]], action: str, old: str, to: str, reason: str,
              by: Actor, at: datetime) -> None:
        """As sterility.moves.move_units: one hold row and one bound event per unit."""
        assert self.chain is not None
        for uid, code in units:
            hid = self._next("hold")
            row = {"unit_id": uid, "action": action, "reason": reason, "held_by": by.name,
                   "held_by_id": by.staff_id, "held_at": at}
            self._row("hold", {"id": hid, **row})
            self.chain.record(at, by, action, "unit", code, old={"status": old},
                              new={"status": to, "reason": reason},
                              row=binding("unit_hold", hid, row))
            self.status.append({"uid": uid, "s": to, "r": reason, "t": at})
        self.counts[to] = self.counts.get(to, 0) + len(units)
        if old == "quarantined":
            self.counts["quarantined"] -= len(units)

    def recall(self, at: datetime, n: int) -> _Lot | None:
        """A maker's notice against a lot in use: quarantine what is on the shelf."""
        assert self.chain is not None
        lots = [lt for p in self.products if not p.roller for lt in p.lots
                if lt.units and not lt.recalled]
        if not lots:
            return None
        lot = lots[self.rng.randrange(len(lots))]
        product = next(p for p in self.products if p.id == lot.product)
        by = self.managers[0]
        rid = self._next("recall")
        reference = f"FSN-{at.year}-{100 + n}"
        notice_text = (f"Field Safety Notice {reference}: possible breach of the sterile barrier "
                       "seal on cartridges of the listed lot. Quarantine and return.")
        notice = {"reference": reference, "gtin": product.gtin, "notice_text": notice_text,
                  "notice_date": at.astimezone(self.tz).date(), "entered_by": by.name,
                  "entered_by_id": by.staff_id, "entered_at": at}
        self._row("recall", {"id": rid, **notice})
        self._row("recall_item", {"id": self._next("recall_item"), "recall_id": rid,
                                  "gtin": product.gtin, "lot_number": lot.number, "serial": None})
        self.chain.record(at, by, "create", "recall", rid, new={
            "reference": reference, "gtin": product.gtin, "lots": [lot.number], "serials": [],
            "notice_text": notice_text}, row=binding("recall", rid, notice))
        self._move(list(lot.units), "quarantine", "in_stock", "quarantined",
                   f"recall {reference}", by, at)
        lot.recalled = True
        product.lots.remove(lot)
        self.counts["recalls"] += 1
        return lot

    def return_recalled(self, lot: _Lot, at: datetime) -> None:
        units = list(lot.units)
        lot.units.clear()
        self._move(units, "return", "quarantined", "returned", "returned to supplier, RMA-"
                   f"{lot.id:05d}", self.managers[0], at)


def make_people(db: Database, at: datetime) -> tuple[dict[str, Actor], staff.ClinicSetup]:
    """The chain's accounts, made by the app's services; returns them and the setup's keys."""
    real = db.clock
    db.clock = FixedClock(at)
    try:
        setup = staff.setup_clinic(db, name=STAFF[0][0], password=PASSWORD, check_password=False)
        cast = {STAFF[0][0]: setup.actor}
        for name, role, depth in STAFF[1:]:
            info = staff.add_staff(db, name=name, role=role, password=PASSWORD,
                                   max_depth_mm=depth, by=setup.actor, check_password=False)
            # The generator writes rows in their names; their keys are not needed for it.
            cast[name] = Actor(info.id, info.name, role, info.max_depth_um)
        for key, value in CLINIC.items():
            settings.set_value(db, key, value, by=setup.actor)
    finally:
        db.clock = real
    return cast, setup


def make_products(db: Database, by: Actor, at: datetime) -> list[_Product]:
    from commands.demo_cmd import PRODUCTS, with_check_digit

    real = db.clock
    db.clock = FixedClock(at)
    made = []
    try:
        for body, maker, name, kind, needles, config, mm, steril, per_pack in PRODUCTS:
            info = catalog.add_product(
                db, gtin=with_check_digit(body), maker=maker, name=name, kind=kind,
                needle_count=needles, needle_config=config, needle_length_mm=mm,
                sterilization=steril, units_per_pack=per_pack, reorder_level=per_pack * 20,
                by=by)
            made.append(_Product(info.id, info.gtin, info.name, info.needle_length_um,
                                 per_pack, kind == "roller"))
    finally:
        db.clock = real
    return made


def generate(
    db: Database,
    *,
    units: int,
    sessions: int,
    seed: int = 7,
    today: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, int], str, str]:
    """Fill an empty SQLite ledger; returns the counts, the verification key, the recovery code."""
    if db.dialect != "sqlite":
        raise LedgerError("The chain generator writes SQLite ledgers only.", code="sqlite_only")
    tz = ZoneInfo(CLINIC["timezone"])
    end = (today or datetime.now(UTC)).astimezone(UTC) - timedelta(hours=2)
    days = YEARS * 365
    first_day = (end - timedelta(days=days)).astimezone(tz).date()
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=tz).astimezone(UTC)
    cast, setup = make_people(db, start - timedelta(hours=3))
    manager = cast[STAFF[0][0]]
    products = make_products(db, manager, start - timedelta(hours=2))
    gen = Generator(db, cast, products, seed, tz)
    real = db.clock
    db.clock = FixedClock(start)
    t0 = time.perf_counter()
    # Deliveries: the first stocks the shelves, then one a week matched to the chain's
    # growing demand; what is left over arrives in the last ten weeks (stock on the shelf
    # at the end), or, with fewer units than sessions need, every week gets less.
    weeks = days // 7
    demand = sessions * 1.15
    first = max(1, min(units // 3, int(demand / weeks * 12)))
    growth = [1.0 + w / weeks for w in range(weeks)]
    base = [demand * g / sum(growth) for g in growth]
    scale = min(1.0, (units - first) / max(1.0, sum(base)))
    per_week = [int(b * scale) for b in base]
    left = units - first - sum(per_week)
    tail = min(10, weeks)
    for w in range(weeks - tail, weeks):
        per_week[w] += left // tail
    per_week[-1] += units - first - sum(per_week)
    day_weights = [(1.0 + d / days) if (start + timedelta(days=d)).astimezone(tz).weekday() < 6
                   else 0.0 for d in range(days)]
    total_w = sum(day_weights)
    per_day = [int(sessions * w / total_w) for w in day_weights]
    short = sessions - sum(per_day)
    for d in sorted(range(days), key=lambda i: -day_weights[i])[:short]:
        per_day[d] += 1
    recall_days = {int(days * 0.4): 0, int(days * 0.8): 1}
    returns: dict[int, list[_Lot]] = {}
    try:
        with db.write() as conn:
            gen.chain = Chain(conn)
        for d in range(days):
            local = (start + timedelta(days=d)).astimezone(tz).date()
            opening = datetime(local.year, local.month, local.day, 9, tzinfo=tz).astimezone(UTC)
            step_list: list[tuple[datetime, int, _Plan, str]] = []
            if d in recall_days:
                lot = gen.recall(opening - timedelta(hours=1, minutes=30), recall_days[d])
                if lot is not None:
                    returns.setdefault(d + 7, []).append(lot)
            for lot in returns.pop(d, []):
                gen.return_recalled(lot, opening - timedelta(hours=1, minutes=15))
            if d == 0:
                gen.deliver(opening - timedelta(hours=1), first)
            elif d % 7 == 0 and d // 7 - 1 < weeks:
                gen.deliver(opening - timedelta(hours=1), per_week[d // 7 - 1])
            seq = 0
            for _ in range(per_day[d]):
                opened = opening + timedelta(seconds=gen.rng.randint(0, 9 * 3600))
                plan = gen.plan_session(opened)
                for at, kind in plan.steps:
                    seq += 1
                    step_list.append((at, seq, plan, kind))
            heapq.heapify(step_list)
            while step_list:
                at, _s, plan, kind = heapq.heappop(step_list)
                gen.step(plan, at, kind)
            assert gen.chain is not None
            if len(gen.chain.rows) >= FLUSH_EVENTS or d == days - 1:
                with db.write() as conn:
                    gen.flush(conn)
                if progress is not None:
                    progress(f"day {d + 1}/{days}: {gen.counts['events']:,} events, "
                             f"{gen.counts['units']:,} units, {gen.counts['sessions']:,} "
                             f"sessions ({time.perf_counter() - t0:.0f} s)")
        # Units still owed by the week plan (a story shorter than its weeks): one last box.
        if gen.counts["units"] < units:
            gen.deliver(end - timedelta(hours=1), units - gen.counts["units"])
            with db.write() as conn:
                gen.flush(conn)
        with db.write() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        db.clock = real
    gen.counts.pop("events")
    with db.read() as conn:
        gen.counts["events"] = int(Raw(conn).one(writer._LAST)[0])
    return gen.counts, setup.verification_key, setup.recovery_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="sqlite:///PATH of a new ledger")
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from inventory.ledger import open_ledger

    db = open_ledger(args.db)
    t0 = time.perf_counter()
    counts, key, _code = generate(db, units=args.units, sessions=args.sessions, seed=args.seed,
                                  progress=lambda line: print(line, flush=True))
    db.dispose()
    print(f"generated in {time.perf_counter() - t0:.1f} s: {counts}")
    print(f"verification key: {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
