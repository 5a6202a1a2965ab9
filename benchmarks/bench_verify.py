"""`audit verify` on a long trail: the chain, the bindings, and the seals with the key.

Builds a SQLite ledger of N sealed events through the app's own audit writer (in
transactions of 10,000), then times ``audit.verify`` without and with the verification
key, beside the bare minimum the same check needs, measured in the same run: the
sqlite3 driver streaming the events and computing each event's SHA-256 (and, for the
key, its HMAC and the next key) with nothing else.
Run: .venv/bin/python benchmarks/bench_verify.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import resource
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import bench_setup

from inventory import audit, seal
from inventory.ledger import open_ledger
from inventory.rawsql import Raw

CHUNK = 10_000


def fill_events(db, n: int, by) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with db.read() as conn:
        have = audit.verify(conn).events
    made = have
    while made < n:
        with db.write() as conn:
            raw = Raw(conn)
            for _ in range(min(CHUNK, n - made)):
                made += 1
                audit.record(raw, at=start + timedelta(seconds=made), by=by, action="note",
                             entity="bench", entity_id=made, new={"n": made})


def bare_chain(path: Path, key: bytes | None) -> int:
    """The least the check can do: stream, hash each event, (MAC it, evolve the key)."""
    conn = sqlite3.connect(path)
    count = 0
    for row in conn.execute("SELECT id, at, actor, action, entity, entity_id, old_values, "
                            "new_values, prev_hash, hash, seal FROM audit_event ORDER BY id"):
        hashlib.sha256("|".join(str(v) for v in row[:9]).encode()).hexdigest()
        if key is not None:
            hmac.compare_digest(hmac.new(key, row[9].encode(), hashlib.sha256).hexdigest(),
                                row[10] or "")
            key = hashlib.sha256(b"evolve" + key).digest()
        count += 1
    conn.close()
    return count


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    return result, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.sqlite3"
        db = open_ledger(f"sqlite:///{path}", warn=lambda _s: None)
        setup_t0 = time.perf_counter()
        setup = bench_setup(db)
        key = seal.key_from_text(setup.verification_key)
        fill_events(db, args.events, setup.actor)
        print(f"built {args.events:,} sealed events in {time.perf_counter() - setup_t0:.1f} s "
              f"({path.stat().st_size / 2**20:.0f} MB)")
        for label, with_key in (("without the key", None), ("with the key", key)):
            _, bare_s, _ = timed(lambda k=with_key: bare_chain(path, k))

            def check(k=with_key):
                with db.read() as conn:
                    return audit.verify(conn, key=k)

            report, app_s, peak = timed(check)
            assert report.ok, report.sentence
            print(f"audit verify {label}: {app_s:.1f} s (process peak {peak:.0f} MB); bare "
                  f"driver {bare_s:.1f} s; ratio {app_s / bare_s:.2f}x")
        db.dispose()


if __name__ == "__main__":
    main()
