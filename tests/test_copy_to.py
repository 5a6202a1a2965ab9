"""From SQLite to PostgreSQL: the demo clinic's whole ledger moves, and checks out there."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from inventory.db import Database
from inventory.errors import DatabaseReadOnly
from inventory.ledger import open_ledger
from tests.conftest import pg_or_fail
from tests.test_cli import demo_cli, demo_intake_args


def test_db_copy_to_moves_the_demo_ledger_and_the_seals_check_out(
    tmp_path: Path, pg_server
) -> None:
    server = pg_or_fail(pg_server)
    server.create_database("moved_here")
    target = server.url("moved_here")
    path = tmp_path / "clinic" / "ledger.sqlite3"
    cli = demo_cli(f"sqlite:///{path}", tmp_path / "home")
    demo = cli("demo", "--json")
    assert demo.returncode == 0, demo.stderr
    key = json.loads(demo.stdout)["verification_key"]
    with sqlite3.connect(path) as raw:
        before = {
            t: raw.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for (t,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if t not in ("alembic_version", "ledger_lock") and not t.startswith("sqlite_")
        }

    moved = cli("db", "copy-to", target, "--json")
    assert moved.returncode == 0, moved.stderr
    copied = json.loads(moved.stdout)
    assert {t: n for t, n in copied["rows"].items() if t in before} == before
    assert "password" not in moved.stdout.lower()

    # On the server: the whole trail, seals included, with the clinic's verification key.
    on_server = demo_cli(target, tmp_path / "home")
    verified = on_server("audit", "verify", "--key", key, "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["seals_checked"] and report["events"] == copied["events"]
    # Work goes on there, with new numbers after the copied ones.
    opened = on_server(
        "session", "open", "--client", "C-NEW", "--area", "face", "--depth", "0.5", "--json",
        *demo_intake_args(),
    )
    assert opened.returncode == 0, opened.stderr
    assert json.loads(opened.stdout)["id"] > max_session(path)
    assert on_server("audit", "verify", "--key", key).returncode == 0

    # The SQLite file is kept, read-only, and says where the ledger went.
    old = open_ledger(f"sqlite:///{path}", warn=lambda _s: None)
    try:
        assert old.read_only and "moved to PostgreSQL" in (old.read_only_reason or "")
        with pytest.raises(DatabaseReadOnly, match="moved to PostgreSQL"), old.write():
            pass
    finally:
        old.dispose()

    # A second copy into the same (now full) database is refused, changing nothing.
    again = cli("db", "copy-to", target)
    assert again.returncode == 3


def max_session(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("SELECT max(id) FROM treatment_session").fetchone()[0])


def test_copy_to_refuses_a_target_that_is_not_postgresql(db: Database, tmp_path: Path) -> None:
    from inventory.copy_to import copy_to
    from inventory.errors import InvalidInput
    from tests.people import staff

    if db.dialect != "sqlite":
        with pytest.raises(InvalidInput, match="already on a server"):
            copy_to(db, "postgresql+psycopg://x@/y", by=staff("Manager"))
        return
    with pytest.raises(InvalidInput, match="Copy to a PostgreSQL database"):
        copy_to(db, f"sqlite:///{tmp_path / 'other.sqlite3'}", by=staff("Manager"))
