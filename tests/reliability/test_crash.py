"""Kill the writing process at random moments: nothing acknowledged is lost, nothing is half.

Each round starts a fresh app process (tests/reliability/crash_writer.py) that receives
boxes, opens sessions, uses and refuses units and makes backups, and kills it with SIGKILL
at a random moment: sometimes during start-up (the quick check, the daily backup), mostly
while it writes. After each kill the database must hold every acknowledged receipt, use,
refusal and session; every receipt must have all its units and every change its audit
event (no half transaction); SQLite's integrity check and the audit chain must pass; and
every file that looks like a backup must be a whole, intact database.

Under SOAK=1 (make soak) the rounds are ten times more; CRASH_KILLS sets them directly.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from inventory import audit, settings
from inventory.backup import list_backups
from inventory.db import make_engine, sqlite_path
from inventory.ledger import open_ledger
from tests.conftest import add_products
from tests.people import staff

ROOT = Path(__file__).resolve().parents[2]
KILLS = {"sqlite": 50, "postgresql": 10}


def kills_for(backend: str) -> int:
    if os.environ.get("CRASH_KILLS"):
        return int(os.environ["CRASH_KILLS"])
    return KILLS[backend] * (10 if os.environ.get("SOAK") else 1)


@dataclass
class Acks:
    """Everything a person was told was saved, over all the killed processes."""

    receipts: dict[int, int] = field(default_factory=dict)
    sessions: set[int] = field(default_factory=set)
    uses: dict[str, int] = field(default_factory=dict)
    refusals: set[int] = field(default_factory=set)
    backups: list[str] = field(default_factory=list)

    def take(self, line: str) -> None:
        word, *rest = line.split()
        if word == "receipt":
            self.receipts[int(rest[0])] = int(rest[1])
        elif word == "session":
            self.sessions.add(int(rest[0]))
        elif word == "use":
            self.uses[rest[0]] = int(rest[1])
        elif word == "refusal" and rest[0] != "None":  # None: busy, and said so
            self.refusals.add(int(rest[0]))
        elif word == "backup":
            self.backups.append(rest[0])

    @property
    def records(self) -> int:
        return len(self.receipts) + len(self.sessions) + len(self.uses) + len(self.refusals)


def run_and_kill(url: str, seed: int, rng: random.Random) -> tuple[list[str], bool]:
    """One app process, killed at a random moment; returns its complete ack lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_writer", url, str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out = b""
    during_startup = rng.random() < 0.15
    if during_startup:
        time.sleep(rng.uniform(0.0, 0.5))
    else:
        deadline = time.monotonic() + 30
        while b"ready\n" not in out and time.monotonic() < deadline:
            readable, _, _ = select.select([proc.stdout], [], [], 0.5)
            if readable:
                chunk = os.read(proc.stdout.fileno(), 65536)  # type: ignore[union-attr]
                if not chunk:
                    break
                out += chunk
        time.sleep(rng.uniform(0.0, 0.3))
    os.kill(proc.pid, signal.SIGKILL)
    rest, err = proc.communicate(timeout=30)  # acks still in the pipe count too
    assert proc.returncode == -signal.SIGKILL, f"the writer stopped by itself:\n{err.decode()}"
    lines = (out + rest).decode().split("\n")
    return [line for line in lines[:-1] if line and line != "ready"], during_startup


