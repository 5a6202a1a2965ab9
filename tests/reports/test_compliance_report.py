"""The inspector's compliance report, read back as the inspector would read it."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select, text

from inventory import __version__, audit
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.models import AuditEvent
from inventory.paths import data_dir
from inventory.signing_key import fingerprint
from inventory.staff import certificate
from reports.export import ExportCancelled, ExportResult, export_compliance
from tests.people import staff
from tests.reports.conftest import CLIENTS, END, START, Month, pages, pdf_text

REFUSAL_SECTION = "Refused scans"


def _export(
    db: Database, tmp_path: Path, *, by: str = "Test Manager", **options: object
) -> ExportResult:
    return export_compliance(
        db,
        START,
        END,
        pdf=tmp_path / "report.pdf",
        csv=tmp_path / "csv",
        by=staff(by),
        **options,  # type: ignore[arg-type]
    )


def _csv(result: ExportResult, section: str) -> list[dict[str, str]]:
    path = next(p for p in result.csv_files if p.name.endswith(f"-{section}.csv"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _section(text: str, title: str, following: str) -> str:
    """The text of one section (from its heading to the next section's heading)."""
    start = text.index(title, text.index("\f"))  # past the cover's own mentions
    return text[start : text.index(following, start + len(title))]


def test_cover_says_who_what_when_and_how_to_check(
    db: Database, month: Month, tmp_path: Path
) -> None:
    result = _export(db, tmp_path)
    # The cover is two pages: the facts and the signature, then the records it holds.
    cover = "\n".join(pages(tmp_path / "report.pdf")[:2])
    for expected in (
        "Compliance report",
        "Harbour Skin Clinic",
        "NSW-SK-2026-0142",
        "2026-03-01 to 2026-03-31",
        "Australia/Brisbane",
        "Test Manager",
        f"Sterile Ledger {__version__}",
        "pseudonymised",
        result.fingerprint,
    ):
        assert expected in cover, expected
    # Generated at: the clock's time in UTC and in the clinic's zone with its offset.
    generated = db.clock.now()
    assert generated.strftime("%Y-%m-%d %H:%M:%S UTC") in cover
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+10:00", cover)
    # The digest on the cover is the report's data digest, in two lines of four groups.
    groups = [result.digest[i : i + 8] for i in range(0, 64, 8)]
    assert " ".join(groups[:4]) in cover and " ".join(groups[4:]) in cover
    # Counts per section on the cover agree with the export's counts.
    assert re.search(rf"Units used \(session log rows\)\s+{result.counts['uses']}\b", cover)
    assert re.search(rf"Refused scans\s+{result.counts['refusals']}\b", cover)


def test_every_section_is_printed_with_page_x_of_y(
    db: Database, month: Month, tmp_path: Path
) -> None:
    _export(db, tmp_path)
    all_pages = pages(tmp_path / "report.pdf")
    total = len([p for p in all_pages if p.strip()])
    text = "\f".join(all_pages)
    for title in (
        "Session log: one row per unit used",
        REFUSAL_SECTION,
        "Recalls and the sessions they touched",
        "Quarantine, release and waste",
        "Audit trail",
    ):
        assert title in text
    for number in range(1, total + 1):
        assert f"Page {number} of {total}" in text
    assert "Audit trail status: INTACT" in text


def test_row_counts_match_the_database(db: Database, month: Month, tmp_path: Path) -> None:
    result = _export(db, tmp_path)
    period = {"s": "2026-02-28 14:00:00", "e": "2026-03-31 14:00:00"}  # Brisbane midnights
    with db.read() as conn:
        uses = conn.execute(
            text("SELECT count(*) FROM unit_use WHERE used_at >= :s AND used_at < :e"),
            period if db.dialect == "sqlite" else {k: v + "+00" for k, v in period.items()},
        ).scalar_one()
        refusals = conn.execute(text("SELECT count(*) FROM refusal")).scalar_one()
    assert result.counts["uses"] == uses == len(month.used_codes) == len(_csv(result, "uses"))
    assert result.counts["refusals"] == refusals == len(_csv(result, "refusals"))
    log = _section(pdf_text(tmp_path / "report.pdf"), "Session log", REFUSAL_SECTION)
    assert sum(code in log for code in month.used_codes) == len(month.used_codes)
    summary = {row["item"]: row["value"] for row in _csv(result, "summary")}
    assert summary["rows.uses"] == str(uses)


def test_refused_scan_and_recall_trace_appear_where_they_should(
    db: Database, month: Month, tmp_path: Path
) -> None:
    result = _export(db, tmp_path)
    text = pdf_text(tmp_path / "report.pdf")
    refusals = _section(text, REFUSAL_SECTION, "Recalls and the sessions they touched")
    assert "already_used" in refusals
    assert "was already used in session" in refusals
    assert str(month.refused_session) in refusals
    recalls = _section(text, "Recalls and the sessions they touched", "Quarantine, release")
    assert month.recall_reference in recalls
    assert "Possible breach of the sterile barrier seal" in recalls
    # Every session that used a unit of the recalled lot A100 is listed under the recall.
    traced = {row["session"] for row in _csv(result, "recalls") if row["lot"] == "A100"}
    assert traced == {str(s) for s in month.sessions}
    for code in month.used_codes[:-1]:  # the roller is not in the recalled lot
        if code.startswith("U"):
            assert code in recalls
    holds = _section(text, "Quarantine, release and waste", "Audit trail")
    assert month.quarantined in holds and "package dented" in holds
    assert month.wasted in holds and "dropped on the floor" in holds


def test_client_names_in_any_script_print_when_asked(
    db: Database, month: Month, tmp_path: Path
) -> None:
    result = _export(db, tmp_path, with_client_names=True)
    assert result.pdf is not None
    text = pdf_text(result.pdf)
    assert "printed as entered" in text.split("\f")[0]
    for name in ("Мария Иванова", "Γιώργος Παπαδόπουλος", "李静"):
        assert name in text, name
    assert "李静 (Li Jing)" in text  # the practitioner, CJK beside Latin
    # Arabic is drawn joined and right to left: the extracted glyphs are the name's
    # letters (presentation forms) in visual order.
    arabic = "فاطمة الزهراء"
    glyphs = unicodedata.normalize("NFKC", text)
    assert arabic in glyphs or arabic[::-1] in glyphs or _words_reversed(arabic) in glyphs
    assert "[U+" not in text  # no character fell back to its code: every glyph exists
    clients = {row["client"] for row in _csv(result, "uses")}
    assert set(CLIENTS[:4]) <= clients


def _words_reversed(text: str) -> str:
    return " ".join(word[::-1] for word in reversed(text.split(" ")))


def test_clients_are_pseudonymised_by_default_and_stable(
    db: Database, month: Month, tmp_path: Path
) -> None:
    first = _export(db, tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path)
    second = _export(db, tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path)
    text = pdf_text(tmp_path / "a" / "report.pdf")
    for name in ("Мария", "Γιώργος", "HYPERLINK"):
        assert name not in text
    one = [row["client"] for row in _csv(first, "uses")]
    two = [row["client"] for row in _csv(second, "uses")]
    assert one == two and all(re.fullmatch(r"P-[A-Z2-7]{10}", c) for c in one)
    assert len(set(one)) == len(CLIENTS)  # five clients, five pseudonyms
    # An inspector (who holds the pseudonym key, not the client keys) prints the same.
    by_inspector = _export(
        db, tmp_path / "c" if (tmp_path / "c").mkdir() is None else tmp_path, by="Inspector"
    )
    assert [row["client"] for row in _csv(by_inspector, "uses")] == one


def test_csv_keeps_gtins_as_text_and_neutralises_formulas(
    db: Database, month: Month, tmp_path: Path
) -> None:
    result = _export(db, tmp_path, with_client_names=True)
    rows = _csv(result, "uses")
    assert {row["gtin"] for row in rows} >= {"09506000100029", "09506000100074"}
    import pandas as pd

    frame = pd.read_csv(
        next(p for p in result.csv_files if p.name.endswith("-uses.csv")), dtype=str
    )
    assert set(frame["gtin"]) >= {"09506000100029"}  # leading zero survives the round trip
    injected = [row["client"] for row in rows if "HYPERLINK" in row["client"]]
    assert injected == ["'" + CLIENTS[4]]  # inert in a spreadsheet
    for path in (p for p in result.csv_files if p.suffix == ".csv"):  # not the .xlsx
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for cell in row)
    # The PDF prints the client reference as it was typed (wrapped in its column).
    assert result.pdf is not None
    printed = pdf_text(result.pdf)
    assert "=HYPERLINK(" in printed and "'=HYPERLINK" not in printed


