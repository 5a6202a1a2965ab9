"""The manager's usage report: what was used, what is on the shelf, what expires, how long it lasts.

The data are small aggregates, so pandas shapes them (months on the clinic's calendar,
pivots, expiry bands); each table is one DataFrame that feeds both the CSV and the PDF.
Stock figures are as of the moment the report is generated; use figures cover the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Flowable, Spacer
from sqlalchemy import Connection

from inventory.clock import local_date
from reports.charts import horizontal_bars, stacked_bars
from reports.cover import ReportInfo, cover
from reports.data import day_text, frame, mm_of
from reports.stock_plan import (
    COVER_RULE,
    NO_USE,
    ORDER_DAYS,
    REORDER_RULE,
    LotStock,
    ProductPlan,
    plan_product,
    rate_of_use,
    rate_rule,
)
from reports.usage_series import SeriesTable, series_table
from sterility.recalls import MATCH_SQL

if TYPE_CHECKING:
    from reports.pdf_writer import PdfReport
    from reports.pipeline import Steps, Writers

TITLE = "Usage and stock report"
PAGESIZE = A4
BANDS = (
    ("expired", -(10**6), -1),
    ("within 30 days", 0, 30),
    ("31 to 60 days", 31, 60),
    ("61 to 90 days", 61, 90),
)
COVER_CAP = 365  # days of cover above this are drawn at the cap

USES_SQL = """
SELECT uu.used_at, ts.practitioner, p.gtin, p.name AS product, p.needle_length_um
FROM unit_use uu
JOIN unit u ON u.id = uu.unit_id
JOIN treatment_session ts ON ts.id = uu.session_id
JOIN product p ON p.id = u.product_id
WHERE uu.used_at >= :start AND uu.used_at < :end
"""
_RECALLED = "EXISTS (SELECT 1 FROM recall_item ri WHERE {})".format(
    MATCH_SQL.format(ri="ri", gtin="p.gtin", lot="l.lot_number", serial="u.serial", code="u.code")
)
STOCK_SQL = f"""
SELECT p.gtin, p.name AS product, p.needle_length_um, p.reorder_level, p.units_per_pack,
  SUM(CASE WHEN u.status = 'in_stock' THEN 1 ELSE 0 END) AS in_stock,
  SUM(CASE WHEN u.status = 'in_stock' AND l.expiry < :today THEN 1 ELSE 0 END) AS expired,
  SUM(CASE WHEN u.status = 'in_stock' AND l.expiry >= :today AND {_RECALLED}
      THEN 1 ELSE 0 END) AS recalled,
  SUM(CASE WHEN u.status = 'quarantined' THEN 1 ELSE 0 END) AS quarantined
FROM product p
LEFT JOIN unit u ON u.product_id = p.id
LEFT JOIN lot l ON l.id = u.lot_id
GROUP BY p.id, p.gtin, p.name, p.needle_length_um, p.reorder_level, p.units_per_pack
ORDER BY p.needle_length_um, p.gtin
"""
LOTS_SQL = f"""
SELECT p.gtin, l.lot_number AS lot, l.expiry, count(*) AS units
FROM unit u
JOIN lot l ON l.id = u.lot_id
JOIN product p ON p.id = u.product_id
WHERE u.status = 'in_stock' AND l.expiry >= :today AND NOT {_RECALLED}
GROUP BY p.gtin, l.id, l.lot_number, l.expiry
ORDER BY p.gtin, l.expiry, l.lot_number
"""
EXPIRING_SQL = f"""
SELECT p.gtin, p.name AS product, p.needle_length_um, l.lot_number AS lot, l.expiry,
       count(*) AS units
