"""How the desktop app feels on a 1,000,000-unit ledger: start, inventory, lot filter, chair scan.

The database is built the fast way (sqlite3 executemany into the migrated schema, with
the demo clinic's staff and keys made first, so client references are stored encrypted
as the app stores them), then the real main window is driven offscreen, the way a person
would use it, signed in as the demo's manager ("Demo Manager", password "demo"). Each
figure is the wall time until the result is on screen (the worker thread has delivered
it and the widgets show it), not the time of the SQL alone.

    .venv/bin/python benchmarks/bench_ui.py            # builds a temporary database
    .venv/bin/python benchmarks/bench_ui.py --keep DIR # reuses or builds DIR/ledger.sqlite3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

UNITS = 1_000_000
UNITS_PER_LOT = 500
UNITS_PER_RECEIPT = 2_000
PRODUCTS = 20
NOW = datetime.now(UTC).replace(microsecond=0)


def _gtin(n: int) -> str:
    from biip.checksums import gs1_standard_check_digit

    body = f"0950600{20000 + n:06d}"
    return body + str(gs1_standard_check_digit(body))


MANAGER, PASSWORD = "Demo Manager", "demo"  # the staff commands.demo_cmd makes


def sign_in(db: object) -> object:
    """The demo's manager, signed in (argon2id: the same check the sign-in dialog makes)."""
    from inventory import staff

    return staff.sign_in(db, MANAGER, PASSWORD, record=False).actor  # type: ignore[arg-type]


