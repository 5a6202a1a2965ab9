"""`make bench`: every figure of issue 18 on one generated chain ledger, beside its baseline.

Why one script: each figure is only meaningful beside a bare baseline measured in the same
run on the same machine and database. App and baseline alternate (round-robin) for
``--reps`` repetitions; the table shows medians. A figure not measurable yet is printed
as n/a with the reason, never dropped. The table is also written as CSV (``--out``).

Run: .venv/bin/python benchmarks/run_all.py [--scale 50000,25000] [--reps 3]
The generated ledger is kept in $BENCH_CACHE (default /tmp/sterile-ledger-bench) and
copied before each run, so the measured writes never touch it.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_chair  # noqa: E402
import bench_reports  # noqa: E402
import bench_verify  # noqa: E402
from common import percentile  # noqa: E402

USER, PASSWORD = "Demo Manager", "demo"


@dataclass
class Row:
    figure: str
    app: float | None
    baseline: float | None
    unit: str
    target: str
    met: str
    note: str = ""

    def cells(self) -> list[str]:
        fmt = lambda v: "n/a" if v is None else f"{v:.4g}"  # noqa: E731
        ratio = (
            f"{self.app / self.baseline:.2f}x"
            if self.app is not None and self.baseline
            else "n/a"
        )
        return [self.figure, f"{fmt(self.app)} {self.unit}", f"{fmt(self.baseline)} {self.unit}",
                ratio, self.target, self.met, self.note]


ROWS: list[Row] = []


def figure(name: str, fn: Callable[[], list[Row]]) -> None:
    """Run one figure; a failure is a row saying why, never a crash of the whole table."""
    try:
        ROWS.extend(fn())
    except Exception as exc:
        ROWS.append(Row(name, None, None, "", "", "n/a", f"{type(exc).__name__}: {exc}"[:160]))


def ledger(units: int, sessions: int) -> tuple[Path, str, float, float]:
    """The cached generated ledger: path, verification key, generation seconds, MB."""
    from chain_ledger import generate

    from inventory.ledger import open_ledger

    folder = Path(os.environ.get("BENCH_CACHE", "/tmp/sterile-ledger-bench"))
    folder /= f"chain-{units}-{sessions}"
    path, key_file = folder / "ledger.sqlite3", folder / "key.txt"
    if not key_file.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        os.environ["STERILE_LEDGER_HOME"] = str(folder / "home")
        db = open_ledger(f"sqlite:///{path}", warn=lambda _s: None)
        t0 = time.perf_counter()
        _counts, key, _code = generate(db, units=units, sessions=sessions)
        seconds = time.perf_counter() - t0
        db.dispose()
        key_file.write_text(f"{key}\n{seconds:.1f}\n")
    key, seconds = key_file.read_text().split()
    return path, key, float(seconds), path.stat().st_size / 2**20


def copy_of(path: Path, folder: Path, name: str) -> Path:
    target = folder / name / path.name
    target.parent.mkdir(parents=True)
    shutil.copy2(path, target)
    return target


def sign_in(db):
    from inventory import staff

    return staff.sign_in(db, USER, PASSWORD, record=False).actor


def in_stock(path: Path, count: int, offset: int = 0) -> list[str]:
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT u.code FROM unit u JOIN lot l ON l.id = u.lot_id JOIN product p "
        "ON p.id = u.product_id WHERE u.status = 'in_stock' AND l.expiry > ? AND "
        "p.needle_length_um <= 500 ORDER BY u.id DESC LIMIT ? OFFSET ?",
        ((date.today() + timedelta(days=2)).isoformat(), count, offset)).fetchall()
    con.close()
    return [r[0] for r in rows]


def chair(app_path: Path, bare_path: Path, reps: int, scans: int) -> list[Row]:
    from inventory.ledger import open_ledger
    db = open_ledger(f"sqlite:///{app_path}", warn=lambda _s: None)
    bench_chair.ACTOR["by"] = sign_in(db)
    codes = in_stock(app_path, scans * reps * 2)
    raw = sqlite3.connect(bare_path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        raw.execute(f"PRAGMA {pragma}")
    # The bare copy has not the session just opened on the app's copy: its newest one.
    bare_sid = raw.execute("SELECT MAX(id) FROM treatment_session").fetchone()[0]
    app: list[float] = []
    bare: list[float] = []
    for r in range(reps):  # round-robin: app, bare, app, bare...
        batch = codes[r * 2 * scans:(r * 2 + 1) * scans]
        app += bench_chair.app_scans(db, batch)
        bare += bench_chair.bare_scans(lambda sql, p: raw.execute(sql, p).fetchall(),
                                       "BEGIN IMMEDIATE", lambda: raw.execute("COMMIT"),
                                       codes[(r * 2 + 1) * scans:(r * 2 + 2) * scans], "?",
                                       bare_sid)
    raw.close()
    db.dispose()
    return _chair_rows("SQLite", app, bare, "on the generated ledger")


def chair_postgres(reps: int, scans: int, units: int = 100_000) -> list[Row]:
    """The chair on a temporary durable PostgreSQL server (the generator writes SQLite
    only, so this ledger holds ``units`` bench units, not the chain)."""
    result = bench_chair.run_postgresql(units, scans, reps)
    if isinstance(result, str):
        return [Row("chair scan PostgreSQL", None, None, "", "<=2x", "n/a", result)]
    return _chair_rows("PostgreSQL", *result, f"{units:,} units, temporary server")


def _chair_rows(name: str, app: list[float], bare: list[float], where: str) -> list[Row]:
    med, bmed = percentile(app, 50) * 1e3, percentile(bare, 50) * 1e3
    p99, bp99 = percentile(app, 99) * 1e3, percentile(bare, 99) * 1e3
    return [Row(f"chair scan {name} median", med, bmed, "ms", "<=2x", _met(med <= 2 * bmed),
                f"n={len(app)}, {where}; baseline: bare driver"),
            Row(f"chair scan {name} p99", p99, bp99, "ms", "<5 ms" if name == "SQLite" else "",
                _met(p99 < 5) if name == "SQLite" else "n/a")]


def receiving(app_path: Path, bare_path: Path, reps: int) -> list[Row]:
    from datetime import UTC, datetime

    from inventory import receiving as rcv
    from inventory.barcode import element_string
    from inventory.ledger import open_ledger

    db = open_ledger(f"sqlite:///{app_path}", warn=lambda _s: None)
    by = sign_in(db)
    gtin = "09506000100029"
    raw = sqlite3.connect(bare_path, isolation_level=None)
    raw.execute("PRAGMA synchronous=FULL")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    app, bare = [], []
    for r in range(reps):
        scan = element_string(gtin, date.today() + timedelta(days=700), f"BENCH{r}", None)
        t0 = time.perf_counter()
        rcv.receive(db, [scan], units=10_000, by=by)
        app.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.executemany("INSERT INTO unit (product_id, lot_id, receipt_id, code, serial, status, "
                        "status_changed_at) VALUES (2, 1, 1, ?, NULL, 'in_stock', ?)",
                        [(f"B{r}-{i:05d}", now) for i in range(10_000)])
        raw.execute("COMMIT")
        bare.append(time.perf_counter() - t0)
    raw.close()
    db.dispose()
    a, b = statistics.median(app), statistics.median(bare)
    return [Row("receive 10,000 units", a, b, "s", "<=2x", _met(a <= 2 * b))]


def reports(path: Path, home: Path, reps: int) -> list[Row]:
    con = sqlite3.connect(path)
    newest = con.execute("SELECT MAX(used_at) FROM unit_use").fetchone()[0]
    con.close()
    end = date.fromisoformat(newest[:10])
    os.environ.update(BENCH_USER=USER, BENCH_PASSWORD=PASSWORD,
                      BENCH_START=(end - timedelta(days=364)).isoformat(), BENCH_END=str(end))
    # Warm-up (the signing key, once); its CSVs are the rows the bare ways draw and write.
    warm = bench_reports.measure("app_csv", path, home)
    os.environ["BENCH_ROWS"] = str(Path(warm["out"]) / "csv")
    runs: dict[str, list[dict]] = {}
    ways = ("app_pdf", "bare_canvas_all", "app_csv", "bare_csv_all", "bare_xlsx_all")
    for _ in range(reps):
        for name in ways:
            runs.setdefault(name, []).append(bench_reports.measure(name, path, home))
    med = {n: statistics.median(r["seconds"] for r in rs) for n, rs in runs.items()}
    peak = {n: max(r["peak_mb"] for r in rs) for n, rs in runs.items()}
    uses = runs["app_pdf"][0].get("rows", "?")
    printed = runs["bare_canvas_all"][0].get("rows", "?")
    bare_files = med["bare_csv_all"] + med["bare_xlsx_all"]
    rows = [Row("compliance PDF, 1 year", med["app_pdf"], med["bare_canvas_all"], "s",
                "<=1.5x, <30 s", _met(med["app_pdf"] <= 1.5 * med["bare_canvas_all"]
                                      and med["app_pdf"] < 30),
                f"{uses} uses; baseline draws the same {printed} rows"),
            Row("compliance PDF peak memory", peak["app_pdf"], peak["bare_canvas_all"], "MB",
                "<200 MB", _met(peak["app_pdf"] < 200)),
            Row("compliance CSV+XLSX, 1 year", med["app_csv"], bare_files, "s", "<=1.3x",
                _met(med["app_csv"] <= 1.3 * bare_files),
                "baseline: csv module + XlsxWriter, the same rows"),
            Row("  of which bare CSV", med["bare_csv_all"], None, "s", "", "n/a",
                f"bare XLSX {med['bare_xlsx_all']:.3g} s"),
            Row("compliance CSV peak memory", peak["app_csv"], peak["bare_csv_all"], "MB",
                "<100 MB", _met(peak["app_csv"] < 100))]
    os.environ["BENCH_START"] = (end - timedelta(days=5 * 365)).isoformat()
    usage = bench_reports.measure("app_usage", path, home)
    rows.append(Row("usage report, 5 years", usage["seconds"], None, "s", "", "n/a",
                    "no bare baseline"))
    return rows


def startup(path: Path, folder: Path, reps: int, scans: int = 200) -> list[Row]:
    import bench_ui

    url = f"sqlite:///{path}"
    scratch = folder / "qt"
    scratch.mkdir()
    empty = ("import time; t=time.perf_counter(); from PySide6.QtWidgets import QApplication, "
             "QMainWindow; a=QApplication([]); w=QMainWindow(); w.resize(1280, 800); w.show(); "
             "a.processEvents(); print('READY', flush=True)")
    from inventory import page_check

    page_check.stamp_path(path).unlink(missing_ok=True)
    morning = bench_ui.measure_startup(url, scratch, runs=1)[0][0]  # the page check runs
    app, bare = [], []
    for _ in range(reps):
        app += [s for s, _d in bench_ui.measure_startup(url, scratch, runs=1)]
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", empty], check=True, capture_output=True)
        bare.append(time.perf_counter() - t0)
    a, b = statistics.median(app), statistics.median(bare)
    rows = [Row("start to usable window", a, b, "s", "<=2x", _met(a <= 2 * b),
                "after a clean close"),
            Row("  first start of a day", morning, b, "s", "", "n/a", "with the page check")]
    figures = bench_ui.measure_window(url, path, scratch, scans)  # p99 of 50 was the slowest
    painted, domain = figures["chair: Enter to verdict on screen"], figures[
        "chair: use_unit alone (no window)"]
    p99 = percentile(painted, 99) * 1e3
    rows += [Row("scan to verdict painted median", percentile(painted, 50) * 1e3,
                 percentile(domain, 50) * 1e3, "ms", "", "n/a", f"n={len(painted)}"),
             Row("scan to verdict painted p99", p99, percentile(domain, 99) * 1e3, "ms", "<16 ms",
                 _met(p99 < 16), "baseline: use_unit alone"),
             Row("inventory table shown", figures["inventory table, first page shown"], None, "s",
                 "", "n/a", "no bare baseline"),
             Row("lot filter applied", figures["lot filter, first page shown"], None, "s", "",
                 "n/a", "no bare baseline")]
    return rows


def checks(path: Path, key: str, reps: int) -> list[Row]:
    from inventory import audit, backup, health, page_check, seal
    from inventory.ledger import open_ledger

    first, again, bare = [], [], []
    for _ in range(reps):
        page_check.stamp_path(path).unlink(missing_ok=True)  # the first start of a day
        t0 = time.perf_counter()
        open_ledger(f"sqlite:///{path}", warn=lambda _s: None).dispose()  # every start-up check
        first.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        open_ledger(f"sqlite:///{path}", warn=lambda _s: None).dispose()  # after a clean close
        again.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        con = sqlite3.connect(path)
        con.execute("PRAGMA quick_check(5)").fetchall()
        con.close()
        bare.append(time.perf_counter() - t0)
    rows = [Row("start-up checks, first start of a day", statistics.median(first),
                statistics.median(bare), "s", "", "n/a", "baseline: PRAGMA quick_check"),
            Row("start-up checks, after a clean close", statistics.median(again),
                statistics.median(bare), "s", "", "n/a", "the page check is skipped")]
    db = open_ledger(f"sqlite:///{path}", warn=lambda _s: None)
    app, bare = [], []
    for r in range(reps):
        shutil.rmtree(backup.backup_folder(path), ignore_errors=True)
        t0 = time.perf_counter()
        health.daily_backup(db, path)
        app.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        src, dst = sqlite3.connect(path), sqlite3.connect(path.parent / f"bare-{r}.sqlite3")
        src.backup(dst)
        src.close(), dst.close()
        bare.append(time.perf_counter() - t0)
    rows.append(Row("daily backup", statistics.median(app), statistics.median(bare), "s", "",
                    "n/a", "baseline: sqlite3 backup API"))
    verification = seal.key_from_text(key)
    app, bare = [], []
    events = 0
    for _ in range(max(1, reps - 1)):
        t0 = time.perf_counter()
        with db.read() as conn:
            report = audit.verify(conn, key=verification)
        app.append(time.perf_counter() - t0)
        assert report.ok, report.sentence
        events = report.events
        t0 = time.perf_counter()
        bench_verify.bare_chain(path, verification)
        bare.append(time.perf_counter() - t0)
    db.dispose()
    rows.append(Row("audit verify --key", statistics.median(app), statistics.median(bare), "s",
                    "", "n/a", f"{events:,} events; baseline: sqlite3 + sha256 + hmac"))
    return rows


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="1000000,500000", help="UNITS,SESSIONS")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--scans", type=int, default=300, help="chair scans per repetition")
    parser.add_argument("--out", type=Path, default=HERE / "results.csv")
    parser.add_argument(
        "--only",
        default="checks,chair,receiving,reports,desktop",
        help="which figures, comma separated (default: all)",
    )
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    units, sessions = (int(x) for x in args.scale.split(","))
    path, key, gen_s, mb = ledger(units, sessions)
    print(f"ledger: {units:,} units, {sessions:,} sessions, generated in {gen_s:.0f} s, "
          f"{mb:.0f} MB ({path})", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        folder = Path(tmp)
        os.environ["STERILE_LEDGER_HOME"] = str(folder / "home")
        work = copy_of(path, folder, "app")
        bare = copy_of(path, folder, "bare")
        only = set(args.only.split(","))
        if "checks" in only:
            figure("verify/start-up/backup", lambda: checks(work, key, args.reps))
        if "chair" in only:
            figure("chair scan", lambda: chair(work, bare, args.reps, args.scans))
            figure("chair scan PostgreSQL", lambda: chair_postgres(args.reps, args.scans))
        if "receiving" in only:
            figure("receiving", lambda: receiving(work, bare, args.reps))
        if "reports" in only:
            figure("reports", lambda: reports(work, folder / "home", args.reps))
        if "desktop" in only:
            figure("desktop", lambda: startup(work, folder, args.reps, min(args.scans, 200)))
    header = ["figure", "app", "baseline", "ratio", "target", "met", "note"]
    table = [header] + [r.cells() for r in ROWS]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
