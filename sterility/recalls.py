"""Recalls: a notice entered once quarantines the stock it names and traces its uses.

The notice text is kept verbatim. The chair checks recall items at every scan, so a
recalled unit is refused even if it arrives after the notice or is somehow released.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)

from inventory import audit
from inventory.access import Actor
from inventory.barcode import normalise_gtin
from inventory.bindings import binding
from inventory.catalog import product_by_gtin
from inventory.clock import local_date
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.keyring import Keyring
from inventory.models import UNIT_STATUSES, Lot, Product, Unit
from inventory.settings import clinic_tz
from inventory.stock import UnitRow, units_where
from inventory.text import clean
from sterility import clients
from sterility.models import Recall, RecallItem, TreatmentSession, UnitUse
from sterility.moves import move_units

# --- the one rule: which units a recall item names --------------------------------------
#
# An item names units of its GTIN; of its lot when it names one (a notice against serials
# of units received without a lot names none); of its serial when it names one (the maker's
# serial, or the unit code the app printed). The chair, quarantine, release, the trace,
# the dashboard and both reports all ask through these three forms of it.

MATCH_SQL = (
    "{ri}.gtin = {gtin} AND ({ri}.lot_number IS NULL OR {ri}.lot_number = {lot}) "
    "AND ({ri}.serial IS NULL OR {ri}.serial = {serial} OR {ri}.serial = {code})"
)
"""The rule as SQL text, for the reports' hand-written queries (fill in the names)."""


def item_names(
    item: Any,
    gtin: ColumnElement[Any],
    lot: ColumnElement[Any],
    serial: ColumnElement[Any],
    code: ColumnElement[Any],
) -> ColumnElement[bool]:
    """The rule as a SQLAlchemy condition between a recall item table and unit columns."""
    return and_(
        item.gtin == gtin,
        or_(item.lot_number.is_(None), item.lot_number == lot),
        or_(item.serial.is_(None), item.serial == serial, item.serial == code),
    )


def item_covers(item: Any, gtin: str, lot: str | None, serial: str | None, code: str) -> bool:
    """The rule in Python, for units already read."""
    return (
        item.gtin == gtin
        and item.lot_number in (None, lot)
        and item.serial in (None, serial, code)
    )


def named_units(recall_id: Any) -> Select[Any]:
    """Units that a recall's items name (a subquery of unit ids)."""
    return (
        select(Unit.id)
        .join(Lot, Lot.id == Unit.lot_id)
        .join(Product, Product.id == Unit.product_id)
        .join(
            RecallItem,
            item_names(RecallItem, Product.gtin, Lot.lot_number, Unit.serial, Unit.code),
        )
        .where(RecallItem.recall_id == recall_id)
    )


@dataclass(frozen=True)
class TraceRow:
    """One use of an affected unit: which client, by whom, when."""

    session_id: int
    used_at: datetime
    practitioner: str
    client_ref: str
    area: str
    unit_code: str
    serial: str | None
    gtin: str
    lot: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"used_at": self.used_at.isoformat()}


@dataclass(frozen=True)
class RecallResult:
    recall_id: int
    reference: str
    gtin: str
    lots: list[str]
    quarantined: list[str]
    trace: list[TraceRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "recall": self.recall_id,
            "reference": self.reference,
            "gtin": self.gtin,
            "lots": self.lots,
            "quarantined": self.quarantined,
            "trace": [row.as_dict() for row in self.trace],
        }


@dataclass(frozen=True)
class RecallInfo:
    id: int
    reference: str
    gtin: str
    notice_date: date
    notice_text: str
    entered_at: datetime
    closed_at: datetime | None
    close_note: str | None
    lots: list[str]
    closed_by: str | None = None
    """Who closed it (with ``closed_at`` and ``close_note``: how the notice was handled)."""