def build_database(path: Path, units: int = UNITS) -> dict[str, int]:
    """A migrated ledger with ``units`` units, their lots, receipts, sessions and uses."""
    from commands.demo_cmd import make_staff
    from inventory import staff
    from inventory.ledger import open_ledger

    db = open_ledger(f"sqlite:///{path}")
    cast = make_staff(db)
    with db.read() as conn:
        treating = [(p.id, p.name) for p in staff.list_staff(conn) if p.role == "practitioner"]
    keys = cast.manager.keys
    db.dispose()
    rng = random.Random(11)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    stamp = NOW.replace(tzinfo=None).isoformat(sep=" ")
    lengths = [250, 500, 750, 1000, 1250, 1500, 2000, 2500]
    with con:
        con.executemany(
            "INSERT INTO setting (key, value) VALUES (?, ?)",
            [("clinic_name", "Benchmark Clinic"), ("timezone", "Australia/Sydney")],
        )
        con.executemany(
            "INSERT INTO product (id, gtin, maker, name, kind, needle_count, needle_config, "
            "needle_length_um, sterilization, units_per_pack, reorder_level, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, '', ?, 'EO', 10, 500, ?)",
            [
                (
                    p,
                    _gtin(p),
                    "Bench MedTech",
                    f"Cartridge {p:02d} {lengths[p % len(lengths)] / 1000:g} mm",
                    "pen_cartridge",
                    12,
                    lengths[p % len(lengths)],
                    stamp,
                )
                for p in range(1, PRODUCTS + 1)
            ],
        )
        lots = units // UNITS_PER_LOT
        today = NOW.date()
        lot_rows = []
        for lot_id in range(1, lots + 1):
            expiry = today + timedelta(days=rng.randint(-60, 900))
            lot_rows.append(
                (lot_id, (lot_id % PRODUCTS) + 1, f"B{lot_id:06d}", expiry.isoformat(), stamp)
            )
        con.executemany(
            "INSERT INTO lot (id, product_id, lot_number, expiry, production, created_at) "
            "VALUES (?, ?, ?, ?, NULL, ?)",
            lot_rows,
        )
        receipts = units // UNITS_PER_RECEIPT
        con.executemany(
            "INSERT INTO receipt (id, supplier, invoice, received_by, received_at) "
            "VALUES (?, 'Bench Supply', ?, 'bench', ?)",
            [(r, f"INV-{r}", stamp) for r in range(1, receipts + 1)],
        )
        con.executemany(
            "INSERT INTO body_area (name) VALUES (?) ON CONFLICT DO NOTHING",
            [("face",), ("neck",), ("decolletage",), ("scalp",), ("body",)],
        )

        def unit_rows():
            for uid in range(1, units + 1):
                lot_id = (uid - 1) // UNITS_PER_LOT + 1
                receipt = (uid - 1) // UNITS_PER_RECEIPT + 1
                seq = (uid - 1) % UNITS_PER_RECEIPT + 1
                roll = uid % 100
                status = (
                    "used"
                    if roll < 30
                    else "wasted"
                    if roll < 32
                    else "quarantined"
                    if roll < 33
                    else "in_stock"
                )
                reason = {"wasted": "dropped", "quarantined": "package dented"}.get(status)
                yield (
                    uid,
                    (lot_id % PRODUCTS) + 1,
                    lot_id,
                    receipt,
                    f"U{receipt}-{seq:03d}",
                    status,
                    reason,
                    stamp,
                )

        con.executemany(
            "INSERT INTO unit (id, product_id, lot_id, receipt_id, code, serial, status, "
            "status_reason, status_changed_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",
            unit_rows(),
        )
        used = [uid for uid in range(1, units + 1) if uid % 100 < 30]
        sessions = len(used) // 2
        start = NOW - timedelta(days=365)
        con.executemany(
            "INSERT INTO treatment_session (id, client_cipher, client_key, practitioner, "
            "practitioner_id, area, planned_depth_um, device, opened_by, opened_at, "
            "closed_by, closed_at) "
            "VALUES (?, ?, ?, ?, ?, 'face', 2500, '', 'bench', ?, 'bench', ?)",
            (
                (
                    s,
                    keys.encrypt_client(f"C-{s % 5000}"),
                    keys.client_key(f"C-{s % 5000}"),
                    treating[s % len(treating)][1],
                    treating[s % len(treating)][0],
                    (start + timedelta(seconds=s * 60)).replace(tzinfo=None).isoformat(sep=" "),
                    (start + timedelta(seconds=s * 60 + 40))
                    .replace(tzinfo=None)
                    .isoformat(sep=" "),
                )
                for s in range(1, sessions + 1)
            ),
        )
        con.executemany(
            "INSERT INTO unit_use (unit_id, session_id, used_by, used_at, deeper_confirmed) "
            "VALUES (?, ?, 'bench', ?, 0)",
            (
                (
                    uid,
                    i // 2 + 1,
                    (start + timedelta(seconds=(i // 2 + 1) * 60 + 10))
                    .replace(tzinfo=None)
                    .isoformat(sep=" "),
                )
                for i, uid in enumerate(used[: sessions * 2])
            ),
        )
    con.execute("ANALYZE")
    con.close()
    return {"units": units, "lots": lots, "receipts": receipts, "sessions": sessions}


# ---------------------------------------------------------------------------
# measuring the app


def _open(url: str, scratch: Path) -> tuple[object, object, object, float]:
    """The app as main.py starts it: the Qt application, the ledger, a sign-in (its check,
    not the typing), the main window. Also returns the seconds the sign-in check took."""
    from inventory.ledger import open_ledger
    from ui import capture
    from ui.app import application, make_window
    from ui.prefs import Prefs, make_qsettings

    capture.keep_settings_in(scratch)
    app = application(capture.platform_args(scratch))
    db = open_ledger(url)
    started = time.perf_counter()
    actor = sign_in(db)
    signing_in = time.perf_counter() - started
    window = make_window(db, actor=actor, db_url=url, prefs=Prefs(make_qsettings()))
    window.resize(1280, 800)
    window.show()
    return app, db, window, signing_in


def probe_startup(url: str, scratch: Path) -> None:
    """Child process: start the app, say READY once the window is usable (dashboard filled)."""
    t0 = time.perf_counter()
    import ui.app  # noqa: F401 - the imports main.py pays for
    from ui import capture

    t_import = time.perf_counter()
    _app, db, window, signing_in = _open(url, scratch)
    t_shown = time.perf_counter()
    dash = window.screens["dashboard"]  # type: ignore[attr-defined]
    capture.spin_until(lambda: dash.data is not None and window.ctx.worker.idle)  # type: ignore[attr-defined]
    t_ready = time.perf_counter()
    print(
        f"READY import={t_import - t0:.3f} open+show={t_shown - t_import:.3f} "
        f"(of which the sign-in check {signing_in:.3f}) data={t_ready - t_shown:.3f}",
        flush=True,
    )
    window.close()  # type: ignore[attr-defined]
    db.dispose()  # type: ignore[attr-defined]


def measure_startup(url: str, scratch: Path, runs: int = 3) -> list[tuple[float, str]]:
    """Wall time from launching a Python process to a usable main window."""
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, __file__, "--probe-startup", url, "--scratch", str(scratch)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("READY"):
                results.append((time.perf_counter() - start, line.strip()))
                break
        child.wait(timeout=60)
    return results


def in_stock_codes(path: Path, count: int) -> list[str]:
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT u.code FROM unit u JOIN lot l ON l.id = u.lot_id "
        "WHERE u.status = 'in_stock' AND l.expiry > ? ORDER BY u.id DESC LIMIT ?",
        ((date.today() + timedelta(days=2)).isoformat(), count),
    ).fetchall()
    con.close()
    return [r[0] for r in rows]


def measure_window(url: str, path: Path, scratch: Path, scans: int) -> dict[str, object]:
    """In one process: the inventory table, a lot filter, scrolling, and chair scans."""
    from ui import capture

    _app, db, window, _signing_in = _open(url, scratch)
    try:
        return _drive(window, db, path, scans)
    finally:  # a timed-out figure must not leave the worker threads running at exit
        with contextlib.suppress(TimeoutError):
            capture.spin_until(lambda: window.ctx.worker.idle, timeout=30)  # type: ignore[attr-defined]
        window.close()  # type: ignore[attr-defined]
        db.dispose()  # type: ignore[attr-defined]


BENCH_ROOM = "Bench room"
BENCH_CONCERN = "acne_scars"  # set to 0.25 to 2.5 mm for the bench: every cartridge fits


def fill_intake(chair: object) -> None:
    """The chair's intake as a practitioner fills it: acne scars, every screening question
    answered no, the consent signed, the room whose sharps container is open."""
    form = chair.intake  # type: ignore[attr-defined]
    form.concern.setCurrentIndex(form.concern.findData(BENCH_CONCERN))
    for no, _yes in form.answer_buttons.values():
        no.setChecked(True)
    form.consent.setChecked(True)
    form.room.setText(BENCH_ROOM)


def bare_intake(db: object) -> object:
    """The same intake for the scan without the window."""
    from sterility import forms
    from sterility.intake import Intake

    with db.read() as conn:  # type: ignore[attr-defined]
        screening = forms.current(conn, "screening")
        consent = forms.current(conn, "consent")
    return Intake(
        concern=BENCH_CONCERN,
        answers={item.key: False for item in screening.items},
        consent_version=consent.version,
        room=BENCH_ROOM,
        confirmations={"series_spacing": "benchmark"},
    )


def _drive(window: object, db: object, path: Path, scans: int) -> dict[str, object]:
    from sterility import guidance, sessions, sharps
    from sterility.chair import use_unit
    from ui import capture

    worker = window.ctx.worker  # type: ignore[attr-defined]
    actor = window.ctx.actor  # type: ignore[attr-defined]
    capture.spin_until(lambda: worker.idle)
    figures: dict[str, object] = {}

    inventory = window.screens["inventory"]  # type: ignore[attr-defined]
    model = inventory.units_model
    start = time.perf_counter()
    window.show_screen("inventory")  # type: ignore[attr-defined]
    capture.spin_until(lambda: model.rowCount() > 0)
    figures["inventory table, first page shown"] = time.perf_counter() - start
    capture.spin_until(lambda: model.total is not None)
    figures["inventory table, count shown"] = time.perf_counter() - start
    figures["inventory rows"] = model.total

    con = sqlite3.connect(path)
    lots = con.execute("SELECT COUNT(*) FROM lot").fetchone()[0]
    lot = con.execute(  # the 778th lot (or the last, on a small --units ledger)
        "SELECT lot_number FROM lot ORDER BY id LIMIT 1 OFFSET ?", (min(777, lots - 1),)
    ).fetchone()[0]
    con.close()
    # A lot looked up by number is looked at whole: every status, not only what is in stock.
    capture.find(inventory, "Status filter").setCurrentIndex(0)  # applied with the lot
    capture.spin_until(lambda: not model.loading)
    capture.type_text(inventory.lot, lot)
    start = time.perf_counter()
    capture.press_enter(inventory.lot)
    capture.spin_until(
        lambda: model.filters.get("lot_contains") == lot and not model.loading and model.rowCount()
    )
    figures["lot filter, first page shown"] = time.perf_counter() - start
    capture.spin_until(lambda: model.total is not None)
    figures["lot filter, count shown"] = time.perf_counter() - start
    figures["lot filter rows"] = model.total

    inventory.lot.clear()
    capture.press_enter(inventory.lot)
    capture.spin_until(  # the screen's own filter (in stock) stays: only the lot is cleared
        lambda: "lot_contains" not in model.filters and model.rowCount() and not model.loading
    )
    start = time.perf_counter()
    for _ in range(25):  # 25 more pages, as a person dragging the scroll bar down
        model.fetchMore()
        capture.spin_until(lambda: not model.loading)
    figures["scrolling 25 more pages (5,000 rows)"] = time.perf_counter() - start

    chair = window.screens["chair"]  # type: ignore[attr-defined]
    sharps.open_container(db, BENCH_ROOM, by=actor)  # type: ignore[arg-type]
    # Cartridges of every length are scanned: the bench clinic's range holds them all.
    guidance.set_range(db, BENCH_CONCERN, "0.25", "2.5", by=actor)  # type: ignore[arg-type]
    window.show_screen("chair")  # type: ignore[attr-defined]
    capture.spin_until(lambda: worker.idle and chair.intake.answer_buttons)
    chair.client.setText("C-BENCH")
    chair.depth.setCurrentText("2.5")
    fill_intake(chair)
    chair.open_session()
    capture.spin_until(lambda: chair.session is not None and worker.idle)
    codes = in_stock_codes(path, scans * 2)
    timings = []
    for code in codes[:scans]:
        capture.spin_until(lambda: worker.idle)
        timings.append(capture.time_scan(chair, code))
    figures["chair: Enter to verdict on screen"] = timings
    # The same scan without the window, in the same run, for comparison.
    bare_session = sessions.open_session(
        db,  # type: ignore[arg-type]
        client_ref="C-BARE",
        area="face",
        depth_mm="2.5",
        by=actor,
        intake=bare_intake(db),
    )
    bare = []
    for code in codes[scans : scans * 2]:
        start = time.perf_counter()
        use_unit(db, bare_session.id, code, by=actor)  # type: ignore[arg-type]
        bare.append(time.perf_counter() - start)
    figures["chair: use_unit alone (no window)"] = bare
    return figures


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {_ms(statistics.median(values))}, p99 {_ms(p99)}, n={len(values)}"


def main() -> int:
    parser = argparse.ArgumentParser(description="Desktop app timings on a 1,000,000-unit ledger")
    parser.add_argument("--keep", type=Path, help="folder for the ledger (reused if present)")
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--probe-startup", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.probe_startup:
        probe_startup(args.probe_startup, args.scratch)
        return 0

    folder = args.keep or Path(tempfile.mkdtemp(prefix="sl-bench-ui-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ledger.sqlite3"
    scratch = Path(tempfile.mkdtemp(prefix="sl-bench-qt-"))
    os.environ["STERILE_LEDGER_HOME"] = str(folder)
    if not path.exists():
        start = time.perf_counter()
        built = build_database(path, args.units)
        print(f"built {built} with sqlite3 executemany in {time.perf_counter() - start:.1f} s")
    url = f"sqlite:///{path}"

    print(f"Desktop app on {path} ({args.units:,} units), QT_QPA_PLATFORM=offscreen")
    for seconds, detail in measure_startup(url, scratch):
        print(f"  {'start to usable window (new process)':42s} {_ms(seconds)}   [{detail}]")
    for name, value in measure_window(url, path, scratch, args.scans).items():
        if isinstance(value, list):
            print(f"  {name:42s} {_spread(value)}")
        elif isinstance(value, float):
            print(f"  {name:42s} {_ms(value)}")
        else:
            print(f"  {name:42s} {value:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
