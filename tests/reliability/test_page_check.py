"""The start-up page check runs whenever the file may have been damaged since last found whole.

A chain's ledger takes seconds to read page by page, at every start and every command, so
a start right after a clean close on the same day skips it. These tests damage a real
file the ways the check is there for: after a clean close (edited, so the modification
time moves), with the modification time put back (found the next day), and after a kill
(found at once). The clock is the only thing set by hand.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from inventory import health, page_check
from inventory.errors import DatabaseDamaged
from inventory.ledger import open_ledger
from tests.reliability.helpers import ROOT, make_ledger

DAY = date(2026, 12, 2)


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clinic's ledger with records, closed cleanly today."""
    monkeypatch.setattr(page_check, "today", lambda: DAY)
    file = tmp_path / "clinic" / "ledger.sqlite3"
    make_ledger(f"sqlite:///{file}", boxes=5).dispose()
    return file


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files read page by page (the real check runs; this only counts it)."""
    seen: list[Path] = []
    real = health.quick_check

    def counted(path: Path) -> None:
        seen.append(path)
        real(path)

    monkeypatch.setattr(health, "quick_check", counted)
    return seen


def _damage_keeping_the_time(path: Path) -> None:
    """A damaged page of the unit table, its modification time put back (a failing disk)."""
    with sqlite3.connect(path) as conn:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'unit'").fetchone()
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page + 8 : root * page] = os.urandom(page - 8)
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_start_after_a_clean_close_today_skips_the_page_check(
    path: Path, checks: list[Path]
) -> None:
    open_ledger(f"sqlite:///{path}", warn=lambda _s: None).dispose()
    open_ledger(f"sqlite:///{path}", warn=lambda _s: None).dispose()
    assert checks == []


def test_the_first_start_of_a_day_finds_damage_the_file_time_does_not_show(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _damage_keeping_the_time(path)
    monkeypatch.setattr(page_check, "today", lambda: date(2026, 12, 3))
    with pytest.raises(DatabaseDamaged, match="ledger.sqlite3 is damaged"):
        open_ledger(f"sqlite:///{path}", warn=lambda _s: None)


def test_a_file_changed_outside_the_app_is_checked_at_once(
    path: Path, checks: list[Path]
) -> None:
    with sqlite3.connect(path) as conn:  # another program wrote to it
        conn.execute("CREATE TABLE notes_by_another_program (line TEXT)")
    conn.close()
    open_ledger(f"sqlite:///{path}", warn=lambda _s: None).dispose()
    assert checks == [path]


def test_after_a_kill_the_next_start_checks_every_page(path: Path, tmp_path: Path) -> None:
    """The app is killed while it has the ledger open: no closing stamp, so the next start
    the same day reads every page and refuses the damage, modification time or not."""
    killed = subprocess.run(
        [sys.executable, "-c", (
            "import os, sys; from inventory import page_check; from datetime import date\n"
            "page_check.today = lambda: date(2026, 12, 2)\n"
            "from inventory.ledger import open_ledger\n"
            f"db = open_ledger({f'sqlite:///{path}'!r}, warn=lambda s: None)\n"
            "print('open', flush=True); os._exit(9)"
        )],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env=os.environ | {"STERILE_LEDGER_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert killed.returncode == 9 and killed.stdout == "open\n", killed.stderr
    _damage_keeping_the_time(path)
    with pytest.raises(DatabaseDamaged, match="ledger.sqlite3 is damaged"):
        open_ledger(f"sqlite:///{path}", warn=lambda _s: None)
