"""The inspector's compliance report: its sections' queries, printed columns and assembly.

``build`` streams every section through both writers (``reports.pipeline.Writers``): one
query per section, read once, so the PDF and the CSV always agree. The long sections
(one row per use) come from the cursor as text already formatted and neutralised in SQL
(``reports.data.Sql``); the summary counts are small and use pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import Spacer
from sqlalchemy import Connection, select, text

from inventory import audit
from inventory.audit import ChainReport
from inventory.clock import show_local
from inventory.errors import LedgerError
from reports import clinical_sections
from reports.cells import neutral
from reports.clinical_data import Clinical, clinical
from reports.cover import ReportInfo, cover
from reports.data import (
    CLIENT_TABLE,
    KIND_WORDS,
    REASON_WORDS,
    STATUS_WORDS,
    STERILIZATION_WORDS,
    Head,
    Period,
    Row,
    Sql,
    audit_heads,
    drop_clients,
    load_clients,
    reason_words,
    recall_unit_counts,
    shown_of_sessions,
    stream,
)
from reports.pdf_summaries import SUMMARISED, spaced
from reports.pdf_writer import MUTED, Column, PdfReport, StreamTable
from sterility.models import Recall
from sterility.recall_contacts import AffectedClient, affected_clients
from sterility.recalls import MATCH_SQL

if TYPE_CHECKING:
    from reports.pipeline import Steps, Writers

TITLE = "Compliance report"
PAGESIZE = landscape(A4)

# Printed columns per section; numbers point into the CSV row of that section.
PDF_COLUMNS: dict[str, list[Column]] = {
    "uses": [
        Column("Time (local)", 96, 0),
        Column("Session", 34, 2),
        Column("Practitioner", 76, 3),
        Column("Client", 66, 4),
        Column("Area", 44, 5),
        Column("Depth mm", 30, 6),
        Column("Product", 100, 7),
        Column("Needle mm", 30, 8),
        Column("GTIN", 62, 9),
        Column("Lot", 52, 10),
        Column("Expiry", 46, 11),
        Column("Serial / unit code", 74, (12, 13)),
        Column("Recalled", 60, 16),
    ],
    "sessions": [
        Column("Session", 34, 0),
        Column("Opened (local)", 92, 1),
        Column("Opened by", 70, 3),
        Column("Closed (local)", 92, 4),
        Column("Closed by", 70, 6),
        Column("Practitioner", 76, 7),
        Column("Client", 66, 8),
        Column("Area", 44, 9),
        Column("Depth mm", 30, 10),
        Column("Device (pen)", 70, 11),
        Column("Units used", 30, 12),
        Column("Refused scans", 34, 13),
        Column("Flags", 62, 14),
    ],
    "refusals": [
        Column("Time (local)", 96, 0),
        Column("Session", 38, 2),
        Column("Client", 66, 3),
        Column("Refused by", 84, 5),
        Column("Scanned", 96, 6),
        Column("Reason", 106, (12, 7), template="{0} ({1})"),
        Column("What the practitioner was told", 284, 8),
    ],
    "recall_summary": [
        Column("Recall", 60, 1),
        Column("Product and lots", 90, (3, 4), template="{0}; lots {1}"),
        Column("Entered (local), by", 88, (6, 7), template="{0}, {1}"),
        Column("Status", 32, 9),
        Column("Closed (local), by", 88, (10, 11), template="{0}, {1}"),
        Column("Closing note", 80, 12),
        Column("Received", 40, 13),
        Column("Used", 30, 14),
        Column("Quarantined", 56, 15),
        Column("Returned", 42, 16),
        Column("Wasted", 36, 17),
        Column("In stock", 36, 18),
        Column("Used in the period", 40, 19),
        Column("Clients told / affected", 52, (21, 20), template="{0} / {1}"),
    ],
    "recalls": [
        Column("Used at (local)", 100, 11),
        Column("Session", 50, 13),
        Column("Client", 110, 14),
        Column("Practitioner", 140, 15),
        Column("Lot", 110, 9),
        Column("Unit code / serial", 140, (16, 17)),
        Column("Flag", 120, 19),
    ],
    "recall_contacts": [
        Column("Client", 80, 2),
        Column("Sessions", 60, 3),
        Column("Units used", 30, 4),
        Column("First used (local)", 96, 5),
        Column("Told of the recall?", 70, 7),
        Column("Contacted (local)", 96, 8),
        Column("By", 76, 9),
        Column("How", 60, 10),
        Column("Reached", 34, 11),
        Column("Note", 168, 12),
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
    "shelf_end": [
        Column("At the end of the period", 70, 0),
        Column("Unit / serial", 70, (1, 2)),
        Column("Product", 100, 3),
        Column("GTIN", 62, 4),
        Column("Lot", 50, 5),
        Column("Expiry", 46, 6),
        Column("Received (local)", 92, 7),
        Column("Held since (local)", 92, 8),
        Column("Held by", 64, 9),
        Column("Reason", 76, 10),
        Column("Status now", 48, 11),
    ],
    "receipts": [
        Column("Product", 220, 7),
        Column("GTIN", 62, 8),
        Column("Lot", 70, 9),
        Column("Production", 56, 10),
        Column("Expiry", 56, 11),
        Column("Units", 34, 12),
        Column("Unit codes", 272, (13, 14), template="{0} to {1}"),
    ],
    "products": [
        Column("Product", 118, 1),
        Column("GTIN", 62, 0),
        Column("Maker", 90, 2),
        Column("Kind", 52, 3),
        Column("Needles", 50, (4, 5), template="{0} ({1})"),
        Column("Needle mm", 30, 6),
        Column("Sterilization", 84, 7),
        Column("Units per pack", 30, 8),
        Column("Lot", 62, 9),
        Column("Production", 52, 10),
        Column("Expiry", 52, 11),
        Column("Received", 40, 12),
        Column("Used in the period", 48, 13),
    ],
}

EMPTY = {
    "uses": "No unit was used in this period.",
    "sessions": "No treatment session was opened in this period.",
    "refusals": "No scan was refused in this period.",
    "recall_summary": "No recall was open during this period, and no unit used in it has "
    "been recalled since.",
    "recalls": "No recall was open during this period, and no unit used in it has been "
    "recalled since.",
    "recall_contacts": "No client was treated with a unit of these recalls.",
    "quarantine_waste": "No unit was quarantined, released, wasted or returned in this period.",
    "shelf_end": "At the end of the period no expired unit was in stock and no unit was in "
    "quarantine.",
    "receipts": "No delivery was received in this period.",
    "products": "No unit of any product was received by the end of this period.",
    "audit_events": "No audit event was recorded in this period.",
}
INTRO = {
    "uses": "Every unit used in a treatment session in the period, in time order: who treated "
    "which client with which cartridge or roller. A row on a red band used a unit that a "
    'recall names (its notice in the last column, "after the period" when it was entered '
    "since).",
    "sessions": "Every treatment session opened in the period: who opened and closed it and "
    "when, the device (pen) used, and how many units it used and scans it refused. Flags: "
    '"left open" (never closed), "open at period end" (closed after the period), '
    '"refusals, no use" (scans were refused and no unit was used).',
    "refusals": "Every scan the chair refused, with the reason shown to the practitioner.",
    "recall_summary": "Every recall open at any time in the period, and every recall entered "
    "since that names a unit used in the period. Unit counts are where the units the recall "
    "names are now (at this export): received here, used on clients, still quarantined, "
    "returned to the supplier, wasted, in stock.",
    "recalls": "Each session that used a unit of a recalled lot (at any time), so the clients "
    "can be called back. Uses in this period of a lot recalled after it are flagged.",
    "recall_contacts": "Each client treated with a unit a recall names, and each contact "
    "recorded to tell them (up to this export): when, by whom, how, and whether they were "
    "reached. A client never reached is on a red band.",
    "quarantine_waste": "Units held back, returned to stock, discarded or returned to the "
    "supplier in the period, with the reason given.",
    "shelf_end": "What was on the shelf at the end of the period that must not be used: each "
    "unit still in stock whose lot had expired by then, and each unit in quarantine then "
    "(with when, by whom and why it was held). The last column is the unit's status now.",
    "receipts": "Every delivery received in the period: supplier, invoice, who received it "
    "and when, and what it brought in (per product and lot).",
    "products": "Every product and lot with units received by the end of the period: maker, "
    "sterilization method, production and expiry dates.",
}
SUMMARY_NAMES = {
    "uses": "Units used (session log rows)",
    "sessions": "Treatment sessions (rows)",
    "refusals": "Refused scans",
    "recall_summary": "Recalls in this report",
    "recalls": "Recall rows (recalled lots and the uses they touched)",
    "recall_contacts": "Affected clients and contacts (rows)",
    "quarantine_waste": "Quarantine, release, waste and return events",
    "shelf_end": "Units expired or quarantined on the shelf at the end",
    "receipts": "Receipt lines (deliveries by product and lot)",
    "products": "Products and lots",
    "audit_events": "Audit events in the period",
}
# The contents page names each section in other words than its heading, so a reader
# searching for a heading lands on the section itself.
CONTENTS = {
    "uses": "Units used, one row each (session log)",
    "sessions": "Treatment sessions: opened, closed, device, flags",
    "refusals": "Scans the chair refused, with the reason in words",
    "recall_summary": "How each recall was handled and closed; its units' counts",
    "recalls": "Uses of recalled lots, including lots recalled after the period",
    "recall_contacts": "Affected clients: whether, when and how each was told",
    "quarantine_waste": "Units held back, released, discarded or returned",
    "shelf_end": "Expired and quarantined units on the shelf at the end of the period",
    "receipts": "Deliveries received: supplier, invoice, who, what",
    "products": "Products and lots: maker, sterilization, production, expiry",
    "audit_events": "The audit trail's check; its head at the period's start and end; its "
    "events of the period by day (each event in the CSV)",
}
# The clinical sections (screening, equipment, sterilizer) are printed as kept there.
PDF_COLUMNS |= clinical_sections.PDF_COLUMNS
EMPTY |= clinical_sections.EMPTY
INTRO |= clinical_sections.INTRO
SUMMARY_NAMES |= clinical_sections.SUMMARY_NAMES
CONTENTS |= clinical_sections.CONTENTS
NAMED_BANNER = "CLIENT NAMES PRINTED: confidential client data"


def build(
    conn: Connection,
    info: ReportInfo,
    client: Callable[[str, str], str],
    writers: Writers,
    steps: Steps,
) -> dict[str, int]:
    """Stream every compliance section through both writers; returns rows per section."""
    dialect = conn.dialect.name
    params = {**info.period.params(dialect), **info.period.day_params(dialect)}
    load_clients(conn, client)
    sql = Sql(dialect, info.clinic.tz)
    sql.learn_lengths(conn)
    recalls = recall_facts(conn, params, info.period)
    care = clinical(conn, info.period)
    sections = clinical_sections.with_clinical(
        compliance_sections(sql, info.period, first_use(conn), recalls), care, sql, info.period
    )
    counts = {s.name: s.count(conn, params) for s in sections}
    totals = period_totals(conn, params)
    by_reason = refusals_by_reason(conn, params)
    steps.total = max(1, sum(counts.values()))
    steps.phase(0.03, "Checking the audit trail")
    chain = audit.verify(conn)
    heads = audit_heads(conn, params, info.tree.leaves if info.tree is not None else None)
    since = [r for r in recalls if r.after_period]
    flags = session_flags(conn, params)
    summary = [
        *info.summary_rows(),
        ("sessions_opened_in_period", str(totals["sessions"])),
        ("clients_with_a_session", str(totals["clients"])),
        *((f"rows.{name}", str(n)) for name, n in counts.items()),
        *((f"refusals.{r.reason}", str(int(r.refusals))) for r in by_reason),
        ("recalls_open_in_period", str(totals["recalls"])),
        ("recalls_entered_after_period_touching_it", str(len(since))),
        ("uses_in_period_of_units_recalled_since", str(sum(r.uses_in_period for r in since))),
        ("sessions_left_open", str(flags["left_open"])),
        ("sessions_with_refusals_and_no_use", str(flags["refused_no_use"])),
        ("units_in_quarantine_now", str(totals["quarantined_now"])),
        ("units_quarantined_at_period_end", str(totals["quarantined_at_end"])),
        ("units_expired_in_stock_at_period_end", str(totals["expired_at_end"])),
        *((name, str(n)) for name, n in care.totals.items()),
        ("audit_trail", chain.sentence),
    ]
    out = writers.csv("summary", ("item", "value"))
    for row in summary:
        out.row(row)
    doc = writers.doc
    if doc is not None:
        if info.with_client_names:
            doc.banner = NAMED_BANNER
        # The cover keeps to what fits beside the digest; the contents page has every count.
        cover_counts = [
            ("Treatment sessions opened", str(totals["sessions"])),
            ("Clients with a session", str(totals["clients"])),
            (SUMMARY_NAMES["uses"], str(counts["uses"])),
            (SUMMARY_NAMES["refusals"], str(counts["refusals"])),
            ("Sessions left open / with refusals and no use",
             f"{flags['left_open']} / {flags['refused_no_use']}"),
            ("Recalls in this report (entered after the period)",
             f"{len(recalls)} ({len(since)})"),
            ("Uses in this period of units recalled after it",
             str(sum(r.uses_in_period for r in since))),
            ("On the shelf at the end: quarantined / expired (listed)",
             f"{totals['quarantined_at_end']} / {totals['expired_at_end']}"),
            *clinical_sections.cover_counts(care),
            ("Audit trail", "intact" if chain.ok else f"BROKEN at event {chain.first_broken}"),
        ]  # fmt: skip
        doc.flow(cover(doc, info, cover_counts))
        contents_page(doc, sections, counts)
    extra = {
        "refusals": "By reason: "
        + "; ".join(f"{reason_words(r.reason)} {int(r.refusals)}" for r in by_reason)
        + "."
        if len(by_reason)
        else "",
    }
    for section in sections:
        steps.phase(steps.done / steps.total * 0.85 + 0.05, section.title)
        out = writers.csv(section.name, section.header)
        printer = None
        if doc is not None:
            if section.name == "audit_events":
                audit_page(doc, chain, heads)
            printer = SectionPrinter(doc, section, recalls, extra.get(section.name, ""), care)
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
    for row in audit_rows(chain, heads):
        out.row(row)
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


@dataclass(frozen=True)
class ListedSection:
    """A short section whose rows are put together in Python (recalls, contacts)."""

    name: str
    title: str
    header: Sequence[str]
    rows: list[Row]

    def batches(self, conn: Connection, params: dict[str, Any]) -> Iterator[list[Row]]:
        if self.rows:
            yield self.rows

    def count(self, conn: Connection, params: dict[str, Any]) -> int:
        return len(self.rows)


AnySection = Section | ListedSection

# Which recalls a report shows: those open at any time in the period, and those entered
# since that name a unit used in the period (an earlier quarter's report must show them).
RECALL_SCOPE = """(
    (rc.entered_at < :end AND (rc.closed_at IS NULL OR rc.closed_at >= :start))
    OR (rc.entered_at >= :end AND EXISTS (
        SELECT 1 FROM recall_item rs
        JOIN product ps ON ps.gtin = rs.gtin
        JOIN unit us ON us.product_id = ps.id
        JOIN lot ls ON ls.id = us.lot_id
        JOIN unit_use uus ON uus.unit_id = us.id
        WHERE rs.recall_id = rc.id AND {match}
          AND uus.used_at >= :start AND uus.used_at < :end))
)""".format(
    match=MATCH_SQL.format(
        ri="rs", gtin="ps.gtin", lot="ls.lot_number", serial="us.serial", code="us.code"
    )
)


def compliance_sections(
    sql: Sql, period: Period, first_use: datetime | None, recalls: list[RecallFact]
) -> list[AnySection]:
    """The sections of the compliance report, in the order they are printed."""
    lo, hi = period.start_utc, period.end_utc
    early = min(lo, first_use) if first_use else lo
    late = max(hi, datetime.now(UTC))
    n, t, mm = sql.neut, sql.text, sql.mm
    use_named = MATCH_SQL.format(
        ri="rix", gtin="p.gtin", lot="l.lot_number", serial="u.serial", code="u.code"
    )
    uses = f"""