def enter_recall(
    db: Database,
    *,
    gtin: str,
    lots: list[str],
    reference: str,
    notice_text: str,
    notice_date: date | None = None,
    serials: list[str] | None = None,
    by: Actor,
) -> RecallResult:
    """Record a notice, quarantine every matching unit on the shelf, return the trace."""
    by.require("recalls")
    gtin14 = normalise_gtin(gtin)
    # Lots and serials are at most 20 characters in GS1: longer text cannot be a lot.
    lots = [clean(lot, "lot number", max_len=20) for lot in lots if lot.strip()]
    serials = [clean(s, "serial", max_len=20) for s in (serials or []) if s.strip()]
    if not lots and not serials:
        raise InvalidInput("A recall names at least one lot, or the serials it recalls.")
    reference = clean(reference, "recall notice's reference")
    if not notice_text.strip():
        raise InvalidInput("Keep the notice's text with the recall: it is required.")
    if serials and len(lots) > 1:
        raise InvalidInput("A recall of single serials names one lot, or none.")
    with db.write() as conn:
        product_by_gtin(conn, gtin14)  # an unknown GTIN is refused with its hint
        now = db.now(conn)
        notice = {
            "reference": reference,
            "gtin": gtin14,
            "notice_text": notice_text,
            "notice_date": notice_date or local_date(now, clinic_tz(conn)),
            "entered_by": by.name,
            "entered_by_id": by.staff_id or None,
            "entered_at": now,
        }
        recall_id = conn.execute(insert(Recall).values(**notice).returning(Recall.id)).scalar_one()
        items = [
            {"recall_id": recall_id, "gtin": gtin14, "lot_number": lot, "serial": s}
            for lot in (lots or [None])
            for s in (serials or [None])
        ]
        conn.execute(insert(RecallItem), items)
        audit.record(
            conn,
            at=now,
            by=by,
            action="create",
            entity="recall",
            entity_id=recall_id,
            new={
                "reference": reference,
                "gtin": gtin14,
                "lots": lots,
                "serials": serials,
                "notice_text": notice_text,
            },
            row=binding("recall", recall_id, notice),
        )
        quarantined = _quarantine_matching(conn, now, by, recall_id, reference)
        trace = recall_trace(conn, recall_id, by.keys)
        return RecallResult(recall_id, reference, gtin14, lots, quarantined, trace)


def _quarantine_matching(
    conn: Connection, now: datetime, by: Actor, recall_id: int, reference: str
) -> list[str]:
    query = (
        select(Unit.id, Unit.code)
        .where(Unit.id.in_(named_units(recall_id)), Unit.status == "in_stock")
        .order_by(Unit.id)
    )
    units = [(unit_id, code, "in_stock") for unit_id, code in conn.execute(query)]
    return move_units(
        conn,
        units,
        action="quarantine",
        to_status="quarantined",
        reason=f"recall {reference}",
        by=by,
        now=now,
    )


def _trace_query() -> Select[Any]:
    return (
        select(
            TreatmentSession.id,
            UnitUse.used_at,
            TreatmentSession.practitioner,
            TreatmentSession.client_cipher,
            TreatmentSession.client_ref,
            TreatmentSession.area,
            Unit.code,
            Unit.serial,
            Product.gtin,
            Lot.lot_number,
        )
        .join(Unit, Unit.id == UnitUse.unit_id)
        .join(TreatmentSession, TreatmentSession.id == UnitUse.session_id)
        .join(Lot, Lot.id == Unit.lot_id)
        .join(Product, Product.id == Unit.product_id)
        .order_by(UnitUse.used_at, UnitUse.id)
    )


def _traced(conn: Connection, query: Select[Any], keys: Keyring | None) -> list[TraceRow]:
    return [
        TraceRow(*row[:3], clients.shown(keys, row[3], row[4]), *row[5:])
        for row in conn.execute(query)
    ]


def trace_uses(
    conn: Connection,
    gtin: str,
    lots: list[str],
    serials: list[str] | None = None,
    keys: Keyring | None = None,
) -> list[TraceRow]:
    """Every session that used a unit of these lots (or serials): for calling clients back."""
    query = _trace_query().where(Product.gtin == normalise_gtin(gtin))
    if lots:
        query = query.where(Lot.lot_number.in_(lots))
    if serials:
        query = query.where((Unit.serial.in_(serials)) | (Unit.code.in_(serials)))
    if not lots and not serials:
        raise InvalidInput("Name a lot or a serial to trace.")
    return _traced(conn, query, keys)


def recall_trace(
    conn: Connection, recall_id: int, keys: Keyring | None = None
) -> list[TraceRow]:
    """Every session that used a unit this recall names, whenever it was used."""
    return _traced(conn, _trace_query().where(Unit.id.in_(named_units(recall_id))), keys)


