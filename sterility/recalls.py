"""Recalls: a notice entered once quarantines the stock it names and traces its uses.

The notice text is kept verbatim. The chair checks recall items at every scan, so a
recalled unit is refused even if it arrives after the notice or is somehow released.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, insert, select, update

from inventory import audit
from inventory.barcode import normalise_gtin
from inventory.catalog import product_by_gtin
from inventory.clock import local_date
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.models import Lot, Product, Unit
from inventory.settings import clinic_tz
from inventory.text import clean
from sterility.models import Recall, RecallItem, TreatmentSession, UnitUse


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


def enter_recall(
    db: Database,
    *,
    gtin: str,
    lots: list[str],
    reference: str,
    notice_text: str,
    notice_date: date | None = None,
    serials: list[str] | None = None,
    by: str,
) -> RecallResult:
    """Record a notice, quarantine every matching unit on the shelf, return the trace."""
    gtin14 = normalise_gtin(gtin)
    # Lots and serials are at most 20 characters in GS1: longer text cannot be a lot.
    lots = [clean(lot, "lot number", max_len=20) for lot in lots if lot.strip()]
    serials = [clean(s, "serial", max_len=20) for s in (serials or []) if s.strip()]
    if not lots:
        raise InvalidInput("A recall names at least one lot.")
    reference = clean(reference, "recall notice's reference")
    if not notice_text.strip():
        raise InvalidInput("Keep the notice's text with the recall: it is required.")
    if serials and len(lots) != 1:
        raise InvalidInput("A recall of single serials names exactly one lot.")
    with db.write() as conn:
        product_by_gtin(conn, gtin14)  # an unknown GTIN is refused with its hint
        now = db.clock.now(conn)
        recall_id = conn.execute(
            insert(Recall)
            .values(
                reference=reference,
                gtin=gtin14,
                notice_text=notice_text,
                notice_date=notice_date or local_date(now, clinic_tz(conn)),
                entered_by=by,
                entered_at=now,
            )
            .returning(Recall.id)
        ).scalar_one()
        items = [
            {"recall_id": recall_id, "gtin": gtin14, "lot_number": lot, "serial": s}
            for lot in lots
            for s in (serials or [None])
        ]
        conn.execute(insert(RecallItem), items)
        audit.record(
            conn,
            at=now,
            actor=by,
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
        )
        quarantined = _quarantine_matching(conn, now, by, gtin14, lots, serials, reference)
        trace = trace_uses(conn, gtin14, lots, serials)
        return RecallResult(recall_id, reference, gtin14, lots, quarantined, trace)


def _quarantine_matching(
    conn: Connection,
    now: datetime,
    by: str,
    gtin: str,
    lots: list[str],
    serials: list[str],
    reference: str,
) -> list[str]:
    query = (
        select(Unit.id, Unit.code)
        .join(Lot, Lot.id == Unit.lot_id)
        .join(Product, Product.id == Unit.product_id)
        .where(Product.gtin == gtin, Lot.lot_number.in_(lots), Unit.status == "in_stock")
        .order_by(Unit.id)
    )
    if serials:
        query = query.where((Unit.serial.in_(serials)) | (Unit.code.in_(serials)))
    reason = f"recall {reference}"
    units = conn.execute(query).all()
    conn.execute(
        update(Unit)
        .where(Unit.id.in_([unit_id for unit_id, _code in units]))
        .values(status="quarantined", status_reason=reason, status_changed_at=now)
    )
    codes = []
    for _unit_id, code in units:  # one audit event per unit that changed
        audit.record(
            conn,
            at=now,
            actor=by,
            action="quarantine",
            entity="unit",
            entity_id=code,
            old={"status": "in_stock"},
            new={"status": "quarantined", "reason": reason},
        )
        codes.append(code)
    return codes


def trace_uses(
    conn: Connection, gtin: str, lots: list[str], serials: list[str] | None = None
) -> list[TraceRow]:
    """Every session that used a unit of these lots: for calling the clients back."""
    query = (
        select(
            TreatmentSession.id,
            UnitUse.used_at,
            TreatmentSession.practitioner,
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
        .where(Product.gtin == normalise_gtin(gtin), Lot.lot_number.in_(lots))
        .order_by(UnitUse.used_at)
    )
    if serials:
        query = query.where((Unit.serial.in_(serials)) | (Unit.code.in_(serials)))
    return [TraceRow(*row) for row in conn.execute(query)]


def close_recall(db: Database, recall_id: int, *, note: str, by: str) -> None:
    """Close a handled notice with a note; its units stay blocked, its history stays."""
    if not note.strip():
        raise InvalidInput("Say how the recall was handled: a note is required.")
    with db.write() as conn:
        row = conn.execute(select(Recall.closed_at).where(Recall.id == recall_id)).first()
        if row is None:
            raise NotFound(f"There is no recall {recall_id}.")
        if row.closed_at is not None:
            raise InvalidInput(f"Recall {recall_id} is already closed.")
        now = db.clock.now(conn)
        conn.execute(
            update(Recall)
            .where(Recall.id == recall_id)
            .values(closed_at=now, closed_by=by, close_note=note.strip())
        )
        audit.record(
            conn,
            at=now,
            actor=by,
            action="close",
            entity="recall",
            entity_id=recall_id,
            old={"closed_at": None},
            new={"note": note.strip()},
        )


def list_recalls(conn: Connection, *, open_only: bool = False) -> list[RecallInfo]:
    query = select(
        Recall.id,
        Recall.reference,
        Recall.gtin,
        Recall.notice_date,
        Recall.notice_text,
        Recall.entered_at,
        Recall.closed_at,
        Recall.close_note,
    ).order_by(Recall.id.desc())
    if open_only:
        query = query.where(Recall.closed_at.is_(None))
    rows = conn.execute(query).all()
    items = conn.execute(select(RecallItem.recall_id, RecallItem.lot_number)).all()
    lots: dict[int, list[str]] = {}
    for recall_id, lot in items:
        lots.setdefault(recall_id, [])
        if lot not in lots[recall_id]:
            lots[recall_id].append(lot)
    return [RecallInfo(*row, lots=lots.get(row.id, [])) for row in rows]
