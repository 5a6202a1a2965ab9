"""What is on the shelf: units and lots with product, expiry and status, filtered one way.

The Inventory screen's two tables and the ``units`` command read the same two
listings, so a filter means the same thing in both faces:

- ``lot``: exactly this lot number; ``lot_contains``: lot numbers containing the text;
- ``product_id``, ``gtin``, ``needle_um``: one product, one GTIN, one needle length;
- ``status``: in_stock, used, quarantined, wasted or returned (a lot matches when it has
  such units);
- ``expiry``: ``expired``, or ``30``/``60``/``90`` (expiring from today through that
  many days), on the clinic's local calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Integer, Select, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from inventory.barcode import normalise_gtin
from inventory.catalog import mm_text
from inventory.clock import Clock, DatabaseClock, local_date
from inventory.db import ledger_time
from inventory.errors import InvalidInput
from inventory.listing import Listing, contains
from inventory.models import UNIT_STATUSES, Lot, Product, Unit
from inventory.settings import clinic_tz

EXPIRY_WINDOWS = {
    "": "Any expiry",
    "expired": "Expired",
    "30": "Expiring within 30 days",
    "60": "Expiring within 60 days",
    "90": "Expiring within 90 days",
}
SOON_DAYS = 30
"""A lot expiring within this many days is shown as "soon" (amber) everywhere."""


@dataclass(frozen=True)
class StockContext:
    """The clinic's zone and local date when the rows were read."""

    tz: ZoneInfo
    today: date


def stock_context(conn: Connection, clock: Clock) -> StockContext:
    tz = clinic_tz(conn)
    return StockContext(tz, local_date(ledger_time(conn, clock), tz))


def expiry_state(expiry: date | None, today: date | None) -> str | None:
    """ "expired" after its day, "soon" within 30 days, else None: one reading everywhere."""
    if expiry is None or today is None:
        return None
    if expiry < today:
        return "expired"
    if expiry <= today + timedelta(days=SOON_DAYS):
        return "soon"
    return None


def _check_status(status: str) -> str:
    if status not in UNIT_STATUSES:
        raise InvalidInput(f"'{status}' is not a unit status; use {', '.join(UNIT_STATUSES)}.")
    return status


def _shared_filters(
    query: Select[Any], filters: Mapping[str, Any], context: StockContext
) -> Select[Any]:
    """The filters of both listings (each query joins lot and product)."""
    if filters.get("product_id") not in (None, ""):
        query = query.where(Product.id == int(filters["product_id"]))
    if filters.get("gtin"):
        query = query.where(Product.gtin == normalise_gtin(str(filters["gtin"])))
    if filters.get("needle_um") not in (None, ""):
        query = query.where(Product.needle_length_um == int(filters["needle_um"]))
    if filters.get("lot"):
        query = query.where(Lot.lot_number == str(filters["lot"]).strip())
    if filters.get("lot_contains"):
        query = query.where(Lot.lot_number.ilike(contains(str(filters["lot_contains"])), "\\"))
    window = filters.get("expiry") or ""
    if window == "expired":
        query = query.where(Lot.expiry < context.today)
    elif window in ("30", "60", "90"):
        last = context.today + timedelta(days=int(window))
        query = query.where(Lot.expiry >= context.today, Lot.expiry <= last)
    elif window:
        raise InvalidInput(f"'{window}' is not an expiry filter; use expired, 30, 60 or 90.")
    return query


# --- units -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    code: str
    serial: str | None
    gtin: str
    product: str
    needle_length_um: int
    lot: str | None
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


def _units(filters: Mapping[str, Any], context: StockContext) -> Select[Any]:
    query = (
        select(
            Unit.id,
            Unit.code,
            Unit.serial,
            Product.gtin,
            Product.name.label("product"),
            Product.needle_length_um,
            Lot.lot_number.label("lot"),
            Lot.expiry,
            Unit.status,
            Unit.status_reason,
            Unit.status_changed_at,
        )
        .join(Lot, Lot.id == Unit.lot_id)
        .join(Product, Product.id == Unit.product_id)
    )
    if filters.get("status"):
        query = query.where(Unit.status == _check_status(str(filters["status"])))
    return _shared_filters(query, filters, context)


UNITS = Listing(
    build=_units,
    key=Unit.__table__.c.id,
    sorts={
        "code": Unit.id,
        "serial": func.coalesce(Unit.serial, ""),
        "product": Product.name,
        "needle_length_um": Product.needle_length_um,
        "gtin": Product.gtin,
        "lot": func.coalesce(Lot.lot_number, ""),
        "expiry": Lot.expiry,
        "status": Unit.status,
        "status_changed_at": Unit.status_changed_at,
        "status_reason": func.coalesce(Unit.status_reason, ""),
    },
    default_sort="expiry",  # the unit to use first is at the top
    context=lambda conn, clock: stock_context(conn, clock),
)


def list_units(
    conn: Connection, *, limit: int | None = None, clock: Clock | None = None, **filters: Any
) -> list[UnitRow]:
    """Units matching the filters, first-expiring first (the ``units`` command)."""
    context = stock_context(conn, clock or DatabaseClock())
    return _unit_rows(conn, UNITS.statement(filters, context, limit=limit or None))


def units_where(conn: Connection, *conditions: ColumnElement[bool]) -> list[UnitRow]:
    """Units meeting other modules' conditions (a recall's units), in receiving order."""
    query = _units({}, StockContext(ZoneInfo("UTC"), date.min)).where(*conditions)
    return _unit_rows(conn, query.order_by(Unit.id))


def _unit_rows(conn: Connection, query: Select[Any]) -> list[UnitRow]:
    fields = UnitRow.__dataclass_fields__
    return [UnitRow(**{name: row._mapping[name] for name in fields}) for row in conn.execute(query)]


def count_by_status(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(Unit.status, func.count()).group_by(Unit.status))
    return {status: 0 for status in UNIT_STATUSES} | dict(rows.all())


# --- lots ------------------------------------------------------------------------------


def _count_of(status: str) -> ColumnElement[int]:
    return func.sum(case((Unit.status == status, 1), else_=0)).label(status)


_COUNTS = (
    select(Unit.lot_id, *(_count_of(s) for s in UNIT_STATUSES), func.count().label("total"))
    .group_by(Unit.lot_id)
    .subquery("counts")
)


def _counted(status: str) -> ColumnElement[int]:
    return func.coalesce(_COUNTS.c[status], 0).cast(Integer)


def _lots(filters: Mapping[str, Any], context: StockContext) -> Select[Any]:
    query = (
        select(
            Lot.id,
            Lot.lot_number.label("lot"),
            Product.name.label("product"),
            Product.gtin,
            Product.needle_length_um,
            Lot.expiry,
            *(_counted(s).label(s) for s in (*UNIT_STATUSES, "total")),
        )
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(_COUNTS, _COUNTS.c.lot_id == Lot.id)
    )
    if filters.get("status"):
        query = query.where(_COUNTS.c[_check_status(str(filters["status"]))] > 0)
    return _shared_filters(query, filters, context)


LOTS = Listing(
    build=_lots,
    key=Lot.__table__.c.id,
    sorts={
        "lot": func.coalesce(Lot.lot_number, ""),
        "product": Product.name,
        "gtin": Product.gtin,
        "needle_length_um": Product.needle_length_um,
        "expiry": Lot.expiry,
        **{s: _counted(s) for s in (*UNIT_STATUSES, "total")},
    },
    default_sort="expiry",
    keyset=False,  # grouped: LIMIT/OFFSET (a lot list stays short)
    context=lambda conn, clock: stock_context(conn, clock),
)
