"""The compliance report's inspector sections, read back from the PDF and checked against
the database: recalls (how closed, counts, contacts), lots recalled after the period, the
shelf at the period's end, receipts, products, sessions and the audit trail's heads."""

from __future__ import annotations

import csv
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from inventory import audit, merkle, receiving
from inventory.clock import FixedClock
from inventory.db import Database
from reports.export import ExportResult, export_compliance
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from sterility.recall_contacts import record_contact
from tests.conftest import GTIN_10, box
from tests.people import clear_intake, staff
from tests.reports.conftest import END, START, Month, fill_month, pages, pdf_text

MANAGER = "Test Manager"


@dataclass
class Quarter:
    """The month of tests.reports.conftest and what happened around it."""

    month: Month
    recall_id: int
    later_recall: str
    later_codes: list[str]
    expired_codes: list[str]
    device_session: int
    contacted_session: int


@pytest.fixture
def quarter(db: Database, clock: FixedClock) -> Quarter:
    month = fill_month(db, clock)
    with db.read() as conn:
        recall_id = int(conn.execute(text("SELECT max(id) FROM recall")).scalar_one())
    clock.advance(hours=2)
    # A lot that expires inside the period, received and left on the shelf.
    expiring = receiving.receive(
        db, [box(GTIN_10, "EXP1", expiry=date(2026, 3, 20))], by=staff(MANAGER),
        supplier="Derma Wholesale", invoice="DW-778",
    )  # fmt: skip
    # A lot used in the period and recalled only after it.
    later = receiving.receive(
        db, [box(GTIN_10, "LATE9")], by=staff(MANAGER), supplier="MedSupply", invoice="INV-2"
    )
    codes = later.lines[0].unit_codes
    info = sessions.open_session(
        db, client_ref="C-3000", practitioner="Dr Amira Haddad", area="face",
        depth_mm="1.0", device="Dermapen 4 #A17", by=staff("Dr Amira Haddad"),
        intake=clear_intake(),
    )  # fmt: skip
    clock.advance(minutes=4)
    for code in codes[:3]:
        use_unit(db, info.id, code, by=staff("Dr Amira Haddad"))
    sessions.close_session(db, info.id, by=staff("Dr Amira Haddad"), adverse="none")
    # The recall of the month is handled: stock returned, one client told, closed.
    clock.advance(hours=1)
    holds.return_recall_stock(db, recall_id, reason="RMA-5521 to Lumina", by=staff(MANAGER))
    contacted = month.sessions[0]
    record_contact(db, recall_id, contacted, method="phone", note="Told of the recall, no "
                   "symptoms", by=staff(MANAGER))  # fmt: skip
    clock.advance(hours=1)
    recalls.close_recall(db, recall_id, note="RMA-5521: 5 units returned", by=staff(MANAGER))
    # After the period: the later lot is recalled.
    clock.advance(days=40)
    recalls.enter_recall(
        db, gtin=GTIN_10, lots=["LATE9"], reference="FSN-2026-204",
        notice_text="Needle tips may be blunt.", by=staff(MANAGER),
    )  # fmt: skip
    return Quarter(
        month, recall_id, "FSN-2026-204", codes[:3], expiring.lines[0].unit_codes, info.id,
        contacted,
    )


def _export(db: Database, tmp_path: Path, **options: object) -> ExportResult:
    return export_compliance(
        db, START, END, pdf=tmp_path / "report.pdf", csv=tmp_path / "csv",
        by=staff(MANAGER), **options,  # type: ignore[arg-type]
    )  # fmt: skip


