"""The inspector's compliance report: its sections' queries, printed columns and assembly.

``build`` streams every section through both writers (``reports.pipeline.Writers``): one
query per section, read once, so the PDF and the CSV always agree. The long sections
(one row per use) come from the cursor as text already formatted and neutralised in SQL
(``reports.data.Sql``); the summary counts are small and use pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4, landscape
from sqlalchemy import Connection, text

from inventory import audit
from inventory.audit import ChainReport
from inventory.errors import LedgerError
from reports.cover import ReportInfo, cover
from reports.data import (
    CLIENT_TABLE,
    Period,
    Row,
    Sql,
    drop_clients,
    frame,
    load_clients,
    stream,
)
from reports.pdf_writer import Column, PdfReport, StreamTable
from sterility.recalls import MATCH_SQL

if TYPE_CHECKING:
    import pandas as pd

    from reports.pipeline import Steps, Writers

TITLE = "Compliance report"
PAGESIZE = landscape(A4)

# Printed columns per section; numbers point into the CSV row of that section.
PDF_COLUMNS: dict[str, list[Column]] = {
    "uses": [
        Column("Time (local)", 96, 0),
        Column("Session", 34, 2),
        Column("Practitioner", 84, 3),
        Column("Client", 70, 4),
        Column("Area", 50, 5),
        Column("Depth mm", 30, 6),
        Column("Product", 118, 7),
        Column("Needle mm", 30, 8),
        Column("GTIN", 62, 9),
        Column("Lot", 56, 10),
        Column("Expiry", 46, 11),
        Column("Serial / unit code", 94, (12, 13)),
    ],
    "refusals": [
        Column("Time (local)", 96, 0),
        Column("Session", 38, 2),
        Column("Client", 66, 3),
        Column("Refused by", 84, 5),
        Column("Scanned", 130, 6),
        Column("Reason", 72, 7),
        Column("What the practitioner was told", 284, 8),
    ],
    "recalls": [
        Column("Used at (local)", 100, 11),
        Column("Session", 50, 13),
        Column("Client", 110, 14),
        Column("Practitioner", 160, 15),
        Column("Lot", 150, 9),
        Column("Unit code / serial", 200, (16, 17)),
    ],
    "quarantine_waste": [
        Column("Time (local)", 96, 0),
        Column("Action", 56, 2),
        Column("Unit / serial", 80, (3, 4)),
        Column("Product", 130, 5),
        Column("GTIN", 62, 6),
        Column("Lot", 60, 7),
        Column("Expiry", 48, 8),
        Column("Reason", 150, 9),
        Column("By", 88, 10),
    ],
}

EMPTY = {
    "uses": "No unit was used in this period.",
    "refusals": "No scan was refused in this period.",
    "recalls": "No recall was open during this period.",
    "quarantine_waste": "No unit was quarantined, released or wasted in this period.",
}
INTRO = {
    "uses": "Every unit used in a treatment session in the period, in time order: who treated "
    "which client with which cartridge or roller.",
    "refusals": "Every scan the chair refused, with the reason shown to the practitioner.",
    "recalls": "Every recall open at any time in the period, and each session that used a unit "
    "of a recalled lot (at any time), so the clients can be called back.",
    "quarantine_waste": "Units held back, returned to stock or discarded in the period, with "
    "the reason given.",
}
SUMMARY_NAMES = {
    "uses": "Units used (session log rows)",
    "refusals": "Refused scans",
    "recalls": "Recall rows (recalled lots and the uses they touched)",
    "quarantine_waste": "Quarantine, release and waste events",
}


def build(
    conn: Connection,
    info: ReportInfo,
    client: Callable[[str, str], str],
    writers: Writers,
    steps: Steps,
) -> dict[str, int]:
    """Stream every compliance section through both writers; returns rows per section."""
    dialect = conn.dialect.name
    params = info.period.params(dialect)
    load_clients(conn, client)
    sql = Sql(dialect, info.clinic.tz)
    sql.learn_lengths(conn)
    sections = compliance_sections(sql, info.period, first_use(conn))
    counts = {s.name: s.count(conn, params) for s in sections}
    totals = period_totals(conn, params)
    by_reason = refusals_by_reason(conn, params)
    steps.total = max(1, sum(counts.values()))
    steps.phase(0.03, "Checking the audit trail")
    chain = audit.verify(conn)
    summary = [
        *info.summary_rows(),
        ("sessions_opened_in_period", str(totals["sessions"])),
        ("clients_with_a_session", str(totals["clients"])),
        *((f"rows.{name}", str(n)) for name, n in counts.items()),
        *((f"refusals.{r.reason}", str(int(r.refusals))) for r in by_reason.itertuples()),
        ("recalls_open_in_period", str(totals["recalls"])),
        ("units_in_quarantine_now", str(totals["quarantined_now"])),
        ("audit_trail", chain.sentence),
    ]
    out = writers.csv("summary", ("item", "value"))
    for row in summary:
        out.row(row)
    doc = writers.doc
    if doc is not None:
        cover_counts = [
            ("Treatment sessions opened", str(totals["sessions"])),
            ("Clients with a session", str(totals["clients"])),
            *((SUMMARY_NAMES[name], str(n)) for name, n in counts.items()),
            *(
                (f"· refused: {r.reason.replace('_', ' ')}", str(int(r.refusals)))
                for r in by_reason.itertuples()
            ),
            ("Units in quarantine now", str(totals["quarantined_now"])),
            ("Audit trail", "intact" if chain.ok else f"BROKEN at event {chain.first_broken}"),
        ]
        doc.flow(cover(doc, info, cover_counts))
    for section in sections:
        steps.phase(steps.done / steps.total * 0.85 + 0.05, section.title)
        out = writers.csv(section.name, section.header)
        printer = SectionPrinter(doc, section) if doc is not None else None
        pdf_row = printer.row if printer is not None else None
        for batch in section.batches(conn, params):
            out.rows_of(batch)
            if pdf_row is not None:
                for cells in batch:
                    pdf_row(cells)
                    steps.tick()
            else:
                steps.tick(len(batch))
        if out.rows != counts[section.name]:
            raise LedgerError(
                f"The {section.name} section changed while it was read; export again.",
                code="inconsistent",
            )
        if printer is not None:
            printer.close(out.rows)
    out = writers.csv("audit", ("item", "value"))
    for row in audit_rows(chain, totals["audit_events"]):
        out.row(row)
    if doc is not None:
        audit_page(doc, chain, totals["audit_events"])
    drop_clients(conn)
    return counts


# --- the sections' queries ----------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One subject of a report: its CSV columns and the query that gives its rows as text."""

    name: str
    title: str
    header: Sequence[str]
    sql: str
    count_sql: str | None = None  # a cheaper query with the same number of rows

    def batches(self, conn: Connection, params: dict[str, Any]) -> Iterator[list[Row]]:
        return stream(conn, self.sql, params)

    def count(self, conn: Connection, params: dict[str, Any]) -> int:
        """The section's row count, without formatting a single row."""
        query = self.count_sql
        if query is None:
            body = self.sql[self.sql.index("\nFROM ") : self.sql.index("\nORDER BY")]
            query = f"SELECT count(*) {body}"
        return int(conn.execute(text(query), params).scalar_one())