SELECT {sql.local("uu.used_at", lo, hi)}, {sql.utc("uu.used_at")}, {t("ts.id")},
       {n("ts.practitioner")}, COALESCE(rcl.shown, ''), {n("ts.area")},
       {mm("ts.planned_depth_um")}, {n("p.name")}, {mm("p.needle_length_um")}, p.gtin,
       {n("l.lot_number")}, {t("l.expiry")}, {n("u.serial")}, u.code, {n("uu.used_by")},
       {sql.yes_no("uu.deeper_confirmed")},
       CASE WHEN rcx.id IS NULL THEN ''
            WHEN rcx.entered_at >= :end THEN {n("rcx.reference")} || ', after the period'
            ELSE {n("rcx.reference")} END,
       CASE WHEN rcx.id IS NULL THEN '' ELSE {sql.local("rcx.entered_at", early, late)} END
FROM unit_use uu
JOIN unit u ON u.id = uu.unit_id
JOIN treatment_session ts ON ts.id = uu.session_id
LEFT JOIN {CLIENT_TABLE} rcl ON rcl.ref = ts.client_key
JOIN lot l ON l.id = u.lot_id
JOIN product p ON p.id = u.product_id
LEFT JOIN recall rcx ON rcx.id = (
    SELECT min(rix.recall_id) FROM recall_item rix WHERE {use_named})