FROM unit u
JOIN lot l ON l.id = u.lot_id
JOIN product p ON p.id = u.product_id
WHERE u.status = 'in_stock' AND l.expiry <= :horizon AND NOT {_RECALLED}
GROUP BY p.gtin, p.name, p.needle_length_um, l.lot_number, l.expiry
ORDER BY l.expiry, p.gtin, l.lot_number
"""


@dataclass(frozen=True)
class Table:
    """One usage section: its CSV name, title, columns and rows (all text)."""

    name: str
    title: str
    frame: pd.DataFrame


def build(conn: Connection, info: ReportInfo, writers: Writers, steps: Steps) -> dict[str, int]:
    """Compute every usage table, write it to CSV and PDF; returns rows per section."""
    dialect = conn.dialect.name
    params = info.period.params(dialect)
    today = local_date(info.generated_at, info.clinic.tz)
    steps.phase(0.1, "Reading uses")
    uses = frame(conn, USES_SQL, params)
    months = (
        pd.to_datetime(uses["used_at"], utc=True, format="ISO8601")
        .dt.tz_convert(info.clinic.tz)
        .dt.strftime("%Y-%m")
    )
    uses = uses.assign(month=months, needle_length_mm=uses["needle_length_um"].map(mm_of))
    steps.phase(0.4, "Stock and expiry")
    day_params = {
        "today": _day(today, dialect),
        "horizon": _day(today + timedelta(days=90), dialect),
    }
    stock = frame(conn, STOCK_SQL, {"today": day_params["today"]})
    expiring = frame(conn, EXPIRING_SQL, {"horizon": day_params["horizon"]})
    days = max(1, (min(info.period.end, today) - info.period.start).days + 1)

    by_product = (
        uses.groupby(["month", "needle_length_um", "needle_length_mm", "gtin", "product"])
        .size()
        .reset_index(name="units")
        .sort_values(["month", "needle_length_um", "gtin"])
        .drop(columns="needle_length_um")
    )
    by_practitioner = (
        uses.groupby(["month", "practitioner"])
        .size()
        .reset_index(name="units")
        .sort_values(["month", "practitioner"])
    )
    stock = stock.fillna(0)
    for column in (
        "in_stock",
        "expired",
        "recalled",
        "quarantined",
        "reorder_level",
        "units_per_pack",
    ):
        stock[column] = stock[column].astype(int)
    stock["usable"] = stock["in_stock"] - stock["expired"] - stock["recalled"]
    stock["needle_length_mm"] = stock["needle_length_um"].map(mm_of)
    used = uses.groupby("gtin").size()
    lots = frame(conn, LOTS_SQL, {"today": day_params["today"]})
    plans = _plans(stock, lots, used, today, days)
    # One meaning in the whole report: the reorder plan's (units that will be used in time).
    stock["below_reorder_level"] = [
        "yes" if plans[str(g)].below_reorder_level else "no" for g in stock["gtin"]
    ]
    cover_days, reorder, lot_plan = _plan_frames(stock, plans, used)
    expiring["expiry"] = expiring["expiry"].map(day_text)
    expiring["days_left"] = [(pd.Timestamp(e).date() - today).days for e in expiring["expiry"]]
    expiring["band"] = expiring["days_left"].map(_band)
    expiring["needle_length_mm"] = expiring["needle_length_um"].map(mm_of)

    tables = [
        Table(
            "used_by_product_month",
            "Units used per month, by needle length and product",
            by_product[["month", "needle_length_mm", "gtin", "product", "units"]],
        ),
        Table(
            "used_by_practitioner_month",
            "Units used per month, by practitioner",
            by_practitioner[["month", "practitioner", "units"]],
        ),
        Table(
            "stock_on_hand",
            f"Stock on hand on {today.isoformat()}",
            stock[
                [
                    "gtin",
                    "product",
                    "needle_length_mm",
                    "in_stock",
                    "usable",
                    "expired",
                    "recalled",
                    "quarantined",
                    "reorder_level",
                    "below_reorder_level",
                ]
            ],
        ),
        Table(
            "expiring",
            f"Expiring within 90 days of {today.isoformat()} (in stock)",
            expiring[
                [
                    "expiry",
                    "days_left",
                    "band",
                    "gtin",
                    "product",
                    "needle_length_mm",
                    "lot",
                    "units",
                ]
            ],
        ),
        Table(
            "days_of_cover",
            f"Days of cover on {today.isoformat()}, first expiring first, at the period's "
            f"rate of use ({days} days)",
            cover_days,
        ),
        Table(
            "reorder",
            f"Reorder plan on {today.isoformat()}",
            reorder,
        ),
        Table(
            "lot_plan",
            f"Usable lots on {today.isoformat()} in the order they will be used",
            lot_plan,
        ),
    ]
    within = {
        limit: int(expiring.loc[expiring["days_left"].between(0, limit), "units"].sum())
        for limit in (30, 60, 90)
    }
    summary = [
        *info.summary_rows(),
        ("units_used_in_period", str(len(uses))),
        ("days_in_rate", str(days)),
        ("stock_date", today.isoformat()),
        ("units_usable_now", str(int(stock["usable"].sum()))),
        *((f"units_expiring_within_{k}_days", str(v)) for k, v in within.items()),
        ("units_expired_on_shelf", str(int(stock["expired"].sum()))),
        ("units_that_will_be_used_before_expiry", str(sum(p.will_be_used for p in plans.values()))),
        ("units_that_will_expire_unused", str(_unused_total(plans))),
        ("suggested_order_days_of_use", str(ORDER_DAYS)),
    ]
    series = series_table(conn, info)  # counts only: they go in the summary CSV
    summary += series.summary_rows()
    steps.phase(0.6, "Writing")
    out = writers.csv("summary", ("item", "value"))
    for row in summary:
        out.row(row)
    counts = {}
    for table in tables:
        out = writers.csv(table.name, table.frame.columns)
        for row in table.frame.itertuples(index=False):
            out.row(tuple(_text(v) for v in row))
        counts[table.name] = out.rows
    if writers.doc is not None:
        _pdf(writers.doc, info, tables, uses, plans, within, days, series)
    return counts


def _plans(
    stock: pd.DataFrame, lots: pd.DataFrame, used: pd.Series, today: date, days: int
) -> dict[str, ProductPlan]:
    """Each product's stock plan, in the stock table's order (needle length, GTIN)."""
    by_gtin: dict[str, list[LotStock]] = {}
    for row in lots.itertuples(index=False):
        by_gtin.setdefault(str(row.gtin), []).append(
            LotStock(row.lot, date.fromisoformat(day_text(row.expiry)[:10]), int(row.units))
        )
    return {
        str(row.gtin): plan_product(
            by_gtin.get(str(row.gtin), []),
            stock_date=today,
            rate=rate_of_use(int(used.get(row.gtin, 0)), days),
            reorder_level=int(row.reorder_level),
            units_per_pack=int(row.units_per_pack),
        )
        for row in stock.itertuples(index=False)
    }


def _plan_frames(
    stock: pd.DataFrame, plans: dict[str, ProductPlan], used_in_period: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The plan as three tables: cover per product, reorder per product, and lots in order."""
    cover_rows, reorder_rows, lot_rows = [], [], []
    for row in stock.itertuples(index=False):
        plan = plans[str(row.gtin)]
        named = {"gtin": row.gtin, "product": row.product, "needle_length_mm": row.needle_length_mm}
        used = plan.rate > 0
        cover = plan.days_of_cover
        last = plan.runs_out_on
        cover_rows.append(
            named
            | {
                "usable": plan.usable,
                "used_in_period": int(used_in_period.get(row.gtin, 0)),
                "per_day": f"{float(plan.rate):.2f}",
                "will_be_used": plan.will_be_used if used else "",
                "will_expire_unused": plan.will_expire_unused if used else "",
                "will_expire_unused_lots": plan.unused_text if used else "",
                "days_of_cover": NO_USE if cover is None else f"{float(cover):.1f}",
                "runs_out_on": (last.isoformat() if last else "no stock") if used else NO_USE,
            }
        )
        units = plan.suggested_units
        reorder_rows.append(
            named
            | {
                "reorder_level": plan.reorder_level,
                "stock_counted": plan.planned_stock,
                "per_day": f"{float(plan.rate):.2f}",
                "reorder_on": plan.reorder_text,
                "suggested_units": "" if units is None else units,
                "units_per_pack": plan.units_per_pack,
                "suggested_packs": "" if units is None else plan.suggested_packs,
            }
        )
        for lot in plan.lots:
            lot_rows.append(
                {"gtin": row.gtin, "product": row.product, "lot": lot.lot_text}
                | {
                    "expiry": lot.expiry.isoformat(),
                    "days_left": (lot.expiry - plan.stock_date).days,
                    "usable": lot.units,
                    "will_be_used": lot.will_be_used if used else "",
                    "will_expire_unused": lot.will_expire_unused if used else "",
                }
            )
    columns = {
        "cover": [
            "gtin",
            "product",
            "needle_length_mm",
            "usable",
            "used_in_period",
            "per_day",
            "will_be_used",
            "will_expire_unused",
            "will_expire_unused_lots",
            "days_of_cover",
            "runs_out_on",
        ],
        "reorder": [
            "gtin",
            "product",
            "needle_length_mm",
            "reorder_level",
            "stock_counted",
            "per_day",
            "reorder_on",
            "suggested_units",
            "units_per_pack",
            "suggested_packs",
        ],
        "lots": [
            "gtin",
            "product",
            "lot",
            "expiry",
            "days_left",
            "usable",
            "will_be_used",
            "will_expire_unused",
        ],
    }
    return (
        pd.DataFrame(cover_rows, columns=columns["cover"]),
        pd.DataFrame(reorder_rows, columns=columns["reorder"]),
        pd.DataFrame(lot_rows, columns=columns["lots"]),
    )