def compliance_sections(sql: Sql, period: Period, first_use: datetime | None) -> list[Section]:
    """The long sections of the compliance report, in the order they are printed."""
    lo, hi = period.start_utc, period.end_utc
    early = min(lo, first_use) if first_use else lo
    late = max(hi, datetime.now(UTC))
    n, t, mm = sql.neut, sql.text, sql.mm
    uses = f"""
SELECT {sql.local("uu.used_at", lo, hi)}, {sql.utc("uu.used_at")}, {t("ts.id")},
       {n("ts.practitioner")}, COALESCE(rcl.shown, ''), {n("ts.area")},
       {mm("ts.planned_depth_um")}, {n("p.name")}, {mm("p.needle_length_um")}, p.gtin,
       {n("l.lot_number")}, {t("l.expiry")}, {n("u.serial")}, u.code, {n("uu.used_by")},
       {sql.yes_no("uu.deeper_confirmed")}
FROM unit_use uu
JOIN unit u ON u.id = uu.unit_id
JOIN treatment_session ts ON ts.id = uu.session_id
LEFT JOIN {CLIENT_TABLE} rcl ON rcl.ref = ts.client_key
JOIN lot l ON l.id = u.lot_id
JOIN product p ON p.id = u.product_id
WHERE uu.used_at >= :start AND uu.used_at < :end
ORDER BY uu.used_at, uu.id
"""
    refusals = f"""
SELECT {sql.local("r.refused_at", lo, hi)}, {sql.utc("r.refused_at")}, {t("r.session_id")},
       COALESCE(rcl.shown, ''), {n("ts.practitioner")}, {n("r.refused_by")},
       {n(sql.gs("r.scanned"))}, r.reason, {n("r.message")}, COALESCE(u.code, ''),
       COALESCE(p.gtin, ''), {n("l.lot_number")}
FROM refusal r
LEFT JOIN treatment_session ts ON ts.id = r.session_id
LEFT JOIN {CLIENT_TABLE} rcl ON rcl.ref = ts.client_key
LEFT JOIN unit u ON u.id = r.unit_id
LEFT JOIN lot l ON l.id = u.lot_id
LEFT JOIN product p ON p.id = u.product_id
WHERE r.refused_at >= :start AND r.refused_at < :end
ORDER BY r.refused_at, r.id
"""
    lots = f"(SELECT {sql.agg_lots()} FROM recall_item x WHERE x.recall_id = rc.id)"
    hit_named = MATCH_SQL.format(
        ri="ri", gtin="hit.gtin", lot="hit.lot_number", serial="hit.serial", code="hit.code"
    )
    recalls = f"""
SELECT {t("rc.id")}, {n("rc.reference")}, rc.gtin, {n("p.name")}, {n(lots)},
       {t("rc.notice_date")}, {sql.local("rc.entered_at", early, late)},
       CASE WHEN rc.closed_at IS NULL THEN 'open' ELSE 'closed' END, {n("rc.notice_text")},
       {n("ri.lot_number")}, {n("ri.serial")}, {sql.local("hit.used_at", early, late)},
       {sql.utc("hit.used_at")}, {t("hit.session_id")}, COALESCE(rcl.shown, ''),
       {n("hit.practitioner")}, COALESCE(hit.code, ''), {n("hit.serial")}
FROM recall rc
JOIN recall_item ri ON ri.recall_id = rc.id
LEFT JOIN product p ON p.gtin = ri.gtin
LEFT JOIN (
    SELECT pu.gtin, lu.lot_number, u.code, u.serial, uu.used_at, uu.id AS use_id,
           ts.id AS session_id, ts.client_key, ts.practitioner
    FROM unit u
    JOIN lot lu ON lu.id = u.lot_id
    JOIN product pu ON pu.id = u.product_id
    JOIN unit_use uu ON uu.unit_id = u.id
    JOIN treatment_session ts ON ts.id = uu.session_id
) hit ON {hit_named}
LEFT JOIN {CLIENT_TABLE} rcl ON rcl.ref = hit.client_key
WHERE rc.entered_at < :end AND (rc.closed_at IS NULL OR rc.closed_at >= :start)
ORDER BY rc.id, ri.lot_number, ri.id, hit.used_at, hit.use_id
"""
    holds = f"""
SELECT {sql.local("a.at", lo, hi)}, {sql.utc("a.at")}, a.action, {n("a.entity_id")},
       {n("u.serial")}, {n("p.name")}, COALESCE(p.gtin, ''), {n("l.lot_number")},
       {t("l.expiry")}, {n(sql.reason())}, {n("a.actor")}
FROM audit_event a
LEFT JOIN unit u ON u.code = a.entity_id
LEFT JOIN lot l ON l.id = u.lot_id
LEFT JOIN product p ON p.id = u.product_id
WHERE a.entity = 'unit' AND a.action IN ('quarantine', 'release', 'waste')
  AND a.at >= :start AND a.at < :end
ORDER BY a.id
"""
    return [
        Section(
            "uses",
            "Session log: one row per unit used",
            USES_HEADER,
            uses,
            # Every join of the log is an inner join along a foreign key: one row per use.
            "SELECT count(*) FROM unit_use WHERE used_at >= :start AND used_at < :end",
        ),
        Section("refusals", "Refused scans", REFUSALS_HEADER, refusals),
        Section("recalls", "Recalls and the sessions they touched", RECALLS_HEADER, recalls),
        Section("quarantine_waste", "Quarantine, release and waste", HOLDS_HEADER, holds),
    ]


