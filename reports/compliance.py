"""The inspector's compliance report: its sections, printed columns and running order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reportlab.lib.pagesizes import A4, landscape

from inventory.audit import ChainReport
from reports.data import Section
from reports.pdf_writer import Column, PdfReport, StreamTable

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
