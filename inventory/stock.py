"""What is on the shelf: units with their product, lot, expiry and status."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Select, func, select

from inventory.barcode import normalise_gtin
from inventory.catalog import mm_text
from inventory.errors import InvalidInput
from inventory.models import UNIT_STATUSES, Lot, Product, Unit


@dataclass(frozen=True)
class UnitRow:
    code: str
    serial: str | None
    gtin: str
    product: str
    needle_length_um: int
    lot: str
    expiry: date
    status: str
    status_reason: str | None
    status_changed_at: datetime

    @property
    def needle_length_mm(self) -> str:
        return mm_text(self.needle_length_um)

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "needle_length_mm": self.needle_length_mm,
            "expiry": self.expiry.isoformat(),
            "status_changed_at": self.status_changed_at.isoformat(),
        }


def units_query(
    *, lot: str | None = None, status: str | None = None, gtin: str | None = None
) -> Select:
    """The unit listing as one SQL statement, filters applied in the database."""
    query = (
        select(
            Unit.code,
            Unit.serial,
            Product.gtin,
            Product.name,
            Product.needle_length_um,
            Lot.lot_number,
            Lot.expiry,
            Unit.status,
            Unit.status_reason,
            Unit.status_changed_at,
        )
        .join(Lot, Lot.id == Unit.lot_id)
        .join(Product, Product.id == Unit.product_id)
        .order_by(Lot.expiry, Unit.id)
    )
    if lot:
        query = query.where(Lot.lot_number == lot)
    if status:
        if status not in UNIT_STATUSES:
            raise InvalidInput(f"'{status}' is not a unit status; use {', '.join(UNIT_STATUSES)}.")
        query = query.where(Unit.status == status)
    if gtin:
        query = query.where(Product.gtin == normalise_gtin(gtin))
    return query


def list_units(
    conn: Connection,
    *,
    lot: str | None = None,
    status: str | None = None,
    gtin: str | None = None,
    limit: int | None = None,
) -> list[UnitRow]:
    query = units_query(lot=lot, status=status, gtin=gtin)
    if limit:
        query = query.limit(limit)
    return [UnitRow(*row) for row in conn.execute(query)]


def count_by_status(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(Unit.status, func.count()).group_by(Unit.status))
    return {status: 0 for status in UNIT_STATUSES} | dict(rows.all())