USES_HEADER = (
    "used_at_local", "used_at_utc", "session", "practitioner", "client", "area",
    "planned_depth_mm", "product", "needle_length_mm", "gtin", "lot", "expiry", "serial",
    "unit_code", "used_by", "deeper_than_planned_confirmed",
)  # fmt: skip
REFUSALS_HEADER = (
    "refused_at_local", "refused_at_utc", "session", "client", "practitioner", "refused_by",
    "scanned", "reason", "message", "unit_code", "gtin", "lot",
)  # fmt: skip
RECALLS_HEADER = (
    "recall", "reference", "gtin", "product", "recalled_lots", "notice_date",
    "entered_at_local", "status", "notice_text", "lot", "recalled_serial", "used_at_local",
    "used_at_utc", "session", "client", "practitioner", "unit_code", "serial",
)  # fmt: skip
HOLDS_HEADER = (
    "at_local", "at_utc", "action", "unit_code", "serial", "product", "gtin", "lot", "expiry",
    "reason", "by",
)  # fmt: skip


def first_use(conn: Connection) -> datetime | None:
    """When the ledger's first unit was used (recall traces may reach back that far)."""
    value = conn.exec_driver_sql("SELECT min(used_at) FROM unit_use").scalar()
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)


def refusals_by_reason(conn: Connection, params: dict[str, Any]) -> pd.DataFrame:
    return frame(
        conn,
        "SELECT reason, count(*) AS refusals FROM refusal "
        "WHERE refused_at >= :start AND refused_at < :end GROUP BY reason ORDER BY reason",
        params,
    )