WHERE uu.used_at >= :start AND uu.used_at < :end
ORDER BY uu.used_at, uu.id
"""
    left_open = "ts.closed_at IS NULL"
    sessions = f"""
SELECT {t("ts.id")}, {sql.local("ts.opened_at", lo, hi)}, {sql.utc("ts.opened_at")},
       {n("ts.opened_by")}, {sql.local("ts.closed_at", lo, late)}, {sql.utc("ts.closed_at")},
       {n("ts.closed_by")}, {n("ts.practitioner")}, COALESCE(rcl.shown, ''), {n("ts.area")},
       {mm("ts.planned_depth_um")}, {n("ts.device")}, {t("COALESCE(su.n, 0)")},
       {t("COALESCE(sr.n, 0)")},
       rtrim(CASE WHEN {left_open} THEN 'left open; '
                  WHEN ts.closed_at >= :end THEN 'open at period end; ' ELSE '' END
             || CASE WHEN COALESCE(sr.n, 0) > 0 AND COALESCE(su.n, 0) = 0
                     THEN 'refusals, no use' ELSE '' END, '; ')
FROM treatment_session ts
LEFT JOIN {CLIENT_TABLE} rcl ON rcl.ref = ts.client_key
LEFT JOIN (SELECT session_id, count(*) AS n FROM unit_use GROUP BY session_id) su
       ON su.session_id = ts.id
