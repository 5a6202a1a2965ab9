"""Units on the shelf (and off it), fetched on demand: the Inventory screen's main table.

Filters are applied in SQL: product, needle length, lot (contains), status, and an expiry
window (expired, or expiring within 30/60/90 days of the clinic's local today).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, func, select

from inventory.clock import local_date
from inventory.models import Lot, Product, Unit
from inventory.settings import clinic_tz
from ui import fmt
from ui.models.paged import PagedQueryModel, SqlCol

EXPIRY_WINDOWS = {
    "": "Any expiry",
    "expired": "Expired",
    "30": "Expiring within 30 days",
    "60": "Expiring within 60 days",
    "90": "Expiring within 90 days",
}


@dataclass(frozen=True)
class StockContext:
    """The clinic's zone and local date when the rows were read."""

    tz: ZoneInfo
    today: date


def stock_context(conn: Connection, db_clock: Any) -> StockContext:
    tz = clinic_tz(conn)
    return StockContext(tz, local_date(db_clock.now(conn), tz))


def apply_stock_filters(
    query: Select[Any], filters: Mapping[str, Any], context: StockContext
) -> Select[Any]:
    """The filters shared by the units and lots tables (the query joins lot and product)."""
    if "product_id" in filters:
        query = query.where(Product.id == int(filters["product_id"]))
    if "needle_um" in filters:
        query = query.where(Product.needle_length_um == int(filters["needle_um"]))
    if "lot" in filters:
        text = str(filters["lot"]).strip()
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(Lot.lot_number.like(pattern, escape="\\"))
    window = filters.get("expiry")
    if window == "expired":
        query = query.where(Lot.expiry < context.today)
    elif window in ("30", "60", "90"):
        last = context.today + timedelta(days=int(window))
        query = query.where(Lot.expiry >= context.today, Lot.expiry <= last)
    return query


def expiry_colour(expiry: date | None, context: StockContext | None) -> str | None:
    """Red once expired, amber within 30 days: the same reading as the dashboard."""
    if expiry is None or context is None:
        return None
    if expiry < context.today:
        return "#b3261e"
    if expiry <= context.today + timedelta(days=30):
        return "#9a5b00"
    return None


class UnitsModel(PagedQueryModel):
    """One row per unit; the key is the unit's id, the default order first-expiring first."""

    key = Unit.__table__.c.id
    default_sort = 6  # expiry: the unit to use first is at the top
    columns = (
        SqlCol("Unit", "code", Unit.id, tip="The unit code printed on its label"),
        SqlCol("Serial", "serial", func.coalesce(Unit.serial, ""), tip="The maker's serial"),
        SqlCol("Product", "product", Product.name),
        SqlCol(
            "Needle",
            "needle_length_um",
            Product.needle_length_um,
            text=lambda v, _c: fmt.mm(v),
            right=True,
            tip="Needle length",
        ),
        SqlCol("GTIN", "gtin", Product.gtin),
        SqlCol("Lot", "lot", Lot.lot_number),
        SqlCol(
            "Expiry",
            "expiry",
            Lot.expiry,
            text=lambda v, _c: fmt.day(v),
            colour=lambda row, c: expiry_colour(row.expiry, c),
            tip="A unit expires at the end of this day, clinic time",
        ),
        SqlCol(
            "Status",
            "status",
            Unit.status,
            text=lambda v, _c: fmt.status(v),
            colour=lambda row, _c: fmt.STATUS_COLOURS.get(row.status),
        ),
        SqlCol(
            "Since",
            "status_changed_at",
            Unit.status_changed_at,
            text=lambda v, c: fmt.local_time(v, c.tz if c else None),
            tip="When the status last changed (clinic time)",
        ),
        SqlCol("Reason", "status_reason", func.coalesce(Unit.status_reason, "")),
    )

    def load_context(self, conn: Connection) -> StockContext:
        return stock_context(conn, self.db.clock)

    def build_query(self, filters: Mapping[str, Any], context: StockContext) -> Select[Any]:
        query = (
            select(
                Unit.id,
                Unit.code,
                Unit.serial,
                Product.name.label("product"),
                Product.needle_length_um,
                Product.gtin,
                Lot.lot_number.label("lot"),
                Lot.expiry,
                Unit.status,
                Unit.status_reason,
                Unit.status_changed_at,
            )
            .join(Lot, Lot.id == Unit.lot_id)
            .join(Product, Product.id == Unit.product_id)
        )
        if "status" in filters:
            query = query.where(Unit.status == filters["status"])
        return apply_stock_filters(query, filters, context)

    def code_of(self, number: int) -> str:
        return str(self.row_data(number).code)