def period_totals(conn: Connection, params: dict[str, Any]) -> dict[str, int]:
    """Counts for the cover that are not a section's row count."""
    one = frame(
        conn,
        """
        SELECT
          (SELECT count(*) FROM treatment_session
            WHERE opened_at >= :start AND opened_at < :end) AS sessions,
          (SELECT count(DISTINCT client_key) FROM treatment_session
            WHERE opened_at >= :start AND opened_at < :end) AS clients,
          (SELECT count(*) FROM recall
            WHERE entered_at < :end AND (closed_at IS NULL OR closed_at >= :start)) AS recalls,
          (SELECT count(*) FROM unit WHERE status = 'quarantined') AS quarantined_now,
          (SELECT count(*) FROM audit_event WHERE at >= :start AND at < :end) AS audit_events
        """,
        params,
    )
    return {str(k): int(v) for k, v in one.iloc[0].items()}


# --- the PDF pages ------------------------------------------------------------


class SectionPrinter:
    """Feeds one section's rows to the PDF: a streamed table (recalls grouped by notice)."""

    def __init__(self, doc: PdfReport, section: Section) -> None:
        self.doc, self.name = doc, section.name
        doc.new_section(section.title)
        doc.flow([doc.paragraph(INTRO[section.name], 8.5)])
        doc.space(6)
        self.table: StreamTable = doc.stream_table(PDF_COLUMNS[section.name])
        self._recall: str | None = None
        self._lot: str | None = None
        self.row: Callable[[Sequence[str]], None] = (
            self._recall_row if section.name == "recalls" else self.table.row
        )

    def _recall_row(self, cells: Sequence[str]) -> None:
        recall, reference, gtin, product, lots, notice_date, entered, status, notice = cells[:9]
        if recall != self._recall:
            self._recall, self._lot = recall, None
            self.table.note(
                f"Recall {reference} · GTIN {gtin} {product} · lots {lots} · notice of "
                f"{notice_date}, entered {entered} · {status}",
                bold=True,
            )
            self.table.note(f"Notice: {notice}")
        lot, serial = cells[9], cells[10]
        if not cells[11]:  # a recalled lot with no use of its units
            which = f"lot {lot}" + (f" serial {serial}" if serial else "")
            self.table.note(f"No unit of {which} was used.")
            return
        self.table.row(cells)

    def close(self, rows: int) -> None:
        if rows == 0:
            self.table.note(EMPTY[self.name])
        self.table.close()


def audit_page(doc: PdfReport, report: ChainReport, events_in_period: int) -> None:
    doc.new_section("Audit trail")
    state = "INTACT" if report.ok else "BROKEN"
    doc.flow(
        [
            doc.paragraph(f"Audit trail status: {state}", 13, bold=True),
            doc.paragraph(report.sentence, 10),
            doc.paragraph(
                f"Events checked: {report.events}. Events recorded in this period: "
                f"{events_in_period}. Hash of the last event: {report.last_hash}.",
                9,
            ),
            doc.paragraph(
                "Every change in the ledger is an append-only audit event chained to the one "
                "before it by SHA-256; the whole chain was recomputed for this report.",
                8,
            ),
        ]
    )


def audit_rows(report: ChainReport, events_in_period: int) -> list[tuple[str, str]]:
    return [
        ("status", "intact" if report.ok else "broken"),
        ("sentence", report.sentence),
        ("events_checked", str(report.events)),
        ("events_in_period", str(events_in_period)),
        ("first_broken_event", "" if report.first_broken is None else str(report.first_broken)),
        ("last_hash", report.last_hash),
    ]
