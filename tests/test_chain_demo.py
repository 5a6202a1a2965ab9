"""The chain-scale generator (demo --units/--sessions) makes a ledger every check accepts.

Small scale here (2,000 units, 1,000 sessions); the benchmarks run it at 1,000,000.
Why: the benchmarks are only worth their numbers if the ledger they measure is one the
app itself would have written: chain, seals and bindings verified with the key, and a
clean start (no lost-write, clock or protection warnings).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.test_cli import run


def test_chain_demo_generates_a_valid_ledger(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite3"
    url = f"sqlite:///{path}"
    home = tmp_path / "home"
    made = run(url, "demo", "--units", "2000", "--sessions", "1000", "--json", home=home)
    assert made.returncode == 0, made.stderr
    assert "Warning" not in made.stderr
    summary = json.loads(made.stdout)
    assert summary["units"] == 2000 and summary["sessions"] == 1000

    con = sqlite3.connect(path)
    count = lambda table: con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: E731
    assert count("unit") == 2000
    assert count("treatment_session") == 1000
    assert count("unit_use") == summary["uses"] > 800
    assert count("refusal") == summary["refusals"] > 0
    assert count("recall") == summary["recalls"] >= 1
    assert count("audit_event") == summary["events"]
    assert con.execute("SELECT COUNT(DISTINCT practitioner) FROM treatment_session").fetchone()[
        0
    ] >= 5
    assert con.execute("SELECT COUNT(DISTINCT expiry) FROM lot").fetchone()[0] > 50
    statuses = dict(con.execute("SELECT status, COUNT(*) FROM unit GROUP BY status").fetchall())
    assert statuses["used"] == summary["uses"]
    assert statuses.get("wasted", 0) == summary["wasted"] > 0
    # Ledger time never runs backwards: events are in time order.
    times = [row[0] for row in con.execute("SELECT at FROM audit_event ORDER BY id")]
    assert times == sorted(times)
    con.close()

    verified = run(
        url,
        "audit",
        "verify",
        "--key",
        summary["verification_key"],
        home=home,
        user="Demo Inspector",
        password="demo",
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "seals verified with the verification key" in verified.stdout
    assert "Warning" not in verified.stderr
    # The ledger reopens for a manager too, with no start-up warnings.
    reopened = run(url, "units", home=home, user="Demo Manager", password="demo")
    assert reopened.returncode == 0, reopened.stderr
    assert "Warning" not in reopened.stderr