LEFT JOIN (SELECT session_id, count(*) AS n FROM refusal GROUP BY session_id) sr
       ON sr.session_id = ts.id
WHERE ts.opened_at >= :start AND ts.opened_at < :end
ORDER BY ts.opened_at, ts.id
"""
    refusals = f"""
SELECT {sql.local("r.refused_at", lo, hi)}, {sql.utc("r.refused_at")}, {t("r.session_id")},
       COALESCE(rcl.shown, ''), {n("ts.practitioner")}, {n("r.refused_by")},
       {n(sql.gs("r.scanned"))}, r.reason, {n("r.message")}, COALESCE(u.code, ''),
       COALESCE(p.gtin, ''), {n("l.lot_number")}, {sql.words("r.reason", REASON_WORDS)}
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
    in_period = "hit.used_at >= :start AND hit.used_at < :end"
    recall_trace = f"""
SELECT {t("rc.id")}, {n("rc.reference")}, rc.gtin, {n("p.name")}, {n(lots)},
       {t("rc.notice_date")}, {sql.local("rc.entered_at", early, late)},
       CASE WHEN rc.closed_at IS NULL THEN 'open' ELSE 'closed' END, {n("rc.notice_text")},
       {n("ri.lot_number")}, {n("ri.serial")}, {sql.local("hit.used_at", early, late)},
       {sql.utc("hit.used_at")}, {t("hit.session_id")}, COALESCE(rcl.shown, ''),
       {n("hit.practitioner")}, COALESCE(hit.code, ''), {n("hit.serial")},
       CASE WHEN hit.use_id IS NOT NULL AND {in_period} THEN 'yes'
            WHEN hit.use_id IS NULL THEN '' ELSE 'no' END,
       CASE WHEN rc.entered_at >= :end AND hit.use_id IS NOT NULL AND {in_period}
            THEN 'used in this period, recalled since' ELSE '' END
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
WHERE {RECALL_SCOPE}
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
WHERE a.entity = 'unit' AND a.action IN ('quarantine', 'release', 'waste', 'return')
  AND a.at >= :start AND a.at < :end
ORDER BY a.id
"""
    # A unit's state at the end of the period: received by then, not used by then, and
    # as its last hold (quarantine, release, waste, return) before the end left it.
    expired = "l.expiry <= :end_day"
    held = "lh.action = 'quarantine'"
    in_stock = "(lh.action IS NULL OR lh.action = 'release')"
    shelf = f"""
SELECT CASE WHEN {held} AND {expired} THEN 'quarantined (lot expired)'
            WHEN {held} THEN 'quarantined' ELSE 'in stock, lot expired' END,
       u.code, {n("u.serial")}, {n("p.name")}, p.gtin, {n("l.lot_number")}, {t("l.expiry")},
       {sql.local("rc.received_at", early, hi)},
       CASE WHEN {held} THEN {sql.local("lh.held_at", early, hi)} ELSE '' END,
       CASE WHEN {held} THEN {n("lh.held_by")} ELSE '' END,
       CASE WHEN {held} THEN {n("lh.reason")} ELSE '' END,
       {sql.words("u.status", STATUS_WORDS)}
FROM unit u
JOIN receipt rc ON rc.id = u.receipt_id
JOIN lot l ON l.id = u.lot_id
JOIN product p ON p.id = u.product_id
LEFT JOIN unit_use uu ON uu.unit_id = u.id AND uu.used_at < :end
LEFT JOIN unit_hold lh ON lh.id = (
    SELECT h.id FROM unit_hold h WHERE h.unit_id = u.id AND h.held_at < :end
    ORDER BY h.held_at DESC, h.id DESC LIMIT 1)
WHERE rc.received_at < :end AND uu.id IS NULL
  AND ({held} OR ({in_stock} AND {expired}))
ORDER BY CASE WHEN {held} THEN 0 ELSE 1 END, p.name, l.expiry, l.lot_number, u.code
"""
    receipt_body = """
FROM receipt rc
JOIN unit u ON u.receipt_id = rc.id
JOIN lot l ON l.id = u.lot_id
JOIN product p ON p.id = u.product_id
WHERE rc.received_at >= :start AND rc.received_at < :end
GROUP BY rc.id, p.id, l.id"""
    receipts = f"""
SELECT {t("rc.id")}, {sql.local("rc.received_at", lo, hi)}, {sql.utc("rc.received_at")},
       {n("rc.supplier")}, {n("rc.invoice")}, {n("rc.received_by")}, {t("p.id")},
       {n("p.name")}, p.gtin, {n("l.lot_number")}, {t("l.production")}, {t("l.expiry")},
       {t("count(u.id)")}, min(u.code), max(u.code){receipt_body}
ORDER BY rc.received_at, rc.id, p.name, l.lot_number
"""
    products = f"""
SELECT p.gtin, {n("p.name")}, {n("p.maker")}, {sql.words("p.kind", KIND_WORDS)},
       {t("p.needle_count")}, {n("p.needle_config")}, {mm("p.needle_length_um")},
       {sql.words("p.sterilization", STERILIZATION_WORDS)}, {t("p.units_per_pack")},
       {n("l.lot_number")}, {t("l.production")}, {t("l.expiry")}, {t("k.received")},
       {t("k.used")}
FROM product p
JOIN lot l ON l.product_id = p.id
JOIN (
    SELECT u.lot_id, count(*) AS received,
           sum(CASE WHEN uu.used_at >= :start AND uu.used_at < :end THEN 1 ELSE 0 END) AS used
    FROM unit u
    JOIN receipt r ON r.id = u.receipt_id
    LEFT JOIN unit_use uu ON uu.unit_id = u.id
    WHERE r.received_at < :end
    GROUP BY u.lot_id
) k ON k.lot_id = l.id
ORDER BY p.name, p.gtin, l.expiry, l.lot_number
"""
    events = f"""
SELECT {t("a.id")}, {sql.local("a.at", lo, hi)}, {sql.utc("a.at")}, {n("a.actor")},
       a.action, a.entity, {n("a.entity_id")}, a.hash
FROM audit_event a
WHERE a.at >= :start AND a.at < :end
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
        Section(
            "sessions",
            "Treatment sessions",
            SESSIONS_HEADER,
            sessions,
            "SELECT count(*) FROM treatment_session WHERE opened_at >= :start AND opened_at < :end",
        ),
        Section("refusals", "Refused scans", REFUSALS_HEADER, refusals),
        ListedSection(
            "recall_summary",
            "Recalls: how each was handled and closed",
            RECALL_SUMMARY_HEADER,
            [r.summary_row() for r in recalls],
        ),
        Section("recalls", "Recalls and the sessions they touched", RECALLS_HEADER, recall_trace),
        ListedSection(
            "recall_contacts",
            "Recalls: affected clients and their contacts",
            RECALL_CONTACTS_HEADER,
            [row for r in recalls for row in r.contact_rows()],
        ),
        Section("quarantine_waste", "Quarantine, release and waste", HOLDS_HEADER, holds),
        Section("shelf_end", "On the shelf at the end of the period", SHELF_HEADER, shelf),
        Section(
            "receipts",
            "Deliveries received",
            RECEIPTS_HEADER,
            receipts,
            f"SELECT count(*) FROM (SELECT 1 AS one {receipt_body}) g",
        ),
        Section("products", "Products and lots", PRODUCTS_HEADER, products),
        Section("audit_events", "Audit events of the period", AUDIT_EVENTS_HEADER, events),
    ]


USES_HEADER = (
    "used_at_local", "used_at_utc", "session", "practitioner", "client", "area",
    "planned_depth_mm", "product", "needle_length_mm", "gtin", "lot", "expiry", "serial",
    "unit_code", "used_by", "deeper_than_planned_confirmed", "recalled_by",
    "recall_entered_at_local",
)  # fmt: skip
SESSIONS_HEADER = (
    "session", "opened_at_local", "opened_at_utc", "opened_by", "closed_at_local",
    "closed_at_utc", "closed_by", "practitioner", "client", "area", "planned_depth_mm",
    "device", "units_used", "refused_scans", "flags",
)  # fmt: skip
REFUSALS_HEADER = (
    "refused_at_local", "refused_at_utc", "session", "client", "practitioner", "refused_by",
    "scanned", "reason", "message", "unit_code", "gtin", "lot", "reason_in_words",
)  # fmt: skip
RECALL_SUMMARY_HEADER = (
    "recall", "reference", "gtin", "product", "recalled_lots", "notice_date",
    "entered_at_local", "entered_by", "in_this_report_because", "status", "closed_at_local",
    "closed_by", "close_note", "units_received", "units_used", "units_quarantined",
    "units_returned", "units_wasted", "units_in_stock", "uses_in_period", "clients_affected",
    "clients_contacted", "clients_not_contacted",
)  # fmt: skip
RECALLS_HEADER = (
    "recall", "reference", "gtin", "product", "recalled_lots", "notice_date",
    "entered_at_local", "status", "notice_text", "lot", "recalled_serial", "used_at_local",
    "used_at_utc", "session", "client", "practitioner", "unit_code", "serial",
    "used_in_period", "flag",
)  # fmt: skip
RECALL_CONTACTS_HEADER = (
    "recall", "reference", "client", "sessions", "units_used", "first_used_local",
    "last_used_local", "told", "contacted_at_local", "contacted_by", "method", "reached",
    "note", "attention",
)  # fmt: skip
HOLDS_HEADER = (
    "at_local", "at_utc", "action", "unit_code", "serial", "product", "gtin", "lot", "expiry",
    "reason", "by",
)  # fmt: skip
SHELF_HEADER = (
    "state_at_period_end", "unit_code", "serial", "product", "gtin", "lot", "expiry",
    "received_at_local", "held_since_local", "held_by", "hold_reason", "status_now",
)  # fmt: skip
RECEIPTS_HEADER = (
    "receipt", "received_at_local", "received_at_utc", "supplier", "invoice", "received_by",
    "product_id", "product", "gtin", "lot", "production_date", "expiry", "units",
    "first_unit_code", "last_unit_code",
)  # fmt: skip
PRODUCTS_HEADER = (
    "gtin", "product", "maker", "kind", "needle_count", "needle_configuration",
    "needle_length_mm", "sterilization", "units_per_pack", "lot", "production_date",
    "expiry", "units_received_by_period_end", "units_used_in_period",
)  # fmt: skip
AUDIT_EVENTS_HEADER = (
    "event", "at_local", "at_utc", "by", "action", "record", "record_id", "event_sha256",
)  # fmt: skip


# --- recalls: facts put together in Python ------------------------------------


@dataclass
class RecallFact:
    """One recall as the report shows it: how it was handled, its units, its clients."""

    id: int
    reference: str
    gtin: str
    product: str
    lots: str
    notice_date: date
    entered_at: datetime
    entered_by: str
    closed_at: datetime | None
    closed_by: str | None
    close_note: str | None
    after_period: bool
    tz: Any
    units: dict[str, int] = field(default_factory=dict)
    uses_in_period: int = 0
    clients: list[AffectedClient] = field(default_factory=list)
    shown: dict[int, str] = field(default_factory=dict)  # session -> client as printed

    def local(self, at: datetime | None) -> str:
        return "" if at is None else show_local(at, self.tz)

    @property
    def status(self) -> str:
        return "open" if self.closed_at is None else "closed"

    @property
    def why(self) -> str:
        if self.after_period:
            return "entered after the period; names units used in it"
        return "open during the period"

    def client_shown(self, client: AffectedClient) -> str:
        for session in client.sessions:
            if session in self.shown:
                return self.shown[session]
        return ""

    @property
    def contacted(self) -> int:
        return sum(1 for c in self.clients if c.contacted)

    def summary_row(self) -> Row:
        u = self.units
        cells = (
            str(self.id), self.reference, self.gtin, self.product, self.lots,
            self.notice_date.isoformat(), self.local(self.entered_at), self.entered_by,
            self.why, self.status, self.local(self.closed_at), self.closed_by or "",
            self.close_note or "", str(sum(u.values())), str(u.get("used", 0)),
            str(u.get("quarantined", 0)), str(u.get("returned", 0)), str(u.get("wasted", 0)),
            str(u.get("in_stock", 0)), str(self.uses_in_period), str(len(self.clients)),
            str(self.contacted), str(len(self.clients) - self.contacted),
        )  # fmt: skip
        return tuple(neutral(c) for c in cells)

    def contact_rows(self) -> list[Row]:
        """One row per contact, and one for an affected client with none yet."""
        rows: list[Row] = []
        for client in self.clients:
            told = "yes" if client.contacted else "tried, not reached" if client.contacts else "NO"
            base = (
                str(self.id), self.reference, self.client_shown(client),
                ", ".join(str(s) for s in client.sessions), str(client.uses),
                self.local(client.first_used), self.local(client.last_used), told,
            )  # fmt: skip
            attention = "" if client.contacted else "not told of the recall"
            if not client.contacts:
                rows.append((*base, "", "", "", "", "", attention))
            for contact in client.contacts:
                rows.append(
                    (
                        *base,
                        self.local(contact.contacted_at),
                        contact.recorded_by,
                        contact.method_words,
                        "yes" if contact.reached else "no",
                        contact.note,
                        attention,
                    )
                )
        return [tuple(neutral(c) for c in row) for row in rows]


def recall_facts(conn: Connection, params: dict[str, Any], period: Period) -> list[RecallFact]:
    """The recalls of this report (RECALL_SCOPE), with their units, clients and contacts."""
    rc = Recall.__table__.alias("rc")  # the name RECALL_SCOPE speaks of
    found = conn.execute(
        select(
            rc.c.id,
            rc.c.reference,
            rc.c.gtin,
            rc.c.notice_date,
            rc.c.entered_at,
            rc.c.entered_by,
            rc.c.closed_at,
            rc.c.closed_by,
            rc.c.close_note,
        )
        .where(text(RECALL_SCOPE))
        .order_by(rc.c.id),
        params,
    ).all()
    if not found:
        return []
    ids = [int(r.id) for r in found]
    listed = ", ".join(str(i) for i in ids)
    names = dict(
        conn.exec_driver_sql(
            "SELECT rc.id, COALESCE(p.name, '') FROM recall rc "
            f"LEFT JOIN product p ON p.gtin = rc.gtin WHERE rc.id IN ({listed})"
        ).all()
    )
    lots: dict[int, list[str]] = {}
    for recall_id, lot, serial in conn.exec_driver_sql(
        f"SELECT recall_id, lot_number, serial FROM recall_item WHERE recall_id IN ({listed}) "
        "ORDER BY id"
    ):
        what = (lot or "(no lot)") + (f" serial {serial}" if serial else "")
        if what not in lots.setdefault(int(recall_id), []):
            lots[int(recall_id)].append(what)
    match = MATCH_SQL.format(ri="ri", gtin="p.gtin", lot="l.lot_number", serial="u.serial",
                             code="u.code")  # fmt: skip
    in_period = dict(
        conn.execute(
            text(
                "SELECT ri.recall_id, count(DISTINCT uu.id) FROM unit_use uu "
                "JOIN unit u ON u.id = uu.unit_id JOIN lot l ON l.id = u.lot_id "
                f"JOIN product p ON p.id = u.product_id JOIN recall_item ri ON {match} "
                f"WHERE ri.recall_id IN ({listed}) AND uu.used_at >= :start "
                "AND uu.used_at < :end GROUP BY ri.recall_id"
            ),
            params,
        ).all()
    )
    units = recall_unit_counts(conn, ids)
    facts = []
    for r in found:
        fact = RecallFact(
            int(r.id), r.reference, r.gtin, names.get(r.id, ""), ", ".join(lots.get(r.id, [])),
            r.notice_date, r.entered_at, r.entered_by, r.closed_at, r.closed_by, r.close_note,
            r.entered_at >= period.end_utc, period.tz, units.get(int(r.id), {}),
            int(in_period.get(r.id, 0)),
        )  # fmt: skip
        fact.clients = affected_clients(conn, fact.id)
        fact.shown = shown_of_sessions(conn, [s for c in fact.clients for s in c.sessions])
        facts.append(fact)
    return facts


# --- small counts ---------------------------------------------------------------


def first_use(conn: Connection) -> datetime | None:
    """When the ledger's first unit was used (recall traces may reach back that far)."""
    value = conn.exec_driver_sql("SELECT min(used_at) FROM unit_use").scalar()
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)


