"""Shared tools for the reliability tests: the CLI as staff run it, hostile storage for real.

The tests often run as root, and root ignores permission bits. So a read-only place is
made the way the kernel enforces it for everyone: a read-only bind mount (or, without
mount rights, the immutable attribute); as an ordinary user, plain chmod does it.
A full disk is a real, tiny tmpfs where mounting is allowed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from inventory import receiving, settings
from inventory.clock import Clock
from inventory.db import Database, sqlite_path
from inventory.ledger import open_ledger
from inventory.staff import has_staff
from sterility import sessions
from sterility.chair import use_unit
from tests import people
from tests.conftest import GTIN_05, add_products, box
from tests.people import clear_intake, staff

ROOT = Path(__file__).resolve().parents[2]


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def cli(url: str, *args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python main.py ...`` as a clinic manager runs it."""
    env = os.environ | {
        "STERILE_LEDGER_DB": url,
        "STERILE_LEDGER_HOME": str(home),
        "STERILE_LEDGER_USER": "Clinic Manager",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True, text=True, env=env, timeout=timeout, check=False,
    )


def make_ledger(url: str, *, clock: Clock | None = None, boxes: int = 1) -> Database:
    """A ledger with a catalogue, ``boxes`` boxes received, one session and two uses."""
    path = sqlite_path(url)
    if path is not None and not path.exists():  # the tests' clinic, its staff and keys
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(people.sqlite_template(), path)
    db = open_ledger(url, clock=clock, warn=lambda _s: None)
    with db.read() as conn:
        seeded = has_staff(conn)
    if not seeded:
        people.seed(db)
    settings.set_value(db, "timezone", "Australia/Brisbane", by=staff("setup"))
    add_products(db)
    receipt = receiving.receive(
        db, [box(GTIN_05, f"A{n}") for n in range(boxes)], by=staff("Manager"), supplier="MedSupply"
    )
    session = sessions.open_session(
        db, client_ref="C-1", practitioner="Dr H", area="face", depth_mm="0.5", by=staff("Dr H"),
        intake=clear_intake(),
    )
    for code in receipt.lines[0].unit_codes[:2]:
        use_unit(db, session.id, code, by=staff("Dr H"))
    return db


def fingerprint(path: Path) -> dict[str, str]:
    """The database file and its companions, byte for byte: proof that nothing was written."""
    found = {}
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        file = path.parent / name
        if file.exists():
            found[name] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def _run(*cmd: str) -> bool:
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


@contextmanager
def read_only(path: Path) -> Iterator[str]:
    """Make a file or folder unwritable for this process, really; yields how."""
    if not is_root():
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield "chmod"
        finally:
            path.chmod(mode)
        return
    target = str(path)
    if _run("mount", "--bind", target, target):
        if not _run("mount", "-o", "remount,ro,bind", target):
            _run("umount", target)
            raise RuntimeError(f"could not remount {target} read-only")
        try:
            yield "read-only bind mount"
        finally:
            _run("umount", target) or _run("umount", "-l", target)
        return
    if _run("chattr", "+i", target):
        try:
            yield "immutable attribute"
        finally:
            _run("chattr", "-i", target)
        return
    raise RuntimeError("as root without mount or chattr rights, no read-only place can be made")


@contextmanager
def tiny_disk(folder: Path, size_kb: int) -> Iterator[bool]:
    """A real file system of ``size_kb`` at ``folder`` if mounting is allowed (root)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = is_root() and _run("mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs",
                                 str(folder))
    try:
        yield mounted
    finally:
        if mounted:
            _run("umount", "-l", str(folder))
