"""Compliance report of 100,000 uses: the app's PDF and CSV against bare reportlab and csv.

Run: .venv/bin/python benchmarks/bench_reports.py [--uses N]

Rows are inserted straight into a temporary SQLite ledger with sqlite3 executemany (not
through the chair service). Each measurement runs in its own subprocess, which reports
its wall time and peak resident memory (VmHWM, reset after sign-in), so one
measurement's memory cannot hide in another's. The bare ways get the very same rows from
the very same query (and, for run_all, every section's rows as the app exported them):
  * canvas: reportlab canvas text objects, one per page, page x of y via a form;
  * platypus: a plain platypus Table per page-sized chunk of rows, fixed widths;
  * csv: the stdlib csv module streaming the sqlite3 cursor.
Targets (DESIGN): app PDF within 1.5x of canvas and under 200 MB; app CSV within 1.3x
of csv and under 100 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = datetime(2026, 1, 1, tzinfo=UTC)
PRACTITIONERS = ["Dr Amira Haddad", "Sam Okafor", "李静 (Li Jing)", "Elena Petrova"]
AREAS = ["face", "neck", "decolletage", "scalp", "body"]
FONT = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def build_db(path: Path, uses: int) -> None:
    """A migrated ledger, then products, lots, units, sessions and uses by executemany."""
    from common import bench_setup

    from inventory import settings
    from inventory.ledger import open_ledger

    db = open_ledger(f"sqlite:///{path}")
    # Settings and exports need a signed-in manager (an Actor), not a name.
    by = bench_setup(db).actor
    settings.set_value(db, "clinic_name", "Benchmark Skin Clinic", by=by)
    settings.set_value(db, "licence_number", "BENCH-1", by=by)
    settings.set_value(db, "timezone", "Australia/Sydney", by=by)
    db.dispose()
    rng = random.Random(1)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    now = _ts(START)
    products = [
        (
            i + 1,
            f"0950600010{i:03d}{i % 10}",
            "Lumina MedTech",
            f"12-pin cartridge {mm} mm",
            "pen_cartridge",
            12,
            "round",
            int(mm * 1000),
            "EO",
            10,
            0,
            now,
        )
        for i, mm in enumerate([0.25, 0.5, 1.0, 1.5, 2.0])
    ]
    # Named columns: the tables have grown columns since (received_by_id...).
    con.executemany(
        "INSERT INTO product (id, gtin, maker, name, kind, needle_count, needle_config, "
        "needle_length_um, sterilization, units_per_pack, reorder_level, created_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        products,
    )
    lots = [
        (p * 10 + k, p, f"L{p}{k:04d}", "2027-06-30", None, now)
        for p in range(1, 6)
        for k in range(10)
    ]
    con.executemany(
        "INSERT INTO lot (id, product_id, lot_number, expiry, production, created_at) "
        "VALUES (?,?,?,?,?,?)",
        lots,
    )
    con.execute(
        "INSERT INTO receipt (id, supplier, invoice, received_by, received_at) "
        "VALUES (1, 'MedSupply', 'INV-1', 'bench', ?)",
        (now,),
    )
    sessions = uses // 2
    con.executemany(
        "INSERT INTO treatment_session (id, client_ref, practitioner, area, planned_depth_um,"
        " device, opened_by, opened_at, closed_by, closed_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            (
                s,
                f"C-{rng.randint(1000, 9999)}",
                PRACTITIONERS[s % 4],
                AREAS[s % 5],
                2500,
                "Pen A6",
                "bench",
                _ts(START + timedelta(minutes=10 * s)),
                "bench",
                _ts(START + timedelta(minutes=10 * s + 9)),
            )
            for s in range(1, sessions + 1)
        ),
    )
    con.executemany(
        "INSERT INTO unit (id, product_id, lot_id, receipt_id, code, serial, status,"
        " status_reason, status_changed_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            (
                u,
                (u % 5) + 1,
                ((u % 5) + 1) * 10 + (u % 10),
                1,
                f"U1-{u:06d}",
                None,
                "used",
                None,
                now,
            )
            for u in range(1, uses + 1)
        ),
    )
    con.executemany(
        "INSERT INTO unit_use (id, unit_id, session_id, used_by, used_at, deeper_confirmed)"
        " VALUES (?,?,?,?,?,?)",
        (
            (u, u, (u + 1) // 2, "bench", _ts(START + timedelta(minutes=5 * u)), 0)
            for u in range(1, uses + 1)
        ),
    )
    con.commit()
    con.close()


# --- the measured work: each runs alone in a subprocess --------------------------------


OPENED: dict[str, object] = {}  # the ledger and its signed-in manager, before the clock starts
# The period and the account, overridable so benchmarks/run_all.py can measure its own ledger.
PERIOD = (
    date.fromisoformat(os.environ.get("BENCH_START", "2026-01-01")),
    date.fromisoformat(os.environ.get("BENCH_END", "2027-12-31")),
)
USER = os.environ.get("BENCH_USER", "Bench Manager")
PASSWORD = os.environ.get("BENCH_PASSWORD", "bench password")


def app_pdf(db_path: Path, out: Path) -> dict[str, object]:
    from reports.export import export_compliance

    db = OPENED["db"]
    result = export_compliance(db, *PERIOD, pdf=out / "app.pdf", csv=None, by=OPENED["by"])
    return {"rows": result.counts["uses"]}


def app_csv(db_path: Path, out: Path) -> dict[str, object]:
    from reports.export import export_compliance

    db = OPENED["db"]
    result = export_compliance(db, *PERIOD, pdf=None, csv=out / "csv", by=OPENED["by"])
    return {"rows": result.counts["uses"]}


# The app's session-log query (reports/data.py USES_SQL), copied so the bare ways run
# without importing any app code.
USES_SQL = """
SELECT uu.used_at, ts.id, ts.practitioner, ts.client_ref, ts.area, ts.planned_depth_um,
       p.name, p.needle_length_um, p.gtin, l.lot_number, l.expiry, u.serial, u.code,
       uu.used_by, uu.deeper_confirmed