def check(conn: Connection, acks: Acks, kills: int, backend: str) -> tuple[int, int]:
    """Everything acknowledged is there, nothing is half there.

    Returns the records and events checked, and how many records were saved but never
    acknowledged (the process died between the commit and the ack: allowed, and counted).
    """
    if backend == "sqlite":
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
    chain = audit.verify(conn)
    assert chain.ok, chain.sentence

    def events(action: str, entity: str) -> list[tuple[str, str]]:
        return [
            (row[0], row[1])
            for row in conn.execute(
                text(
                    "SELECT entity_id, new_values FROM audit_event "
                    "WHERE action = :a AND entity = :e"
                ),
                {"a": action, "e": entity},
            )
        ]

    receipts = dict(
        conn.execute(
            text(
                "SELECT r.id, count(u.id) FROM receipt r "
                "LEFT JOIN unit u ON u.receipt_id = r.id GROUP BY r.id"
            )
        ).all()
    )
    created = {int(key) for key, _ in events("create", "receipt")}
    received: Counter[int] = Counter()
    for _key, new in events("receive", "lot"):
        values = json.loads(new)
        received[values["receipt"]] += values["units"]
    uses = dict(
        conn.execute(
            text("SELECT u.code, uu.session_id FROM unit_use uu JOIN unit u ON u.id = uu.unit_id")
        ).all()
    )
    used = set(conn.execute(text("SELECT code FROM unit WHERE status = 'used'")).scalars())
    use_events = Counter(key for key, _ in events("use", "unit"))
    refusals = set(conn.execute(text("SELECT id FROM refusal")).scalars())
    refuse_events = {int(key) for key, _ in events("refuse", "refusal")}
    sessions = set(conn.execute(text("SELECT id FROM treatment_session")).scalars())
    opened = {int(key) for key, _ in events("open", "session")}

    # Everything acknowledged is there.
    for receipt, units in acks.receipts.items():
        assert receipts.get(receipt) == units, f"acknowledged receipt {receipt} lost units"
    assert {c: uses.get(c) for c in acks.uses} == acks.uses, "an acknowledged use is missing"
    assert acks.refusals <= refusals, "an acknowledged refusal is missing"
    assert acks.sessions <= sessions, "an acknowledged session is missing"
    # Nothing is half there: each record with all its parts and its audit event.
    assert set(receipts) == created
    assert receipts == {r: received[r] for r in receipts}, "a receipt without all its units"
    assert set(uses) == used == set(use_events) and set(use_events.values()) <= {1}
    assert refusals == refuse_events and sessions == opened
    # At most one call per killed process was saved but not yet acknowledged.
    found = len(receipts) + len(uses) + len(refusals) + len(sessions)
    assert acks.records <= found <= acks.records + kills
    return found + sum(receipts.values()) + chain.events, found - acks.records


def check_backups(path: Path, acks: Acks, seen: set[str]) -> None:
    """Every file named as a backup is whole and intact, acknowledged ones included."""
    named = {b.path.name: b.path for b in list_backups(path)}
    assert set(acks.backups) <= set(named), "an acknowledged backup is missing"
    for name in sorted(set(named) - seen):
        copy = sqlite3.connect(f"file:{named[name]}?mode=ro", uri=True)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)], name
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        finally:
            copy.close()
        seen.add(name)


@pytest.mark.soak
def test_killed_writer_loses_nothing_acknowledged(db_url: str, tmp_path: Path) -> None:
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    setup = open_ledger(db_url)
    settings.set_value(setup, "timezone", "Australia/Brisbane", by=staff("setup"))
    add_products(setup)
    setup.dispose()

    kills = kills_for(backend)
    rng = random.Random(int(os.environ.get("CRASH_SEED", "7")))
    acks, seen = Acks(), set[str]()
    engine = make_engine(db_url)
    path = sqlite_path(db_url)
    checked, startup_kills, unacked, started = 0, 0, 0, time.monotonic()
    try:
        for round_no in range(1, kills + 1):
            lines, during_startup = run_and_kill(db_url, rng.randrange(10**6), rng)
            startup_kills += during_startup
            for line in lines:
                acks.take(line)
            with engine.connect() as conn:
                checked, unacked = check(conn, acks, round_no, backend)
            if path is not None:
                check_backups(path, acks, seen)
    finally:
        engine.dispose()
    print(
        f"\n{backend}: {kills} kills survived ({startup_kills} during start-up) in "
        f"{time.monotonic() - started:.1f} s; acknowledged: {len(acks.receipts)} receipts, "
        f"{len(acks.sessions)} sessions, {len(acks.uses)} uses, {len(acks.refusals)} "
        f"refusals, {len(acks.backups)} backups; {checked} records and events checked after "
        f"the last kill; {unacked} saved but killed before the ack; {len(seen)} backup files "
        "checked whole"
    )
    assert len(acks.uses) > kills and len(acks.refusals) > 0 and len(acks.receipts) > 0
