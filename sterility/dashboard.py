"""What the dashboard shows, read in one short transaction, as plain dataclasses.

Stock on hand by needle length and product, units expiring in 30/60/90 days (and the
expired ones still on the shelf), products below their reorder level, today's sessions,
recent refusals and open recalls. The unit counts come from one GROUP BY over the
(lot_id, status) index, so this stays fast with a million units. No Qt here: the desktop
app and any other face read the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, func, select

from inventory.catalog import mm_text
from inventory.clock import local_date
from inventory.keyring import Keyring
from inventory.models import UNIT_STATUSES, Lot, Product, Unit
from inventory.settings import clinic_tz
from sterility import clients
from sterility.models import Recall, RecallItem, Refusal, TreatmentSession, UnitUse
from sterility.recalls import named_units

WINDOWS = (30, 60, 90)
"""Expiry windows in days, counted from the clinic's local today (inclusive)."""


@dataclass(frozen=True)
class StockLine:
    """Units in stock of one product, against its reorder level."""

    product_id: int
    gtin: str
    product: str
    needle_length_um: int
    in_stock: int
    reorder_level: int

    @property
    def below_reorder(self) -> bool:
        return self.in_stock < self.reorder_level

    @property
    def needle_length_mm(self) -> str:
        return mm_text(self.needle_length_um)


@dataclass(frozen=True)
class ExpiryWindow:
    """Units in stock whose lot expires from today through ``days`` days from today."""

    days: int
    units: int
    lots: int


@dataclass(frozen=True)
class SessionLine:
    id: int
    opened_at: datetime
    client_ref: str
    practitioner: str
    area: str
    planned_depth_um: int
    closed_at: datetime | None
    uses: int

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class RefusalLine:
    id: int
    refused_at: datetime
    reason: str
    message: str
    session_id: int | None
    refused_by: str
    scanned: str


@dataclass(frozen=True)
class RecallLine:
    id: int
    reference: str
    gtin: str
    product: str
    notice_date: date
    lots: list[str]
    quarantined: int
    uses: int


@dataclass(frozen=True)
class Dashboard:
    """Every figure on the dashboard, as of ``now`` (the clinic's ``today``)."""

    now: datetime
    today: date
    timezone: str
    status_counts: dict[str, int]
    stock: list[StockLine]
    expiring: list[ExpiryWindow]
    expired_on_shelf: int
    expired_lots_on_shelf: int
    sessions_today: list[SessionLine]
    refusals_recent: list[RefusalLine]
    refusals_last_7_days: int
    open_recalls: list[RecallLine] = field(default_factory=list)

    @property
    def in_stock(self) -> int:
        return self.status_counts.get("in_stock", 0)

    @property
    def below_reorder(self) -> list[StockLine]:
        return [line for line in self.stock if line.below_reorder]

    def expiring_within(self, days: int) -> ExpiryWindow:
        return next(w for w in self.expiring if w.days == days)


def load(
    conn: Connection, now: datetime, *, refusals: int = 20, keys: Keyring | None = None
) -> Dashboard:
    """Read every figure in the caller's (read) transaction."""
    tz = clinic_tz(conn)
    today = local_date(now, tz)
    per_lot = dict(
        conn.execute(
            select(Unit.lot_id, func.count()).where(Unit.status == "in_stock").group_by(Unit.lot_id)
        ).all()
    )
    lots = conn.execute(select(Lot.id, Lot.product_id, Lot.expiry)).all()
    by_product: dict[int, int] = {}
    window_units = dict.fromkeys(WINDOWS, 0)
    window_lots = dict.fromkeys(WINDOWS, 0)
    expired_units = expired_lots = 0
    for lot_id, product_id, expiry in lots:
        units = per_lot.get(lot_id, 0)
        if not units:
            continue
        by_product[product_id] = by_product.get(product_id, 0) + units
        if expiry < today:
            expired_units += units
            expired_lots += 1
            continue
        for days in WINDOWS:
            if expiry <= today + timedelta(days=days):
                window_units[days] += units
                window_lots[days] += 1
    products = conn.execute(
        select(
            Product.id, Product.gtin, Product.name, Product.needle_length_um, Product.reorder_level
        ).order_by(Product.needle_length_um, Product.name)
    ).all()
    stock = [
        StockLine(
            p.id, p.gtin, p.name, p.needle_length_um, by_product.get(p.id, 0), p.reorder_level
        )
        for p in products
    ]
    statuses = dict(conn.execute(select(Unit.status, func.count()).group_by(Unit.status)).all())
    midnight = datetime.combine(today, time(), tz).astimezone(UTC)
    return Dashboard(
        now=now,
        today=today,
        timezone=tz.key,
        status_counts={s: int(statuses.get(s, 0)) for s in UNIT_STATUSES},
        stock=stock,
        expiring=[ExpiryWindow(d, window_units[d], window_lots[d]) for d in WINDOWS],
        expired_on_shelf=expired_units,
        expired_lots_on_shelf=expired_lots,
        sessions_today=sessions_since(conn, midnight, keys),
        refusals_recent=recent_refusals(conn, limit=refusals),
        refusals_last_7_days=int(
            conn.execute(
                select(func.count())
                .select_from(Refusal)
                .where(Refusal.refused_at >= now - timedelta(days=7))
            ).scalar_one()
        ),
        open_recalls=open_recalls(conn),
    )


