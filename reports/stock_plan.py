"""The usage report's stock plan: which stock will be used before it expires, and when to reorder.

Stock is planned honestly: a unit on the shelf counts as cover only if, at the current
rate of use, its turn comes before its lot expires. The rules, in the words the report
prints under its tables (``RATE_RULE``, ``COVER_RULE``, ``REORDER_RULE``):

- Rate of use = units used in the report period / days in the rate window (the period's
  first day to its last day, or to the stock date if that comes first, both counted).
- Lots are used first-expiring-first, one unit after another at that rate, from the
  stock date on: d days after the stock date, floor(rate x d) units have been used. A
  lot with D days left (its expiry date minus the stock date, the same figure as the
  expiring table's "Days left") can give at most floor(rate x D) units in total, less
  what the lots expiring before it gave; the rest of it will expire unused. Counting D
  days, not D + 1, errs on the side of reordering early rather than running out.
- Days of cover = units that will be used before their expiry / rate; the stock runs out
  on the stock date + that many days (rounded up).
- Reorder on: the day the stock that will be used falls to the reorder level, or "now"
  when it is at or below the level already. Quantity: enough for ``ORDER_DAYS`` days of
  use at the rate, plus any shortfall below the level, rounded up to whole packs. A
  product with no use in the period is judged on its usable units: below the level it
  is reordered now, up to the level.

Arithmetic is exact (``Fraction``): a rate of 5 units in 13 days stays 5/13, so the same
ledger always gives the same plan and no unit is lost or invented by rounding.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

ORDER_DAYS = 60  # a suggested order covers this many days of use at the rate
NO_USE = "no use in period"
NO_LEVEL = "no reorder level set"


@dataclass(frozen=True)
class LotStock:
    """Usable units of one lot (in stock, unexpired, not recalled) on the stock date."""

    lot: str | None
    expiry: date
    units: int


@dataclass(frozen=True)
class LotPlan:
    """What the plan expects of one lot: units used before its expiry, units left to expire."""

    lot: str | None
    expiry: date
    units: int
    will_be_used: int

    @property
    def will_expire_unused(self) -> int:
        return self.units - self.will_be_used

    @property
    def lot_text(self) -> str:
        return self.lot if self.lot is not None else "(no lot number)"

    @property
    def unused_text(self) -> str:
        """The report's phrase for this lot's loss: "5 of lot SOON, expiring 2026-03-24"."""
        expiry = self.expiry.isoformat()
        return f"{self.will_expire_unused} of lot {self.lot_text}, expiring {expiry}"


@dataclass(frozen=True)
class ProductPlan:
    """One product's plan: its lots in the order they will be used, cover and reorder advice."""

    stock_date: date
    rate: Fraction  # units per day; 0 when the product was not used in the period
    reorder_level: int
    units_per_pack: int
    lots: tuple[LotPlan, ...]

    @property
    def usable(self) -> int:
        return sum(lot.units for lot in self.lots)

    @property
    def will_be_used(self) -> int:
        return sum(lot.will_be_used for lot in self.lots)

    @property
    def will_expire_unused(self) -> int:
        return sum(lot.will_expire_unused for lot in self.lots)

    @property
    def unused_text(self) -> str:
        """Every lot that will expire unused, earliest first; "" when none will."""
        return "; ".join(lot.unused_text for lot in self.lots if lot.will_expire_unused)

    @property
    def days_of_cover(self) -> Fraction | None:
        """Units that will be used before expiry / rate; None without use (no rate)."""
        return None if self.rate == 0 else self.will_be_used / self.rate

    @property
    def runs_out_on(self) -> date | None:
        """The day the units that will be used are used up (None: no rate or no stock)."""
        if self.rate == 0 or self.will_be_used == 0:
            return None
        return self._day(math.ceil(self.will_be_used / self.rate))

    @property
    def planned_stock(self) -> int:
        """The stock held against the reorder level.

        With a rate, the units that will be used before they expire (the rest is not
        stock a client can have); with no use in the period nothing is drawn, so the
        usable units on the shelf.
        """
        return self.usable if self.rate == 0 else self.will_be_used

    @property
    def below_reorder_level(self) -> bool:
        return self.planned_stock < self.reorder_level

    @property
    def reorder_on(self) -> date | None:
        """The day to reorder: when the planned stock falls to the level (None: no date).

        On or before the stock date means now. No date without a level, or for a product
        with no use that is not below its level (it is not being drawn down).
        """
        if self.reorder_level == 0:
            return None
        if self.planned_stock <= self.reorder_level:
            return self.stock_date
        if self.rate == 0:
            return None
        return self._day(math.ceil((self.planned_stock - self.reorder_level) / self.rate))

    @property
    def reorder_text(self) -> str:
        """The reorder date as the report prints it: "now", a date, or why there is none."""
        if self.reorder_level == 0:
            return NO_LEVEL
        day = self.reorder_on
        if day is None:
            return NO_USE
        return "now" if day <= self.stock_date else day.isoformat()

    @property
    def suggested_units(self) -> int | None:
        """ORDER_DAYS of use plus any shortfall below the level, in whole packs (None: none)."""
        if self.reorder_level == 0:
            return None
        shortfall = max(0, self.reorder_level - self.planned_stock)
        need = math.ceil(self.rate * ORDER_DAYS) + shortfall
        if need == 0:
            return None
        return math.ceil(need / self.units_per_pack) * self.units_per_pack

    @property
    def suggested_packs(self) -> int | None:
        units = self.suggested_units
        return None if units is None else units // self.units_per_pack

    def _day(self, d: int) -> date:
        """The date d days after the stock date."""
        return self.stock_date + timedelta(days=d)