def refusals_by_reason(conn: Connection, params: dict[str, Any]) -> list[Any]:
    """Refusals of the period per reason (rows with .reason and .refusals)."""
    return list(
        conn.execute(
            text(
                "SELECT reason, count(*) AS refusals FROM refusal WHERE refused_at >= :start "
                "AND refused_at < :end GROUP BY reason ORDER BY reason"
            ),
            params,
        )
    )


def session_flags(conn: Connection, params: dict[str, Any]) -> dict[str, int]:
    """Sessions of the period never closed, and those with refusals but no unit used."""
    row = conn.execute(
        text(
            """
            SELECT
              sum(CASE WHEN ts.closed_at IS NULL THEN 1 ELSE 0 END),
              sum(CASE WHEN EXISTS (SELECT 1 FROM refusal r WHERE r.session_id = ts.id)
                        AND NOT EXISTS (SELECT 1 FROM unit_use uu WHERE uu.session_id = ts.id)
                       THEN 1 ELSE 0 END)
            FROM treatment_session ts WHERE ts.opened_at >= :start AND ts.opened_at < :end
            """
        ),
        params,
    ).one()
    return {"left_open": int(row[0] or 0), "refused_no_use": int(row[1] or 0)}


def period_totals(conn: Connection, params: dict[str, Any]) -> dict[str, int]:
    """Counts for the cover that are not a section's row count."""
    one = conn.execute(
        text(
            f"""
        SELECT
          (SELECT count(*) FROM treatment_session
            WHERE opened_at >= :start AND opened_at < :end) AS sessions,
          (SELECT count(DISTINCT client_key) FROM treatment_session
            WHERE opened_at >= :start AND opened_at < :end) AS clients,
          (SELECT count(*) FROM recall
            WHERE entered_at < :end AND (closed_at IS NULL OR closed_at >= :start)) AS recalls,
          (SELECT count(*) FROM unit WHERE status = 'quarantined') AS quarantined_now,
          (SELECT count(*) FROM audit_event WHERE at >= :start AND at < :end) AS audit_events,
          ({_AT_END.format(state="lh.action = 'quarantine'")}) AS quarantined_at_end,
          ({
                _AT_END.format(
                    state="(lh.action IS NULL OR lh.action = 'release') AND l.expiry <= :end_day"
                )
            }) AS expired_at_end
        """
        ),
        params,
    ).one()
    return {str(k): int(v or 0) for k, v in one._mapping.items()}