def sessions_since(
    conn: Connection, since: datetime, keys: Keyring | None = None
) -> list[SessionLine]:
    """Sessions opened since ``since`` (UTC), newest first, with their number of uses.

    Clients are shown to a person holding the data key (``keys``), hidden otherwise.
    """
    uses = (  # counted only for these sessions (index on unit_use.session_id)
        select(UnitUse.session_id, func.count().label("uses"))
        .join(TreatmentSession, TreatmentSession.id == UnitUse.session_id)
        .where(TreatmentSession.opened_at >= since)
        .group_by(UnitUse.session_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            TreatmentSession.id,
            TreatmentSession.opened_at,
            TreatmentSession.client_cipher,
            TreatmentSession.client_ref,
            TreatmentSession.practitioner,
            TreatmentSession.area,
            TreatmentSession.planned_depth_um,
            TreatmentSession.closed_at,
            func.coalesce(uses.c.uses, 0),
        )
        .outerjoin(uses, uses.c.session_id == TreatmentSession.id)
        .where(TreatmentSession.opened_at >= since)
        .order_by(TreatmentSession.opened_at.desc(), TreatmentSession.id.desc())
    ).all()
    return [
        SessionLine(row[0], row[1], clients.shown(keys, row[2], row[3]), *row[4:]) for row in rows
    ]


def recent_refusals(conn: Connection, *, limit: int = 20) -> list[RefusalLine]:
    rows = conn.execute(
        select(
            Refusal.id,
            Refusal.refused_at,
            Refusal.reason,
            Refusal.message,
            Refusal.session_id,
            Refusal.refused_by,
            Refusal.scanned,
        )
        .order_by(Refusal.refused_at.desc(), Refusal.id.desc())
        .limit(limit)
    ).all()
    return [RefusalLine(*row) for row in rows]


def open_recalls(conn: Connection) -> list[RecallLine]:
    """Open notices, with the quarantined stock and the uses they reach."""
    recalls = conn.execute(
        select(Recall.id, Recall.reference, Recall.gtin, Recall.notice_date)
        .where(Recall.closed_at.is_(None))
        .order_by(Recall.id.desc())
    ).all()
    lines = []
    for recall in recalls:
        items = conn.execute(
            select(RecallItem.lot_number, RecallItem.serial).where(
                RecallItem.recall_id == recall.id
            )
        ).all()
        lots = sorted({item.lot_number for item in items if item.lot_number is not None})
        product = conn.execute(select(Product.name).where(Product.gtin == recall.gtin)).scalar()
        units = named_units(recall.id)
        quarantined = conn.execute(
            select(func.count())
            .select_from(Unit)
            .where(Unit.id.in_(units), Unit.status == "quarantined")
        ).scalar_one()
        uses = conn.execute(
            select(func.count()).select_from(UnitUse).where(UnitUse.unit_id.in_(units))
        ).scalar_one()
        lines.append(
            RecallLine(
                recall.id,
                recall.reference,
                recall.gtin,
                product or recall.gtin,
                recall.notice_date,
                lots,
                int(quarantined),
                int(uses),
            )
        )
    return lines