def _unused_total(plans: dict[str, ProductPlan]) -> int:
    """Units that will expire unused, over the products that have a rate of use."""
    return sum(p.will_expire_unused for p in plans.values() if p.rate > 0)


def _day(value: object, dialect: str) -> object:
    return value.isoformat() if dialect == "sqlite" else value  # type: ignore[attr-defined]


def _band(days_left: int) -> str:
    return next((name for name, low, high in BANDS if low <= days_left <= high), "later")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _pdf(
    doc: PdfReport,
    info: ReportInfo,
    tables: list[Table],
    uses: pd.DataFrame,
    plans: dict[str, ProductPlan],
    within: dict[int, int],
    days: int,
    series: SeriesTable,
) -> None:
    width = doc.frame_width
    regular = doc.fonts.regular
    counts = [(t.title, str(len(t.frame))) for t in tables]
    counts.insert(0, ("Units used in the period", str(len(uses))))
    counts.append(series.cover_row())
    doc.flow(cover(doc, info, counts))
    by_product, by_practitioner, stock, expiring, cover_table, reorder, lot_plan = tables

    none = doc.paragraph("No unit was used in this period.", 9)
    doc.new_section("Use by needle length and product")
    pivot = uses.pivot_table(
        index="month", columns="needle_length_mm", values="gtin", aggfunc="count", fill_value=0
    )
    lengths = sorted(pivot.columns, key=float)
    chart = (
        stacked_bars(
            list(pivot.index),
            {f"{mm} mm": [int(v) for v in pivot[mm]] for mm in lengths},
            width=width,
            height=210,
            fonts=regular,
            title="Units used per month, by needle length",
        )
        if len(uses)
        else none
    )
    doc.flow([chart, Spacer(1, 8), _table(doc, by_product, width)])

    doc.new_section("Use by practitioner")
    totals = uses.groupby("practitioner").size().sort_values(ascending=False)
    flow: list[Flowable] = [
        horizontal_bars(
            list(totals.index),
            [int(v) for v in totals],
            width=width,
            fonts=regular,
            title="Units used in the period, by practitioner",
        )
        if len(totals)
        else none,
        Spacer(1, 8),
    ]
    months = sorted(uses["month"].unique())
    if 0 < len(months) <= 12:
        grid = uses.pivot_table(
            index="practitioner", columns="month", values="gtin", aggfunc="count", fill_value=0
        )
        grid["Total"] = grid.sum(axis=1)
        rows = [[name, *(str(int(v)) for v in values)] for name, values in grid.iterrows()]
        first = 120.0
        rest = (width - first) / (len(grid.columns))
        flow.append(
            doc.small_table(
                ["Practitioner", *grid.columns],
                rows,
                [first] + [rest] * len(grid.columns),
                size=7.5,
            )
        )
    else:
        flow.append(_table(doc, by_practitioner.frame, width))
    doc.flow(flow)
    doc.space(14)
    doc.heading(series.title, 12)
    doc.flow(series.flowables(doc))

    doc.new_section("Stock on hand")
    doc.flow(
        [
            doc.paragraph(
                "Usable means in stock, unexpired and not recalled. Counts are as of the moment "
                "this report was generated. Below reorder level compares the level with the "
                "units that will be used before they expire (see Reorder plan).",
                8.5,
            ),
            Spacer(1, 6),
            _table(doc, stock, width),
        ]
    )

    doc.new_section("Expiring stock")
    doc.flow(
        [
            doc.paragraph(
                f"In stock and expiring within 30 days: {within[30]} units; within 60 days: "
                f"{within[60]}; within 90 days: {within[90]}. Expired units still on the shelf "
                "are listed first: discard them.",
                9,
            ),
            Spacer(1, 6),
            _table(doc, expiring, width),
        ]
    )

    doc.new_section("Days of cover")
    _cover_pdf(doc, cover_table, lot_plan, plans, days)
    doc.heading("Reorder plan", 12)
    doc.flow(
        [
            _table(
                doc,
                reorder.frame.assign(
                    suggested_quantity=[
                        _quantity_text(plans[str(g)]) for g in reorder.frame["gtin"]
                    ]
                )[
                    [
                        "product",
                        "gtin",
                        "needle_length_mm",
                        "reorder_level",
                        "stock_counted",
                        "per_day",
                        "reorder_on",
                        "suggested_quantity",
                    ]
                ],
                width,
            ),
            Spacer(1, 4),
            doc.paragraph(REORDER_RULE, 8),
        ]
    )


