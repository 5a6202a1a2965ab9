"""One chair scan (parse, check, write use, update unit, audit row, commit) on 100,000 units.

Prints the app's chair path beside the same statements run with the bare driver
(sqlite3, psycopg) in the same run, on SQLite and on PostgreSQL (fsync on for both).
Run: .venv/bin/python benchmarks/bench_chair.py [--units 100000] [--scans 2000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from common import bench_clinic, bench_intake, describe, fill_units, percentile

from inventory.ledger import open_ledger
from sterility import sessions
from sterility.chair import use_unit

ACTOR: dict[str, object] = {}  # the signed-in bench manager of the ledger being measured


def app_scans(db, codes: list[str]) -> list[float]:
    by = ACTOR["by"]
    sid = sessions.open_session(
        db, client_ref="C-1", area="face", depth_mm="0.5", by=by, intake=bench_intake()
    ).id
    times = []
    for code in codes:
        t0 = time.perf_counter()
        use_unit(db, sid, code, by=by)
        times.append(time.perf_counter() - t0)
    return times


def bare_scans(execute: Callable[[str, tuple], list], begin: str, commit: Callable[[], None],
               codes: list[str], mark: str, sid: int) -> list[float]:
    """The same checks and writes as the chair, as literal SQL with no app code."""
    q = lambda sql: sql.replace("?", mark)  # noqa: E731 - paramstyle of the driver
    times = []
    for code in codes:
        t0 = time.perf_counter()
        execute(begin, ())
        execute(q("SELECT id, closed_at, planned_depth_um FROM treatment_session WHERE id = ?"),
                (sid,))
        unit = execute(q(
            "SELECT u.id, u.code, u.serial, u.status, l.lot_number, l.expiry, p.gtin, p.name, "
            "p.needle_length_um FROM unit u JOIN lot l ON l.id = u.lot_id "
            "JOIN product p ON p.id = u.product_id WHERE u.code = ?"), (code,))[0]
        execute(q("SELECT r.reference FROM recall_item ri JOIN recall r ON r.id = ri.recall_id "
                  "WHERE ri.gtin = ? AND ri.lot_number = ? LIMIT 1"), (unit[6], unit[4]))
        execute(q("SELECT value FROM setting WHERE key = ?"), ("timezone",))
        now = datetime.now(UTC)
        execute(q("INSERT INTO unit_use (unit_id, session_id, used_by, used_at, "
                  "deeper_confirmed) VALUES (?, ?, ?, ?, ?)"),
                (unit[0], sid, "Bench", now.replace(tzinfo=None).isoformat(" "), False))
        execute(q("UPDATE unit SET status = 'used' WHERE id = ? AND status = 'in_stock'"),
                (unit[0],))
        last = execute("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1", ())[0]
        new = json.dumps({"status": "used", "session": sid})
        digest = hashlib.sha256(json.dumps([last[0] + 1, now.isoformat(), "Bench", "use",
                                            "unit", code, "{}", new, last[1]]).encode()).hexdigest()
        execute(q("INSERT INTO audit_event (id, at, actor, action, entity, entity_id, "
                  "old_values, new_values, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)"),
                (last[0] + 1, now.replace(tzinfo=None).isoformat(" "), "Bench", "use", "unit",
                 code, "{}", new, last[1], digest))
        commit()
        times.append(time.perf_counter() - t0)
    return times


def run_sqlite(n_units: int, n_scans: int, folder: Path) -> tuple[list[float], list[float]]:
    path = folder / "bench.sqlite3"
    db = open_ledger(f"sqlite:///{path}")
    ACTOR["by"] = bench_clinic(db)
    codes = fill_units(db, n_units, by=ACTOR["by"])
    app = app_scans(db, codes[:n_scans])
    sid = sessions.open_session(db, client_ref="C-2", area="face", depth_mm="0.5",
                                by=ACTOR["by"], intake=bench_intake()).id
    db.dispose()
    raw = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        raw.execute(f"PRAGMA {pragma}")
    bare = bare_scans(lambda sql, p: raw.execute(sql, p).fetchall(), "BEGIN IMMEDIATE",
                      lambda: raw.execute("COMMIT"), codes[n_scans:2 * n_scans], "?", sid)
    raw.close()
    return app, bare


def run_postgresql(n_units: int, n_scans: int, reps: int = 1
                   ) -> tuple[list[float], list[float]] | str:
    """App and bare driver on a durable temporary server, round-robin for ``reps`` rounds
    of ``n_scans`` each; a sentence instead when no server can be started here."""
    try:
        import psycopg

        from tests.pgserver import PgServer, PgServerUnavailable
    except ImportError as exc:
        return f"not run: {exc}"
    server = PgServer(durable=True)
    try:
        server.start()
    except PgServerUnavailable as exc:
        return f"not run: {exc.reason}"
    try:
        server.create_database("bench")
        db = open_ledger(server.url("bench"))
        ACTOR["by"] = bench_clinic(db)
        codes = fill_units(db, n_units, by=ACTOR["by"])
        sid = sessions.open_session(db, client_ref="C-2", area="face", depth_mm="0.5",
                                    by=ACTOR["by"], intake=bench_intake()).id
        db.dispose()
        # The bare writes bypass the seal, so they go to a copy: the app's ledger stays whole.
        server.create_database("bare", template="bench")
        db = open_ledger(server.url("bench"))
        app: list[float] = []
        bare: list[float] = []
        with psycopg.connect(dbname="bare", user="postgres", host=str(server.socket_dir),
                             autocommit=True) as raw:
            def execute(sql: str, params: tuple) -> list:
                cur = raw.execute(sql, params)
                return cur.fetchall() if cur.description else []
            for r in range(reps):  # app, bare, app, bare...
                app += app_scans(db, codes[2 * r * n_scans:(2 * r + 1) * n_scans])
                bare += bare_scans(execute, "BEGIN", lambda: raw.execute("COMMIT"),
                                   codes[(2 * r + 1) * n_scans:(2 * r + 2) * n_scans], "%s",
                                   sid)
        db.dispose()
        return app, bare
    finally:
        server.stop()


def report(name: str, result: tuple[list[float], list[float]] | str) -> None:
    if isinstance(result, str):
        print(f"{name}: {result}")
        return
    app, bare = result
    ratio_med = percentile(app, 50) / percentile(bare, 50)
    ratio_p99 = percentile(app, 99) / percentile(bare, 99)
    print(f"{name} app chair scan : {describe(app)}")
    print(f"{name} bare driver    : {describe(bare)}")
    print(f"{name} ratio app/bare : median {ratio_med:.2f}x, p99 {ratio_p99:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=2_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite    ", run_sqlite(args.units, args.scans, Path(folder)))
    if not args.no_postgres:
        report("PostgreSQL", run_postgresql(args.units, args.scans))


if __name__ == "__main__":
    main()
