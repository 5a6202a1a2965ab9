"""When the start-up page check (SQLite's quick check of every page) runs.

Reading every page of a chain's 1.4 GB ledger takes over 2 s with the file in memory and
much longer on a cold morning, at every start of the app and every command. The check
finds damage to the file, so it runs whenever the file may have been damaged since it was
last found whole: at the first start of each day on this computer; after an end that was
not clean (a crash, a kill, a power cut: the ``-wal`` file is left, or no closing stamp
was written); and when the file changed outside the app since its last clean close (its
size or modification time differ: a copy put in its place, an edit, a restore). Otherwise
the stamp of that clean close (``ledger.sqlite3.checked`` beside it) says nothing touched
the file since, and the start skips the check.

What it cannot hold against: damage that changes neither size nor modification time
between two starts on one day (a failing disk). The next day's first start finds it, and
SQLite refuses any damaged page it reads in the meantime, so nothing is silently changed.
The stamp guards against accidents, not against someone at the PC: the seals and the
exports' tree heads guard the records.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from pathlib import Path

from inventory import health
from inventory.db import wal_holds_records

SUFFIX = ".checked"


def today() -> date:
    """This computer's date (a test sets it: the clock is the edge of the world)."""
    return date.today()


def stamp_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + SUFFIX)


def _read(ledger: Path) -> dict[str, object]:
    try:
        data = json.loads(stamp_path(ledger).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(ledger: Path, data: dict[str, object]) -> None:
    with contextlib.suppress(OSError):  # a read-only folder: the check runs each time
        stamp_path(ledger).write_text(json.dumps(data), encoding="utf-8")


def _closed_cleanly_as_is(ledger: Path, stamp: dict[str, object]) -> bool:
    if wal_holds_records(ledger):
        return False  # still open elsewhere, or left by a crash
    found = ledger.stat()
    return stamp.get("size") == found.st_size and stamp.get("mtime_ns") == found.st_mtime_ns


def before_open(ledger: Path) -> str:
    """Run the quick check unless the file is as its last clean close left it, today.

    Returns the day of the last full check, for :func:`closed`. Until then the stamp
    holds no size: an end that is not clean leaves it so, and the next start checks.
    """
    stamp, day = _read(ledger), today().isoformat()
    if not (stamp.get("day") == day and _closed_cleanly_as_is(ledger, stamp)):
        health.quick_check(ledger)  # raises DatabaseDamaged, naming the backups
    _write(ledger, {"day": day})
    return day


def closed(ledger: Path, checked: str) -> None:
    """After the last connection closed: the file as it is now, found whole on ``checked``."""
    if wal_holds_records(ledger):
        return  # another process has it open: its own close writes the stamp
    with contextlib.suppress(OSError):
        found = ledger.stat()
        _write(ledger, {"day": checked, "size": found.st_size, "mtime_ns": found.st_mtime_ns})