_AT_END = """SELECT count(*) FROM unit u
    JOIN receipt rc ON rc.id = u.receipt_id
    JOIN lot l ON l.id = u.lot_id
    LEFT JOIN unit_use uu ON uu.unit_id = u.id AND uu.used_at < :end
    LEFT JOIN unit_hold lh ON lh.id = (
        SELECT h.id FROM unit_hold h WHERE h.unit_id = u.id AND h.held_at < :end
        ORDER BY h.held_at DESC, h.id DESC LIMIT 1)
    WHERE rc.received_at < :end AND uu.id IS NULL AND {state}"""


# --- the PDF pages ------------------------------------------------------------


def contents_page(doc: PdfReport, sections: Sequence[AnySection], counts: dict[str, int]) -> None:
    """What the report holds and where: each section's page, filled in at the end."""
    doc.new_section("Contents")
    rows = [(CONTENTS[s.name], str(counts[s.name]), doc.page_ref(s.name)) for s in sections]
    width = doc.frame_width
    doc.flow(
        [
            doc.paragraph(
                "Each section starts on a new page. Every table's rows are also in the CSV "
                "export of the same name, with the same data digest as the cover.",
                8.5,
                color=MUTED,
            ),
            Spacer(1, 6),
            doc.small_table(["Section", "Rows", "Page"], rows, [width - 160, 80, 80], size=9),
        ]
    )


