"""Quarantine, release, waste and return: the ways a unit leaves the shelf other than use.

A target is a unit (its code or the maker's serial) or a whole lot (its number); a
return may also take a recall's stock on hand. Each unit that changes gets its own
``unit_hold`` row and audit event with old and new status and the reason
(sterility.moves).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, or_, select

from inventory.access import Actor
from inventory.barcode import normalise_gtin
from inventory.db import Database
from inventory.errors import InvalidInput, LedgerError, NotFound
from inventory.models import Lot, Product, Unit
from inventory.text import clean
from sterility.models import Recall, RecallItem
from sterility.moves import move_units
from sterility.recalls import item_covers, named_units

# From which statuses each action may move a unit, and to which status.
MOVES = {
    "quarantine": ({"in_stock"}, "quarantined"),
    "release": ({"quarantined"}, "in_stock"),
    "waste": ({"in_stock", "quarantined"}, "wasted"),
    "return": ({"in_stock", "quarantined"}, "returned"),
}
# How a unit that may not move is named in the answer ("U1-001 is used").
IS = {
    "in_stock": "is in stock",
    "used": "is used",
    "quarantined": "is quarantined",
    "wasted": "is wasted",
    "returned": "was returned to the supplier",
}
GONE = {"used": "used", "wasted": "wasted", "returned": "returned to the supplier"}


@dataclass(frozen=True)
class HoldResult:
    action: str
    target: str
    changed: list[str]
    skipped: dict[str, str]

    def as_dict(self) -> dict[str, object]:
        return {
            "action": self.action,
            "target": self.target,
            "changed": self.changed,
            "skipped": self.skipped,
        }


def quarantine(
    db: Database, target: str, *, reason: str, by: Actor, gtin: str | None = None
) -> HoldResult:
    """Hold a unit or lot back (damaged package, dropped, suspected, recall pending)."""
    return _move(db, "quarantine", target, reason=reason, by=by, gtin=gtin)


def release(
    db: Database, target: str, *, reason: str, by: Actor, gtin: str | None = None
) -> HoldResult:
    """Return quarantined units to stock; a recalled unit is never released."""
    return _move(db, "release", target, reason=reason, by=by, gtin=gtin)


def waste(
    db: Database, target: str, *, reason: str, by: Actor, gtin: str | None = None
) -> HoldResult:
    """Discard units (opened but not used, dropped, package breached): final."""
    return _move(db, "waste", target, reason=reason, by=by, gtin=gtin)


def return_to_supplier(
    db: Database, target: str, *, reason: str, by: Actor, gtin: str | None = None
) -> HoldResult:
    """Send units back to the supplier (a recall, a wrong delivery) with a reason such as
    the supplier's RMA number: final. A used unit is never returned: it stays in the
    record of the session that used it."""
    return _move(db, "return", target, reason=reason, by=by, gtin=gtin)


def return_recall_stock(db: Database, recall_id: int, *, reason: str, by: Actor) -> HoldResult:
    """Return every unit a recall names that is still here (quarantined, or in stock when
    it arrived after the notice) to the supplier."""
    return _move(db, "return", f"recall {recall_id}", reason=reason, by=by, recall=recall_id)


def _move(
    db: Database,
    action: str,
    target: str,
    *,
    reason: str,
    by: Actor,
    gtin: str | None = None,
    recall: int | None = None,
) -> HoldResult:
    if action != "quarantine":
        by.require("holds")
    if not (reason or "").strip():
        raise InvalidInput(f"A reason is required to {action} a unit or lot.")
    reason = clean(reason, "reason", max_len=500)
    allowed_from, to_status = MOVES[action]
    with db.write() as conn:
        if recall is None:
            units = _resolve(conn, target.strip(), gtin)
        else:
            units = _recall_units(conn, recall)
        if action == "quarantine":
            one_unit = len(units) == 1 and _names_a_unit(units, target)
            by.require("quarantine_unit" if one_unit else "holds")
        now = db.now(conn)
        skipped: dict[str, str] = {}
        moving: list[tuple[int, str, str]] = []
        recalled = _recalled_codes(conn, units) if action == "release" else set()
        for unit in units:
            if unit.status not in allowed_from:
                skipped[unit.code] = IS.get(unit.status, f"is {unit.status.replace('_', ' ')}")
                continue
            if unit.code in recalled:
                skipped[unit.code] = "is under a recall and cannot be released"
                continue
            moving.append((unit.id, unit.code, unit.status))
        changed = move_units(
            conn, moving, action=action, to_status=to_status, reason=reason, by=by, now=now
        )
        if not changed and recall is not None:
            counts = Counter(unit.status for unit in units)
            held = ", ".join(f"{n} {GONE.get(s, s)}" for s, n in sorted(counts.items()))
            raise LedgerError(
                f"Nothing to return for recall {recall}: none of its units is still here "
                f"({held}).",
                code="nothing_to_do",
            )
        if not changed:
            why = "; ".join(f"{code} {text}" for code, text in list(skipped.items())[:5])
            raise LedgerError(f"Nothing to {action} in {target}: {why}.", code="nothing_to_do")
        return HoldResult(action, target, changed, skipped)


def _recall_units(conn: Connection, recall_id: int):
    """The units a recall names, in the shape of :func:`_resolve`'s."""
    if conn.execute(select(Recall.id).where(Recall.id == recall_id)).first() is None:
        raise NotFound(f"There is no recall {recall_id}.")
    units = conn.execute(
        select(Unit.id, Unit.code, Unit.status, Unit.serial, Product.gtin, Lot.lot_number)
        .join(Lot, Lot.id == Unit.lot_id)
        .join(Product, Product.id == Unit.product_id)
        .where(Unit.id.in_(named_units(recall_id)))
        .order_by(Unit.id)
    ).all()
    if not units:
        raise LedgerError(
            f"Nothing to return for recall {recall_id}: none of its units was received here.",
            code="nothing_to_do",
        )
    return units


def _resolve(conn: Connection, target: str, gtin: str | None):
    """Units named by a unit code or maker serial, else by a lot number."""
    columns = select(Unit.id, Unit.code, Unit.status, Unit.serial, Product.gtin, Lot.lot_number)
    columns = columns.join(Lot, Lot.id == Unit.lot_id).join(Product, Product.id == Unit.product_id)
    gtin14 = normalise_gtin(gtin) if gtin else None
    by_gtin = [Product.gtin == gtin14] if gtin14 else []
    units = conn.execute(
        columns.where(or_(Unit.code == target.upper(), Unit.serial == target), *by_gtin)
    ).all()
    if not units:
        units = conn.execute(
            columns.where(Lot.lot_number == target, *by_gtin).order_by(Unit.id)
        ).all()
    if not units:
        raise NotFound(f"No unit or lot called '{target}' was found.")
    products = {u.gtin for u in units}
    if len(products) > 1:
        raise InvalidInput(
            f"'{target}' names lots of several products ({', '.join(sorted(products))}); "
            "name the product (its GTIN) to say which."
        )
    return units


def _names_a_unit(units: list, target: str) -> bool:
    """The target is one unit's code or serial, not a lot that happens to hold one unit."""
    unit = units[0]
    return target.strip().upper() == unit.code or target.strip() == unit.serial


def _recalled_codes(conn: Connection, units: list) -> set[str]:
    items = conn.execute(
        select(RecallItem.gtin, RecallItem.lot_number, RecallItem.serial).where(
            RecallItem.gtin.in_({u.gtin for u in units})
        )
    ).all()
    return {
        u.code
        for u in units
        for item in items
        if item_covers(item, u.gtin, u.lot_number, u.serial, u.code)
    }
