"""The manager's usage report: what was used, what is on the shelf, what expires, how long it lasts.

The data are small aggregates, so pandas shapes them (months on the clinic's calendar,
pivots, expiry bands); each table is one DataFrame that feeds both the CSV and the PDF.
Stock figures are as of the moment the report is generated; use figures cover the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pandas as pd
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Flowable, Spacer
from sqlalchemy import Connection

from inventory.clock import local_date
from reports.charts import horizontal_bars, stacked_bars
from reports.cover import ReportInfo, cover
from reports.data import day_text, frame, mm_of
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
SELECT p.gtin, p.name AS product, p.needle_length_um, p.reorder_level,
  SUM(CASE WHEN u.status = 'in_stock' THEN 1 ELSE 0 END) AS in_stock,
  SUM(CASE WHEN u.status = 'in_stock' AND l.expiry < :today THEN 1 ELSE 0 END) AS expired,
  SUM(CASE WHEN u.status = 'in_stock' AND l.expiry >= :today AND {_RECALLED}
      THEN 1 ELSE 0 END) AS recalled,
  SUM(CASE WHEN u.status = 'quarantined' THEN 1 ELSE 0 END) AS quarantined
FROM product p
LEFT JOIN unit u ON u.product_id = p.id
LEFT JOIN lot l ON l.id = u.lot_id
GROUP BY p.id, p.gtin, p.name, p.needle_length_um, p.reorder_level
ORDER BY p.needle_length_um, p.gtin
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
    for column in ("in_stock", "expired", "recalled", "quarantined", "reorder_level"):
        stock[column] = stock[column].astype(int)
    stock["usable"] = stock["in_stock"] - stock["expired"] - stock["recalled"]
    stock["needle_length_mm"] = stock["needle_length_um"].map(mm_of)
    stock["below_reorder_level"] = (stock["usable"] < stock["reorder_level"]).map(
        {True: "yes", False: "no"}
    )
    used = uses.groupby("gtin").size()
    cover_days = stock[["gtin", "product", "needle_length_mm", "usable"]].copy()
    cover_days["used_in_period"] = cover_days["gtin"].map(used).fillna(0).astype(int)
    rate = cover_days["used_in_period"] / days
    cover_days["days"] = (cover_days["usable"] / rate).where(rate > 0)
    cover_days["per_day"] = rate.map(lambda v: f"{v:.2f}")
    cover_days["days_of_cover"] = cover_days["days"].map(
        lambda d: "no use in period" if pd.isna(d) else f"{d:.0f}"
    )
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
            f"Days of stock left at the period's rate of use ({days} days)",
            cover_days[
                [
                    "gtin",
                    "product",
                    "needle_length_mm",
                    "usable",
                    "used_in_period",
                    "per_day",
                    "days_of_cover",
                ]
            ],
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
    ]
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
        _pdf(writers.doc, info, tables, uses, cover_days, within, days)
    return counts


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
    cover_days: pd.DataFrame,
    within: dict[int, int],
    days: int,
) -> None:
    width = doc.frame_width
    regular = doc.fonts.regular
    counts = [(t.title, str(len(t.frame))) for t in tables]
    counts.insert(0, ("Units used in the period", str(len(uses))))
    doc.flow(cover(doc, info, counts))
    by_product, by_practitioner, stock, expiring, cover_table = tables

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

    doc.new_section("Stock on hand")
    doc.flow(
        [
            doc.paragraph(
                "Usable means in stock, unexpired and not recalled. Counts are as of the moment "
                "this report was generated.",
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
    chartable = cover_days[cover_days["days"].notna()]
    values = [float(d) for d in chartable["days"]]
    doc.flow(
        [
            doc.paragraph(
                f"Rate of use = units used in the period / {days} days. Days of cover = usable "
                f"units / rate. Bars stop at {COVER_CAP} days.",
                8.5,
            ),
            Spacer(1, 6),
            horizontal_bars(
                [
                    f"{p} ({g})"
                    for p, g in zip(chartable["product"], chartable["gtin"], strict=True)
                ],
                values,
                width=width,
                fonts=regular,
                cap=COVER_CAP,
                label_width=220,
                title="Days of cover per product",
            )
            if values
            else doc.paragraph("No product was used in this period: no rate of use.", 9),
            Spacer(1, 8),
            _table(doc, cover_table, width),
        ]
    )


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
}


_WEIGHTS = {
    "product": 3.0,
    "practitioner": 2.2,
    "gtin": 2.0,
    "band": 1.9,
    "lot": 1.4,
    "quarantined": 1.6,
    "below_reorder_level": 1.6,
}


def _table(doc: PdfReport, table: Table | pd.DataFrame, width: float) -> Flowable:
    df = table.frame if isinstance(table, Table) else table
    header = [_TITLES.get(c, c.replace("_", " ").capitalize()) for c in df.columns]
    weights = [_WEIGHTS.get(c, 1.2) for c in df.columns]
    widths = [width * w / sum(weights) for w in weights]
    rows: Sequence[Sequence[str]] = [[_text(v) for v in row] for row in df.itertuples(index=False)]
    return doc.small_table(header, rows, widths, size=7.5)