FROM unit_use uu
JOIN unit u ON u.id = uu.unit_id
JOIN treatment_session ts ON ts.id = uu.session_id
JOIN lot l ON l.id = u.lot_id
JOIN product p ON p.id = u.product_id
WHERE uu.used_at >= :start AND uu.used_at < :end
ORDER BY uu.used_at, uu.id
"""


def _rows(db_path: Path):
    con = sqlite3.connect(db_path)
    cur = con.execute(USES_SQL, {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()})
    while batch := cur.fetchmany(2000):
        yield from batch
    con.close()


def bare_csv(db_path: Path, out: Path) -> dict[str, object]:
    import csv

    with (out / "bare.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "used_at",
                "session",
                "practitioner",
                "client",
                "area",
                "depth",
                "product",
                "mm",
                "gtin",
                "lot",
                "expiry",
                "serial",
                "code",
                "by",
                "deeper",
            ]
        )
        writer.writerows(_rows(db_path))
    return {}


def bare_csv_same_sql(db_path: Path, out: Path) -> dict[str, object]:
    """The csv module streaming the app's own formatted query (local times, mm, guards).

    This separates what the formatting costs (inside SQLite) from what the app's
    machinery costs; client references are shown as they are (no pseudonyms).
    """
    import csv
    from zoneinfo import ZoneInfo

    from reports.compliance import USES_HEADER, compliance_sections
    from reports.data import Period, Sql

    zone = ZoneInfo("Australia/Sydney")
    period = Period(date(2026, 1, 1), date(2027, 12, 31), zone)
    con = sqlite3.connect(db_path)
    con.execute("CREATE TEMP TABLE report_client (ref TEXT PRIMARY KEY, shown TEXT NOT NULL)")
    con.execute(
        "INSERT INTO report_client SELECT DISTINCT client_ref, client_ref FROM treatment_session"
    )
    sql = Sql("sqlite", zone)
    sql.lengths = {250: "0.25", 500: "0.5", 1000: "1.0", 1500: "1.5", 2000: "2.0", 2500: "2.5"}
    query = compliance_sections(sql, period, None, [])[0].sql  # the uses section
    cursor = con.execute(query, period.params("sqlite"))
    with (out / "same.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(USES_HEADER)
        while batch := cursor.fetchmany(2000):
            writer.writerows(batch)
    return {}


WIDTHS = [96, 34, 84, 70, 50, 30, 118, 30, 62, 56, 46, 94]
TITLES = [
    "Time",
    "Session",
    "Practitioner",
    "Client",
    "Area",
    "Depth",
    "Product",
    "mm",
    "GTIN",
    "Lot",
    "Expiry",
    "Unit",
]
PICK = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]


def _register_font() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("Bench", FONT))
    pdfmetrics.registerFont(TTFont("BenchCJK", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))
    return "Bench", "BenchCJK"


def bare_canvas(db_path: Path, out: Path) -> dict[str, object]:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    font, cjk = _register_font()
    width, height = landscape(A4)
    c = Canvas(str(out / "canvas.pdf"), pagesize=(width, height), pageCompression=1)
    xs = [36 + sum(WIDTHS[:i]) for i in range(len(WIDTHS))]
    page = 0

    def start() -> float:
        nonlocal page
        page += 1
        t = c.beginText()
        t.setFont(font, 7)
        for x, title in zip(xs, TITLES, strict=True):
            t.setTextOrigin(x, height - 60)
            t.textOut(title)
        t.setTextOrigin(width - 120, 40)
        t.textOut(f"Page {page} of ")
        c.drawText(t)
        c.saveState()
        c.translate(width - 80, 40)
        c.doForm("total")
        c.restoreState()
        return height - 72

    y = start()
    t = c.beginText()
    for row in _rows(db_path):
        if y < 60:
            c.drawText(t)
            c.showPage()
            y = start()
            t = c.beginText()
        for x, i in zip(xs, PICK, strict=True):
            t.setTextOrigin(x, y)
            value = "" if row[i] is None else str(row[i])
            t.setFont(font if value.isascii() else cjk, 7)
            t.textOut(value)
        y -= 8.75 + 2
    c.drawText(t)
    c.showPage()
    c.beginForm("total")
    c.setFont(font, 8)
    c.drawString(0, 0, str(page))
    c.endForm()
    c.save()
    return {"pages": page}


def bare_platypus(db_path: Path, out: Path) -> dict[str, object]:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

    font, _cjk = _register_font()
    doc = SimpleDocTemplate(
        str(out / "platypus.pdf"),
        pagesize=landscape(A4),
        leftMargin=36,
        rightMargin=36,
        topMargin=36,
        bottomMargin=36,
    )
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 7),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    story = []
    chunk = [TITLES]
    for row in _rows(db_path):
        chunk.append(["" if row[i] is None else str(row[i]) for i in PICK])
        if len(chunk) == 46:
            story += [Table(chunk, colWidths=WIDTHS, style=style), PageBreak()]
            chunk = [TITLES]
    story.append(Table(chunk, colWidths=WIDTHS, style=style))

    def footer(canvas, document) -> None:
        canvas.setFont(font, 8)
        canvas.drawString(700, 20, f"Page {document.page}")

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return {}


def app_usage(db_path: Path, out: Path) -> dict[str, object]:
    """The usage report (PDF and CSV) of the period: no bare equivalent."""
    from reports.export import export_usage

    result = export_usage(
        OPENED["db"], *PERIOD, pdf=out / "usage.pdf", csv=out / "usage", by=OPENED["by"]
    )
    return {"rows": sum(result.counts.values())}


def _report_rows() -> list[tuple[str, list[list[str]]]]:
    """Every section's rows as the app exported them (the CSVs in BENCH_ROWS), in order.

    The bare ways below draw the same rows the compliance report prints, every section,
    not only the session log: the report's size is set by what an inspector asked for.
    """
    import csv

    folder = Path(os.environ["BENCH_ROWS"])
    sections = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            sections.append((path.stem, list(csv.reader(handle))))
    return sections


def _printed_rows() -> tuple[list[tuple[str, list[list[str]]]], float]:
    """The rows the PDF prints, and the seconds taken summing: every CSV row, except the
    sections the PDF sums up (the audit trail by day, the used units by sharps container),
    whose sums are made with the report's own code and not counted as drawing."""
    from reports.pdf_summaries import SUMMARISED

    class Rows(list):
        def row(self, cells) -> None:
            self.append(list(cells))

    printed = []
    summing_s = 0.0
    for name, table in _report_rows():
        summary = next((s for n, s in SUMMARISED.items() if name.endswith(n)), None)
        if summary is not None:
            started = time.perf_counter()
            rows = Rows()
            summing = summary(rows)  # type: ignore[arg-type]
            for cells in table[1:]:
                summing.row(cells)
            summing.finish()
            table = [table[0], *rows]
            summing_s += time.perf_counter() - started
        printed.append((name, table))
    return printed, summing_s