# Per section: how its rows are grouped under a heading (the recall trace by notice).
_ALERT = {"uses": 16, "sessions": 14, "recalls": 19, "recall_contacts": 13,
          **clinical_sections.ALERT}  # fmt: skip


class SectionPrinter:
    """Feeds one section's rows to the PDF: a streamed table, some grouped under headings."""

    def __init__(
        self,
        doc: PdfReport,
        section: AnySection,
        recalls: list[RecallFact],
        extra: str = "",
        care: Clinical | None = None,
    ) -> None:
        self.doc, self.name = doc, section.name
        self.recalls = {str(r.id): r for r in recalls}
        if section.name != "audit_events":  # the audit page opened that section already
            doc.new_section(section.title, key=section.name)
        else:
            doc.heading(section.title, 12)
        summary = SUMMARISED.get(section.name)
        intro = INTRO[section.name] if summary is None else summary.INTRO
        doc.flow([doc.paragraph(f"{intro} {extra}".strip(), 8.5)])
        doc.space(6)
        self.table: StreamTable = (
            doc.stream_table(PDF_COLUMNS[section.name], alert=_ALERT.get(section.name))
            if summary is None
            else doc.stream_table(summary.COLUMNS, alert=summary.ALERT)
        )
        self._summary = None if summary is None else summary(self.table)
        self._group: str | None = None
        self._lot: str | None = None
        grouped = {
            "recalls": self._recall_row,
            "recall_contacts": self._contact_row,
            "receipts": self._receipt_row,
        }
        if care is not None and (
            by_heading := clinical_sections.grouped_row(section.name, self.table, care)
        ):
            grouped[section.name] = by_heading
        self.row: Callable[[Sequence[str]], None] = grouped.get(section.name, self.table.row)
        if self._summary is not None:
            self.row = self._summary.row

    def _recall_row(self, cells: Sequence[str]) -> None:
        recall, reference, gtin, product, lots, notice_date, entered, status, notice = cells[:9]
        if recall != self._group:
            self._group, self._lot = recall, None
            fact = self.recalls.get(recall)
            closed = ""
            if fact is not None and fact.closed_at is not None:
                closed = (
                    f", {fact.local(fact.closed_at)} by {fact.closed_by}: "
                    f"{fact.close_note or '(no note)'}"
                )
            self.table.note(
                f"Recall {reference} · GTIN {gtin} {product} · lots {lots} · notice of "
                f"{notice_date}, entered {entered} · {status}{closed}",
                bold=True,
            )
            if fact is not None and fact.after_period:
                self.table.note(
                    f"Entered after this period: {fact.uses_in_period} use(s) in this period "
                    "were of units this recall names (flagged below). Their clients are "
                    "affected although no recall was open during the period.",
                    alert=True,
                )
            self.table.note(f"Notice: {notice}")
        lot, serial = cells[9], cells[10]
        if not cells[11]:  # a recalled lot with no use of its units
            which = f"lot {lot}" + (f" serial {serial}" if serial else "")
            self.table.note(f"No unit of {which} was used.")
            return
        self.table.row(cells)

    def _contact_row(self, cells: Sequence[str]) -> None:
        if cells[0] != self._group:
            self._group = cells[0]
            fact = self.recalls.get(cells[0])
            if fact is not None:
                self.table.note(
                    f"Recall {fact.reference}: {len(fact.clients)} client(s) affected, "
                    f"{fact.contacted} told, {len(fact.clients) - fact.contacted} not told",
                    bold=True,
                )
        self.table.row(cells)

    def _receipt_row(self, cells: Sequence[str]) -> None:
        if cells[0] != self._group:
            self._group = cells[0]
            supplier = cells[3] or "(no supplier given)"
            invoice = cells[4] or "(no invoice given)"
            self.table.note(
                f"Receipt {cells[0]} · received {cells[1]} by {cells[5]} · supplier "
                f"{supplier} · invoice {invoice}",
                bold=True,
            )
        self.table.row(cells)

    def close(self, rows: int) -> None:
        if self._summary is not None:
            self._summary.finish()
        if rows == 0:
            self.table.note(EMPTY[self.name])
        self.table.close()