def rate_of_use(units_used: int, days: int) -> Fraction:
    """Units per day over the rate window; a window is at least one day long."""
    return Fraction(units_used, max(1, days))


def plan_product(
    lots: Iterable[LotStock],
    *,
    stock_date: date,
    rate: Fraction,
    reorder_level: int,
    units_per_pack: int,
) -> ProductPlan:
    """Use the lots first-expiring-first at ``rate``: what each gives before it expires.

    Lots that expire on the same day are taken in lot-number order, so the plan does
    not depend on the order the database returned them in.
    """
    ordered: Sequence[LotStock] = sorted(lots, key=lambda s: (s.expiry, s.lot or ""))
    drawn = 0
    planned = []
    for stock in ordered:
        days_left = (stock.expiry - stock_date).days  # as in the expiring table
        reachable = math.floor(rate * days_left) if days_left > 0 else 0
        use = max(0, min(stock.units, reachable - drawn))
        drawn += use
        planned.append(LotPlan(stock.lot, stock.expiry, stock.units, use))
    return ProductPlan(stock_date, rate, reorder_level, max(1, units_per_pack), tuple(planned))


def rate_rule(days: int) -> str:
    """How the rate is defined, as printed on the page."""
    return (
        f"Rate of use = units used in the report period / {days} days (from the period's "
        "first day to its last day, or to the stock date if that comes first, both counted)."
    )


COVER_RULE = (
    "How stock is planned: each product's usable lots (in stock, unexpired, not recalled) "
    "are used first-expiring-first, one unit after another at the rate of use, from the "
    "stock date on. A lot with D days left (its expiry date minus the stock date, as in "
    "Days left on the expiring page) can give at most rate x D units (rounded down), less "
    "what the lots expiring before it gave; the rest of it will expire unused. Will be used "
    "counts only the units whose turn comes before their lot expires. Days of cover = will "
    "be used / rate; Runs out on = the stock date + days of cover (rounded up). A product "
    "with no use in the period has no rate: it says so instead of a number."
)

REORDER_RULE = (
    "Reorder rule: for a product used in the period, its stock here is the units that will "
    "be used before they expire (Will be used), not every unit on the shelf; for a product "
    "with no use, its usable units. Reorder on = now if that stock is at or below the "
    "product's reorder level; otherwise the day it falls to the level at the rate of use. "
    f"Suggested quantity = the rate x {ORDER_DAYS} days (rounded up to whole units), plus "
    "what the stock is already short of the reorder level, rounded up to whole packs. "
    "Orders placed but not yet received are not known to the ledger and are not "
    "subtracted. No date or quantity is suggested for a product with no reorder level set "
    "(level 0), nor for one with no use that is above its level."
)