def test_export_is_recorded_in_the_audit_trail(db: Database, month: Month, tmp_path: Path) -> None:
    result = _export(db, tmp_path)
    with db.read() as conn:
        event = conn.execute(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert audit.verify(conn).ok
    recorded = json.loads(event.new_values)
    assert event.actor == "Test Manager" and event.entity == "report"
    assert recorded["data_digest"] == result.digest
    assert recorded["signing_key"] == result.fingerprint
    assert set(recorded["files"]) == {
        p.name for p in [result.pdf, *result.csv_files, result.manifest] if p is not None
    }


def test_one_clinic_key_signs_every_export_and_no_key_lies_in_the_data_folder(
    db: Database, month: Month, tmp_path: Path
) -> None:
    first = _export(db, tmp_path / "1" if (tmp_path / "1").mkdir() is None else tmp_path)
    second = _export(db, tmp_path / "2" if (tmp_path / "2").mkdir() is None else tmp_path)
    assert first.fingerprint == second.fingerprint
    keys_on_disk = [p for p in data_dir().rglob("*.pem")]
    assert keys_on_disk == []  # the key is in the ledger, wrapped; nothing in clear beside it
    with db.read() as conn:
        cert = certificate(conn)
    assert cert is not None and fingerprint(cert) == first.fingerprint
    pem = tmp_path / "clinic.pem"
    pem.write_bytes(
        x509.load_der_x509_certificate(cert).public_bytes(serialization.Encoding.PEM)
    )
    shown = subprocess.run(
        ["openssl", "x509", "-noout", "-ext", "keyUsage,basicConstraints", "-in", str(pem)],
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode == 0:
        assert "Digital Signature, Non Repudiation" in shown.stdout
        assert "CA:FALSE" in shown.stdout


def test_bad_period_and_unwritable_places_are_refused_plainly(
    db: Database, month: Month, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="starts .* after it ends"):
        export_compliance(db, END, START, pdf=tmp_path / "r.pdf", csv=None, by=staff("x"))
    with pytest.raises(InvalidInput, match="folder .* does not exist"):
        export_compliance(db, START, END, pdf=tmp_path / "no" / "r.pdf", csv=None, by=staff("x"))
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        import os

        if os.access(locked, os.W_OK):  # running as root: a plain file blocks the folder
            locked.chmod(0o700)
            locked.rmdir()
            locked.write_text("a file, not a folder")
            with pytest.raises(InvalidInput, match="does not exist"):
                export_compliance(db, START, END, pdf=locked / "r.pdf", csv=None, by=staff("x"))
        else:
            with pytest.raises(InvalidInput, match="not writable"):
                export_compliance(db, START, END, pdf=locked / "r.pdf", csv=None, by=staff("x"))
    finally:
        if locked.is_dir():
            locked.chmod(0o700)
    with pytest.raises(InvalidInput, match="where to write"):
        export_compliance(db, START, END, pdf=None, csv=None, by=staff("x"))


def test_cancel_leaves_no_file_and_progress_reaches_the_end(
    db: Database, month: Month, clock: FixedClock, tmp_path: Path
) -> None:
    seen: list[tuple[float, str]] = []
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportCancelled):
        _export(db, out, progress=lambda f, p: seen.append((f, p)), cancel=lambda: len(seen) >= 3)
    assert [p for p in out.rglob("*") if p.is_file()] == []
    with db.read() as conn:
        exported = conn.execute(
            select(func.count()).where(AuditEvent.action == "export")
        ).scalar_one()
    assert exported == 0
    seen.clear()
    _export(db, out, progress=lambda f, p: seen.append((f, p)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {"Signing", "Done"} <= {p for _, p in seen}