def audit_page(doc: PdfReport, report: ChainReport, heads: tuple[Head, Head, int]) -> None:
    """The trail's check, and its head at the period's start and end, for comparing."""
    start, end, events = heads
    doc.new_section("Audit trail", key="audit_events")
    state = "INTACT" if report.ok else "BROKEN"
    width = doc.frame_width
    numbers = f"numbers {start.size + 1} to {end.size}" if events else "none"
    rows = [
        ("Before the period's first event", str(start.size), spaced(start.chain_hash),
         spaced(start.tree_root)),
        ("After the period's last event", str(end.size), spaced(end.chain_hash),
         spaced(end.tree_root)),
    ]  # fmt: skip
    doc.flow(
        [
            doc.paragraph(f"Audit trail status: {state}", 13, bold=True),
            doc.paragraph(report.sentence, 10),
            doc.paragraph(
                f"Events checked: {report.events}. Events recorded in this period: {events} "
                f"({numbers}). Hash of the last event: {report.last_hash}.",
                9,
            ),
            doc.paragraph(
                "Every change in the ledger is an append-only audit event chained to the one "
                "before it by SHA-256; the whole chain was recomputed for this report.",
                8,
            ),
            Spacer(1, 8),
            doc.paragraph("The trail's head at the start and the end of the period", 10, True),
            Spacer(1, 3),
            doc.small_table(
                [
                    "Where",
                    "Events",
                    "Chain hash (the last event's SHA-256)",
                    "Merkle tree root (SHA-256) of those events",
                ],
                rows,
                [150, 44, (width - 194) / 2, (width - 194) / 2],
                size=8,
            ),
            Spacer(1, 3),
            doc.paragraph(
                "To compare with a later report: its audit tree covers these events too. "
                f"The root of its first {start.size} and first {end.size} leaves (its leaves "
                "file, or sterile-ledger verify LATER.pdf --previous THIS.pdf) must be the "
                "roots above, and its events with these numbers must have the day's last "
                "hashes and Merkle roots listed below (every event's hash is in the "
                "audit_events CSV); any difference means the record was changed.",
                8,
                color=MUTED,
            ),
            Spacer(1, 8),
        ]
    )


def audit_rows(report: ChainReport, heads: tuple[Head, Head, int]) -> list[tuple[str, str]]:
    start, end, events = heads
    return [
        ("status", "intact" if report.ok else "broken"),
        ("sentence", report.sentence),
        ("events_checked", str(report.events)),
        ("events_in_period", str(events)),
        ("first_broken_event", "" if report.first_broken is None else str(report.first_broken)),
        ("last_hash", report.last_hash),
        ("period_start_events", str(start.size)),
        ("period_start_chain_sha256", start.chain_hash),
        ("period_start_tree_root_sha256", start.tree_root),
        ("period_end_events", str(end.size)),
        ("period_end_chain_sha256", end.chain_hash),
        ("period_end_tree_root_sha256", end.tree_root),
    ]
