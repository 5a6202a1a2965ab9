"""Lots with their unit counts by status: the Inventory screen's second table.

Rows, filters and counts are the domain's (:data:`inventory.stock.LOTS`).
"""

from __future__ import annotations

from inventory import stock
from ui import fmt, style
from ui.models.paged import PagedQueryModel, SqlCol
from ui.models.units import expiry_column, needle_column


def _count(header: str, key: str, **kwargs: object) -> SqlCol:
    return SqlCol(header, key, key, text=lambda v, _c: fmt.count(v), right=True, **kwargs)


class LotsModel(PagedQueryModel):
    """One row per lot; quarantine, release or waste a whole lot from here."""

    listing = stock.LOTS
    columns = (
        SqlCol("Lot", "lot", "lot"),
        SqlCol("Product", "product", "product"),
        SqlCol("GTIN", "gtin", "gtin"),
        needle_column(),
        expiry_column(),
        _count("In stock", "in_stock"),
        _count(
            "Quarantined",
            "quarantined",
            colour=lambda row, _c: style.STATUS_COLOURS["quarantined"] if row.quarantined else None,
        ),
        _count("Used", "used"),
        _count("Wasted", "wasted"),
        _count("Returned", "returned", tip="Units returned to the supplier"),
        _count("Total", "total"),
    )