def bare_canvas_all(db_path: Path, out: Path) -> dict[str, object]:
    """Bare reportlab canvas text objects drawing the rows the PDF prints, 12 columns a line."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    started = time.perf_counter()
    font, cjk = _register_font()
    sections, summing_s = _printed_rows()
    width, height = landscape(A4)
    c = Canvas(str(out / "canvas-all.pdf"), pagesize=(width, height), pageCompression=1)
    pages, rows = 0, 0
    for _name, table in sections:
        for start in range(0, len(table), 48):
            pages += 1
            t = c.beginText()
            y = height - 60
            for row in table[start : start + 48]:
                rows += 1
                x = 36.0
                for value in row[:12]:
                    t.setTextOrigin(x, y)
                    t.setFont(font if value.isascii() else cjk, 7)
                    t.textOut(value[:40])
                    x += (width - 72) / 12
                y -= 10.75
            c.drawText(t)
            c.showPage()
    c.save()
    seconds = time.perf_counter() - started - summing_s
    return {"pages": pages, "rows": rows, "seconds": seconds, "summing_s": summing_s}


def bare_xlsx_all(db_path: Path, out: Path) -> dict[str, object]:
    """XlsxWriter writing the same rows as strings, one sheet a section, constant memory."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(out / "bare.xlsx"), {"constant_memory": True})
    rows = 0
    for name, table in _report_rows():
        sheet = book.add_worksheet(name[-31:])
        for r, row in enumerate(table):
            sheet.write_row(r, 0, row)
            rows += 1
    book.close()
    return {"rows": rows}