def recall_serials(conn: Connection, recall_id: int) -> list[str]:
    """The serials a recall names (empty when it recalls whole lots)."""
    query = select(RecallItem.serial).where(
        RecallItem.recall_id == recall_id, RecallItem.serial.is_not(None)
    )
    return list(dict.fromkeys(conn.execute(query).scalars()))


def recalled_units(
    conn: Connection, recall_id: int, *, status: str | None = None
) -> list[UnitRow]:
    """The units a recall names (with a status, only those), as stock rows."""
    conditions = [Unit.id.in_(named_units(recall_id))]
    if status is not None:
        conditions.append(Unit.status == status)
    return units_where(conn, *conditions)


@dataclass(frozen=True)
class RecallStock:
    """What became of the units a recall names that were received here, by their status
    now: used on clients, still quarantined, returned to the supplier, and so on."""

    received: int
    by_status: dict[str, int]

    def __getitem__(self, status: str) -> int:
        return self.by_status.get(status, 0)

    def as_dict(self) -> dict[str, object]:
        return {"received": self.received, **{s: self[s] for s in UNIT_STATUSES}}


def recall_stock(conn: Connection, recall_id: int) -> RecallStock:
    """How many of the units a recall names were received, and where each is now."""
    rows = conn.execute(
        select(Unit.status, func.count())
        .where(Unit.id.in_(named_units(recall_id)))
        .group_by(Unit.status)
    ).all()
    counts = {status: int(n) for status, n in rows}
    return RecallStock(sum(counts.values()), {s: counts.get(s, 0) for s in UNIT_STATUSES})


def close_recall(db: Database, recall_id: int, *, note: str, by: Actor) -> RecallInfo:
    """Close a handled notice: when, by whom, and a note of how (an RMA number, say),
    for the inspector. Its units stay blocked at the chair; its history stays."""
    by.require("recalls")
    if not note.strip():
        raise InvalidInput("Say how the recall was handled: a note is required.")
    note = clean(note, "note", max_len=2000, multiline=True)
    with db.write() as conn:
        row = conn.execute(select(Recall.closed_at).where(Recall.id == recall_id)).first()
        if row is None:
            raise NotFound(f"There is no recall {recall_id}.")
        if row.closed_at is not None:
            raise InvalidInput(f"Recall {recall_id} is already closed.")
        now = db.now(conn)
        conn.execute(
            update(Recall)
            .where(Recall.id == recall_id)
            .values(
                closed_at=now,
                closed_by=by.name,
                closed_by_id=by.staff_id or None,
                close_note=note,
            )
        )
        closed = conn.execute(select(Recall.__table__).where(Recall.id == recall_id)).one()
        audit.record(
            conn,
            at=now,
            by=by,
            action="close",
            entity="recall",
            entity_id=recall_id,
            old={"closed_at": None},
            new={"closed_at": now.isoformat(), "closed_by": by.name, "note": note},
            row=binding("recall", recall_id, closed._mapping),
        )
        return get_recall(conn, recall_id)


def get_recall(conn: Connection, recall_id: int) -> RecallInfo:
    """One recall, or NotFound in words."""
    found = list_recalls(conn, recall_id=recall_id)
    if not found:
        raise NotFound(f"There is no recall {recall_id}.")
    return found[0]


def list_recalls(
    conn: Connection, *, open_only: bool = False, recall_id: int | None = None
) -> list[RecallInfo]:
    query = select(
        Recall.id,
        Recall.reference,
        Recall.gtin,
        Recall.notice_date,
        Recall.notice_text,
        Recall.entered_at,
        Recall.closed_at,
        Recall.close_note,
        Recall.closed_by,
    ).order_by(Recall.id.desc())
    if open_only:
        query = query.where(Recall.closed_at.is_(None))
    items_query = select(RecallItem.recall_id, RecallItem.lot_number).order_by(RecallItem.id)
    if recall_id is not None:
        query = query.where(Recall.id == recall_id)
        items_query = items_query.where(RecallItem.recall_id == recall_id)
    rows = conn.execute(query).all()
    items = conn.execute(items_query).all()
    lots: dict[int, list[str]] = {}
    for recall_id, lot in items:
        lots.setdefault(recall_id, [])
        if lot is not None and lot not in lots[recall_id]:
            lots[recall_id].append(lot)
    return [
        RecallInfo(*row[:8], lots=lots.get(row.id, []), closed_by=row.closed_by) for row in rows
    ]
