"""Lots with their unit counts by status: the Inventory screen's second table.

Counts are aggregated in SQL (one GROUP BY over the unit index); a lot list stays short
enough that LIMIT/OFFSET paging is fine here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Integer, Select, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from inventory.models import UNIT_STATUSES, Lot, Product, Unit
from ui import fmt
from ui.models.paged import PagedQueryModel, SqlCol
from ui.models.units import StockContext, apply_stock_filters, expiry_colour, stock_context


def _count_of(status: str) -> ColumnElement[int]:
    return func.sum(case((Unit.status == status, 1), else_=0)).label(status)


_COUNTS = (
    select(Unit.lot_id, *(_count_of(s) for s in UNIT_STATUSES), func.count().label("total"))
    .group_by(Unit.lot_id)
    .subquery("counts")
)


def _counted(status: str) -> ColumnElement[int]:
    return func.coalesce(_COUNTS.c[status], 0).cast(Integer)


class LotsModel(PagedQueryModel):
    """One row per lot; quarantine, release or waste a whole lot from here."""

    key = Lot.__table__.c.id
    keyset = False
    default_sort = 4
    columns = (
        SqlCol("Lot", "lot", Lot.lot_number),
        SqlCol("Product", "product", Product.name),
        SqlCol("GTIN", "gtin", Product.gtin),
        SqlCol(
            "Needle",
            "needle_length_um",
            Product.needle_length_um,
            text=lambda v, _c: fmt.mm(v),
            right=True,
        ),
        SqlCol(
            "Expiry",
            "expiry",
            Lot.expiry,
            text=lambda v, _c: fmt.day(v),
            colour=lambda row, c: expiry_colour(row.expiry, c),
        ),
        SqlCol(
            "In stock",
            "in_stock",
            _counted("in_stock"),
            text=lambda v, _c: fmt.count(v),
            right=True,
        ),
        SqlCol(
            "Quarantined",
            "quarantined",
            _counted("quarantined"),
            text=lambda v, _c: fmt.count(v),
            right=True,
            colour=lambda row, _c: "#9a5b00" if row.quarantined else None,
        ),
        SqlCol("Used", "used", _counted("used"), text=lambda v, _c: fmt.count(v), right=True),
        SqlCol("Wasted", "wasted", _counted("wasted"), text=lambda v, _c: fmt.count(v), right=True),
        SqlCol("Total", "total", _counted("total"), text=lambda v, _c: fmt.count(v), right=True),
    )

    def load_context(self, conn: Connection) -> StockContext:
        return stock_context(conn, self.db.clock)

    def build_query(self, filters: Mapping[str, Any], context: StockContext) -> Select[Any]:
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
        if "status" in filters:
            query = query.where(_COUNTS.c[filters["status"]] > 0)
        return apply_stock_filters(query, filters, context)