def _cover_pdf(
    doc: PdfReport,
    cover_table: Table,
    lot_plan: Table,
    plans: dict[str, ProductPlan],
    days: int,
) -> None:
    """Days of cover: the rate, a chart, the table, what will expire unused, and the rule."""
    width = doc.frame_width
    frame_ = cover_table.frame
    rows = list(frame_.itertuples(index=False))
    charted = [r for r in rows if plans[str(r.gtin)].rate > 0]
    values = [float(plans[str(r.gtin)].days_of_cover or 0) for r in charted]
    losses = [
        doc.paragraph(
            f"{row.product} ({row.gtin}): {row.will_expire_unused} units will expire unused "
            f"({row.will_expire_unused_lots}).",
            8.5,
        )
        for row in rows
        if row.will_expire_unused_lots
    ]
    if not losses and charted:
        losses = [
            doc.paragraph("At this rate every usable unit will be used before it expires.", 8.5)
        ]
    doc.flow(
        [
            doc.paragraph(
                rate_rule(days) + " Days of cover counts only the units that will be used "
                f"before their lot expires (rule below the table). Bars stop at {COVER_CAP} days.",
                8.5,
            ),
            Spacer(1, 6),
            horizontal_bars(
                [f"{r.product} ({r.gtin})" for r in charted],
                values,
                width=width,
                fonts=doc.fonts.regular,
                cap=COVER_CAP,
                label_width=220,
                title="Days of cover per product (units that will be used before expiry)",
            )
            if values
            else doc.paragraph("No product was used in this period: no rate of use.", 9),
            Spacer(1, 8),
            _table(doc, frame_.drop(columns="will_expire_unused_lots"), width),
            Spacer(1, 6),
            *losses,
            Spacer(1, 4),
            doc.paragraph(COVER_RULE, 8),
            Spacer(1, 10),
            doc.paragraph(lot_plan.title, 9, bold=True),
            Spacer(1, 4),
            _table(doc, lot_plan.frame, width),
            Spacer(1, 10),
        ]
    )