def bare_csv_all(db_path: Path, out: Path) -> dict[str, object]:
    """The csv module writing the same rows (read back from the app's CSVs beforehand)."""
    import csv

    rows = 0
    for name, table in _report_rows():
        with (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(table)
            rows += len(table)
    return {"rows": rows}


MEASURES = {
    f.__name__: f
    for f in (
        app_pdf,
        app_csv,
        app_usage,
        bare_canvas,
        bare_platypus,
        bare_csv,
        bare_csv_same_sql,
        bare_canvas_all,
        bare_xlsx_all,
        bare_csv_all,
    )
}


def measure(name: str, db_path: Path, home: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; returns seconds and peak MB."""
    out = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    env = os.environ | {"STERILE_LEDGER_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, __file__, "--measure", name, "--db", str(db_path), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["bytes"] = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    result["out"] = str(out)
    return result


def _peak_mb() -> float:
    """The process's peak resident memory (VmHWM) since the last reset, in MB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> float:
    """Start the peak from what the process holds now: the sign-in's password hash
    (Argon2, tens of MB, freed at once) is start-up, not the report. Linux only (writing
    5 to clear_refs resets VmHWM); elsewhere the peak includes it. Returns the base MB."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _peak_mb()


def _child(name: str, db_path: Path, out: Path) -> None:
    imports = {
        "app_pdf": ("reports.export", "reports.compliance", "reports.usage"),
        "app_csv": ("reports.export", "reports.compliance", "reports.usage"),
        "app_usage": ("reports.export", "reports.compliance", "reports.usage"),
        "bare_csv_same_sql": ("reports.compliance",),
    }
    for module in imports.get(name, ()):
        __import__(module)  # import time is not report time
    if name.startswith("app_"):
        import pyhanko.sign.signers  # noqa: F401 - imported on first signing otherwise

        from inventory import staff
        from inventory.ledger import open_ledger

        db = OPENED["db"] = open_ledger(f"sqlite:///{db_path}")  # startup, not report
        OPENED["by"] = staff.sign_in(db, USER, PASSWORD, record=False).actor
    import reportlab.pdfgen.canvas  # noqa: F401 - same for every PDF way

    base = _reset_peak()
    started = time.perf_counter()
    extra = MEASURES[name](db_path, out)
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "base_mb": base, **extra}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uses", type=int, default=100_000)
    parser.add_argument("--measure")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--skip-platypus", action="store_true")
    args = parser.parse_args()
    if args.measure:
        _child(args.measure, args.db, args.out)
        return
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        db_path, home = Path(tmp) / "ledger.sqlite3", Path(tmp) / "home"
        started = time.perf_counter()
        build_db(db_path, args.uses)
        print(f"{args.uses:,} uses inserted in {time.perf_counter() - started:.1f} s")
        names = [n for n in MEASURES
                 if n != "app_usage" and not (args.skip_platypus and n == "bare_platypus")]
        measure("app_csv", db_path, home)  # warm-up: creates the signing key and secret
        results = {name: measure(name, db_path, home) for name in names}
    print(f"\n{'way':<18}{'seconds':>9}{'work MB':>9}{'proc MB':>9}{'ratio':>8}  note")
    for name, r in results.items():
        base = results["bare_canvas"] if "pdf" in name or name.startswith("bare_p") else None
        if "csv" in name:
            base = results["bare_csv"]
        ratio = r["seconds"] / base["seconds"] if base else 1.0
        note = f"{r.get('pages', '')} pages" if r.get("pages") else ""
        print(
            f"{name:<18}{r['seconds']:>9.2f}{r['peak_mb'] - r['base_mb']:>9.0f}"
            f"{r['peak_mb']:>9.0f}{ratio:>7.2f}x  {note}"
        )
    pdf, csv_ = results["app_pdf"], results["app_csv"]
    pdf_ratio = pdf["seconds"] / results["bare_canvas"]["seconds"]
    csv_ratio = csv_["seconds"] / results["bare_csv"]["seconds"]
    print(
        f"\nPDF: {pdf_ratio:.2f}x canvas text objects (target 1.5x), {pdf['peak_mb']:.0f} MB "
        f"(target 200)\nCSV: {csv_ratio:.2f}x csv module (target 1.3x), {csv_['peak_mb']:.0f} MB "
        "(target 100)"
    )
    same = results["bare_csv_same_sql"]["seconds"]
    print(
        f"CSV against the csv module on the app's own formatted query: "
        f"{csv_['seconds'] / same:.2f}x (the rest of the gap is formatting done in SQL)"
    )
    if "bare_platypus" in results:
        ratio = results["bare_platypus"]["seconds"] / results["bare_canvas"]["seconds"]
        print(f"Bare platypus tables: {ratio:.2f}x canvas text objects")


if __name__ == "__main__":
    main()