def _csv(result: ExportResult, section: str) -> list[dict[str, str]]:
    path = next(p for p in result.csv_files if p.name.endswith(f"-{section}.csv"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _raw_pages(path: Path) -> list[str]:
    """Each page's text in drawing order (a wrapped cell's lines stay together)."""
    done = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout.split("\f")


def _section(path: Path, title: str) -> str:
    """One section's pages: those whose running header names it."""
    laid_out = pages(path)
    raw = _raw_pages(path)
    found = [
        raw[n]
        for n, page in enumerate(laid_out)
        if page.strip() and page.strip().splitlines()[0].rstrip().endswith(title)
    ]
    assert found, f"no page is headed {title!r}"
    return "\n".join(found)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_recall_closing_counts_and_contacts(
    db: Database, quarter: Quarter, tmp_path: Path
) -> None:
    result = _export(db, tmp_path)
    pdf = tmp_path / "report.pdf"
    summary = _flat(_section(pdf, "Recalls: how each was handled and closed"))
    with db.read() as conn:
        closed_by, note = conn.execute(
            text("SELECT closed_by, close_note FROM recall WHERE id = :i"),
            {"i": quarter.recall_id},
        ).one()
        status = dict(
            conn.execute(
                text(
                    "SELECT u.status, count(*) FROM unit u JOIN lot l ON l.id = u.lot_id "
                    "WHERE l.lot_number = 'A100' GROUP BY u.status"
                )
            ).all()
        )
    assert "RMA-5521: 5 units returned" in summary and note in summary
    assert closed_by in summary and "closed" in summary
    row = next(r for r in _csv(result, "recall_summary") if r["reference"] == "FSN-2026-117")
    assert row["close_note"] == note and row["closed_by"] == closed_by
    assert row["units_received"] == str(sum(status.values())) == "10"
    assert row["units_used"] == str(status["used"]) == "5"
    assert row["units_returned"] == str(status["returned"]) == "5"
    assert row["units_quarantined"] == str(status.get("quarantined", 0)) == "0"
    assert row["clients_affected"] == "5" and row["clients_contacted"] == "1"
    # The printed row carries the same numbers, in its columns' order.
    assert re.search(r"\b10 5 0 5 0 0 5 1 / 5\b", summary), summary
    contacts = _section(pdf, "Recalls: affected clients and their contacts")
    flat = _flat(contacts)
    assert "5 client(s) affected, 1 told, 4 not told" in flat
    assert "phone call" in flat and "Told of the recall, no symptoms" in flat
    assert flat.count(" NO ") == 4 + 1  # and the one client of the later recall
    rows = _csv(result, "recall_contacts")
    told = [r for r in rows if r["told"] == "yes"]
    assert [r["sessions"] for r in told] == [str(quarter.contacted_session)]
    assert told[0]["contacted_by"] == MANAGER and told[0]["method"] == "phone call"
    assert {r["attention"] for r in rows if r["told"] == "NO"} == {"not told of the recall"}



def test_a_lot_recalled_after_the_period_is_flagged_with_its_uses(
    db: Database, quarter: Quarter, tmp_path: Path
) -> None:
    result = _export(db, tmp_path)
    pdf = tmp_path / "report.pdf"
    report = pdf_text(pdf)
    assert "No recall was open during this period" not in report
    trace = _flat(_section(pdf, "Recalls and the sessions they touched"))
    assert quarter.later_recall in trace
    assert "Entered after this period: 3 use(s) in this period" in trace
    for code in quarter.later_codes:
        assert code in trace
    assert trace.count("used in this period, recalled since") == len(quarter.later_codes)
    flagged = [r for r in _csv(result, "recalls") if r["flag"]]
    assert sorted(r["unit_code"] for r in flagged) == sorted(quarter.later_codes)
    # The session log marks each such use, and the cover and summary count them.
    log = _section(pdf, "Session log: one row per unit used")
    assert _flat(log).count("after the period") >= len(quarter.later_codes) + 1  # + intro
    uses = {r["unit_code"]: r for r in _csv(result, "uses")}
    for code in quarter.later_codes:
        assert uses[code]["recalled_by"] == "FSN-2026-204, after the period"
    summary = {r["item"]: r["value"] for r in _csv(result, "summary")}
    assert summary["uses_in_period_of_units_recalled_since"] == "3"
    assert summary["recalls_entered_after_period_touching_it"] == "1"
    later = next(r for r in _csv(result, "recall_summary") if r["reference"] == "FSN-2026-204")
    assert later["in_this_report_because"].startswith("entered after the period")
    assert later["uses_in_period"] == "3"


def test_the_shelf_at_the_end_lists_expired_and_quarantined_units(
    db: Database, quarter: Quarter, tmp_path: Path
) -> None:
    result = _export(db, tmp_path)
    pdf = tmp_path / "report.pdf"
    shelf = _flat(_section(pdf, "On the shelf at the end of the period"))
    rows = _csv(result, "shelf_end")
    expired = {r["unit_code"] for r in rows if r["state_at_period_end"] == "in stock, lot expired"}
    assert expired == set(quarter.expired_codes)  # EXP1 expired 2026-03-20, still in stock
    held = {r["unit_code"]: r for r in rows if r["state_at_period_end"].startswith("quarantined")}
    # At the end of March: the dented unit and the five recalled A100 units still on the
    # shelf (returned to the supplier only in the next period... here at once: see below).
    with db.read() as conn:
        returned_at = conn.execute(
            text("SELECT min(held_at) FROM unit_hold WHERE action = 'return'")
        ).scalar_one()
    assert returned_at is not None
    assert quarter.month.quarantined in held
    assert held[quarter.month.quarantined]["hold_reason"] == "package dented"
    for code in [*expired, *held]:
        assert code in shelf, code
    summary = {r["item"]: r["value"] for r in _csv(result, "summary")}
    assert summary["units_expired_in_stock_at_period_end"] == str(len(expired))
    assert summary["units_quarantined_at_period_end"] == str(len(held))


def test_receipts_products_and_sessions(db: Database, quarter: Quarter, tmp_path: Path) -> None:
    result = _export(db, tmp_path)
    pdf = tmp_path / "report.pdf"
    receipts = _flat(_section(pdf, "Deliveries received"))
    with db.read() as conn:
        found = conn.execute(
            text(
                "SELECT r.id, r.supplier, r.invoice, r.received_by, count(u.id) FROM receipt r "
                "JOIN unit u ON u.receipt_id = r.id GROUP BY r.id, r.supplier, r.invoice, "
                "r.received_by ORDER BY r.id"
            )
        ).all()
    assert len(found) == 3
    for receipt_id, supplier, invoice, by, units in found:
        assert f"Receipt {receipt_id} · received" in receipts
        assert f"by {by} · supplier {supplier} · invoice {invoice}" in receipts
        lines = [r for r in _csv(result, "receipts") if r["receipt"] == str(receipt_id)]
        assert sum(int(r["units"]) for r in lines) == units
    assert "EXP1" in receipts and "2026-03-20" in receipts
    products = _flat(_section(pdf, "Products and lots"))
    assert "Lumina MedTech" in products and "ethylene oxide (EO)" in products
    assert {r["sterilization"] for r in _csv(result, "products")} == {"ethylene oxide (EO)"}
    assert {r["lot"] for r in _csv(result, "products")} >= {"A100", "EXP1", "LATE9"}
    sessions_page = _flat(_section(pdf, "Treatment sessions"))
    rows = {r["session"]: r for r in _csv(result, "sessions")}
    assert rows[str(quarter.device_session)]["device"] == "Dermapen 4 #A17"
    assert "Dermapen 4 #A17" in sessions_page
    refused = rows[str(quarter.month.refused_session)]
    assert refused["flags"] == "left open; refusals, no use"
    assert "left open; refusals, no use" in sessions_page
    assert refused["closed_at_local"] == "" and refused["units_used"] == "0"
    closed = rows[str(quarter.month.sessions[0])]
    assert closed["closed_by"] == "Dr Amira Haddad" and closed["flags"] == ""


def test_audit_events_are_numbered_with_the_heads_at_start_and_end(
    db: Database, quarter: Quarter, tmp_path: Path
) -> None:
    """The CSV lists every event; the PDF sums them up by day with hashes to check it by."""
    result = _export(db, tmp_path)
    pdf = tmp_path / "report.pdf"
    page = _flat(_section(pdf, "Audit trail"))
    period = {"s": "2026-02-28 14:00:00", "e": "2026-03-31 14:00:00"}
    if db.dialect != "sqlite":
        period = {k: v + "+00" for k, v in period.items()}
    with db.read() as conn:
        ids = conn.execute(
            text("SELECT id FROM audit_event WHERE at >= :s AND at < :e ORDER BY id"), period
        ).scalars().all()
        leaves = audit.tree_leaves(conn)
        hashes = dict(conn.execute(text("SELECT id, hash FROM audit_event")).all())
    events = _csv(result, "audit_events")
    assert [int(r["event"]) for r in events] == ids
    assert all(r["event_sha256"] == hashes[int(r["event"])] for r in events)
    heads = {r["item"]: r["value"] for r in _csv(result, "audit")}
    first, last = ids[0], ids[-1]
    assert heads["period_start_events"] == str(first - 1)
    assert heads["period_end_events"] == str(last)
    assert heads["period_start_tree_root_sha256"] == merkle.root(leaves[: first - 1]).hex()
    assert heads["period_end_tree_root_sha256"] == merkle.root(leaves[:last]).hex()
    assert heads["period_end_chain_sha256"] == hashes[last]
    end_root = heads["period_end_tree_root_sha256"]
    assert " ".join(end_root[i : i + 16] for i in range(0, 64, 16)) in page
    assert f"numbers {first} to {last}" in page
    spaced = lambda d: " ".join(d[i : i + 16] for i in range(0, 64, 16))  # noqa: E731
    days: dict[str, list[dict[str, str]]] = {}
    for r in events:
        days.setdefault(r["at_local"][:10], []).append(r)
    assert len(days) > 1
    for day, rows in days.items():
        # Checkable with SHA-256 alone: the day's last hash and the root of its hashes.
        day_root = merkle.root([merkle.leaf_hash(bytes.fromhex(r["event_sha256"])) for r in rows])
        numbers = f"{rows[0]['event']} to {rows[-1]['event']}" if len(rows) > 1 else ""
        assert f"{day} {len(rows)} {numbers}".strip() in page, day
        assert spaced(rows[-1]["event_sha256"]) in page and spaced(day_root.hex()) in page
    assert spaced(hashes[last]) in page  # the period's last event: the last day's end
    assert "Event hash" not in page  # not one row per event: they are in the CSV


def test_refusal_reason_in_words_and_no_word_broken(
    db: Database, quarter: Quarter, tmp_path: Path
) -> None:
    result = _export(db, tmp_path)
    pdf = tmp_path / "report.pdf"
    refusals = _section(pdf, "Refused scans")
    assert "already used (already_used)" in refusals
    assert [r["reason_in_words"] for r in _csv(result, "refusals")] == ["already used"]


def test_named_export_says_so_on_every_page(
    db: Database, quarter: Quarter, tmp_path: Path
) -> None:
    named = _export(db, tmp_path, with_client_names=True)
    assert named.pdf is not None and named.pdf.name == "report-CLIENT-NAMES.pdf"
    assert named.csv_files and all("-CLIENT-NAMES" in p.name for p in named.csv_files)
    pages = [p for p in pdf_text(named.pdf).split("\f") if p.strip()]
    assert all("CLIENT NAMES PRINTED" in p for p in pages)
    other = tmp_path / "pseudo"
    other.mkdir()
    _export(db, other)
    assert "CLIENT NAMES PRINTED" not in pdf_text(other / "report.pdf")
