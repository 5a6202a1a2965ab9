"""Receiving 10,000 units from one scan, beside bare sqlite3 executemany of the same rows.

Run: .venv/bin/python benchmarks/bench_receive.py [--units 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from common import GTIN, bench_clinic

from inventory import catalog, receiving
from inventory.barcode import element_string
from inventory.ledger import open_ledger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    app_times, bare_times = [], []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        db = open_ledger(f"sqlite:///{path}")
        by = bench_clinic(db)
        catalog.add_product(db, gtin=GTIN, maker="Bench", name="12-pin 0.5 mm",
                            kind="pen_cartridge", needle_count=12, needle_length_mm="0.5",
                            sterilization="EO", units_per_pack=10, by=by)
        for r in range(args.rounds):
            scan = element_string(GTIN, date(2030, 1, 31), f"LOT{r}", None)
            t0 = time.perf_counter()
            receiving.receive(db, [scan], units=args.units, by=by)
            app_times.append(time.perf_counter() - t0)
        db.dispose()

        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=FULL")
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
        for r in range(args.rounds):
            t0 = time.perf_counter()
            raw.execute("BEGIN IMMEDIATE")
            rows = [(1, 1, 1, f"B{r}-{i:05d}", None, "in_stock", now)
                    for i in range(args.units)]
            raw.executemany("INSERT INTO unit (product_id, lot_id, receipt_id, code, serial, "
                            "status, status_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            raw.execute("COMMIT")
            bare_times.append(time.perf_counter() - t0)
        raw.close()
    app, bare = statistics.median(app_times), statistics.median(bare_times)
    print(f"receive {args.units} units (app, one scan) : {app:.3f} s (median of {args.rounds})")
    print(f"bare sqlite3 executemany, same rows       : {bare:.3f} s")
    print(f"ratio app/bare                            : {app / bare:.2f}x")


if __name__ == "__main__":
    main()