def _quantity_text(plan: ProductPlan) -> str:
    """The quantity as a manager orders it: 40 (4 packs of 10); empty when none is suggested."""
    units, packs = plan.suggested_units, plan.suggested_packs
    if units is None:
        return ""
    pack = "pack" if packs == 1 else "packs"
    return f"{units} ({packs} {pack} of {plan.units_per_pack})"


_TITLES = {
    "needle_length_mm": "Needle mm",
    "gtin": "GTIN",
    "in_stock": "In stock",
    "below_reorder_level": "Below reorder level",
    "used_in_period": "Used in period",
    "per_day": "Per day",
    "days_of_cover": "Days of cover",
    "days_left": "Days left",
    "reorder_level": "Reorder level",
    "will_be_used": "Will be used",
    "will_expire_unused": "Will expire unused",
    "runs_out_on": "Runs out on",
    "stock_counted": "Stock counted",
    "reorder_on": "Reorder on",
    "suggested_quantity": "Suggested quantity",
}


_WEIGHTS = {
    "product": 3.0,
    "practitioner": 2.2,
    "gtin": 2.0,
    "band": 1.9,
    "lot": 1.4,
    "quarantined": 1.6,
    "below_reorder_level": 1.6,
    "will_expire_unused": 1.4,
    "runs_out_on": 1.6,
    "reorder_on": 1.6,
    "suggested_quantity": 2.0,
}


def _table(doc: PdfReport, table: Table | pd.DataFrame, width: float) -> Flowable:
    df = table.frame if isinstance(table, Table) else table
    header = [_TITLES.get(c, c.replace("_", " ").capitalize()) for c in df.columns]
    weights = [_WEIGHTS.get(c, 1.2) for c in df.columns]
    widths = [width * w / sum(weights) for w in weights]
    rows: Sequence[Sequence[str]] = [[_text(v) for v in row] for row in df.itertuples(index=False)]
    return doc.small_table(header, rows, widths, size=7.5)
