"""Units on the shelf (and off it), a page at a time: the Inventory screen's main table.

The rows, filters and sort orders are the domain's (:data:`inventory.stock.UNITS`); this
model keeps the columns and how each cell reads.
"""

from __future__ import annotations

from datetime import date

from inventory import stock
from inventory.stock import StockContext
from ui import fmt, style
from ui.models.paged import PagedQueryModel, SqlCol


def expiry_colour(expiry: date | None, context: StockContext | None) -> str | None:
    """Red once expired, amber within 30 days: the same reading as the dashboard."""
    state = stock.expiry_state(expiry, context.today if context else None)
    return style.EXPIRY_COLOURS.get(state or "")


def needle_column(tip: str = "") -> SqlCol:
    return SqlCol(
        "Needle",
        "needle_length_um",
        "needle_length_um",
        text=lambda v, _c: fmt.mm(v),
        right=True,
        tip=tip,
    )


def expiry_column(tip: str = "") -> SqlCol:
    return SqlCol(
        "Expiry",
        "expiry",
        "expiry",
        text=lambda v, _c: fmt.day(v),
        colour=lambda row, c: expiry_colour(row.expiry, c),
        tip=tip,
    )


class UnitsModel(PagedQueryModel):
    """One row per unit; the default order first-expiring first."""

    listing = stock.UNITS
    columns = (
        SqlCol("Unit", "code", "code", tip="The unit code printed on its label"),
        SqlCol("Serial", "serial", "serial", tip="The maker's serial"),
        SqlCol("Product", "product", "product"),
        needle_column("Needle length"),
        SqlCol("GTIN", "gtin", "gtin"),
        SqlCol("Lot", "lot", "lot"),
        expiry_column("A unit expires at the end of this day, clinic time"),
        SqlCol(
            "Status",
            "status",
            "status",
            text=lambda v, _c: fmt.status(v),
            colour=lambda row, _c: style.STATUS_COLOURS.get(row.status),
        ),
        SqlCol(
            "Since",
            "status_changed_at",
            "status_changed_at",
            text=lambda v, c: fmt.local_time(v, c.tz if c else None),
            tip="When the status last changed (clinic time)",
        ),
        SqlCol("Reason", "status_reason", "status_reason"),
    )

    def code_of(self, number: int) -> str:
        return str(self.row_data(number).code)
