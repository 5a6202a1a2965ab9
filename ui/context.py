"""What every screen needs: the ledger, who is signed in, the worker thread, this PC's prefs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inventory.access import Actor
from inventory.db import Database
from ui.prefs import Prefs
from ui.worker import Worker


@dataclass
class AppContext:
    db: Database
    actor: Actor
    """Who is signed in: every record this window writes names them, and their keys read
    client references. It changes when a manager unlocks, or someone signs in after a
    sign-out (the main window tells each screen)."""
    worker: Worker
    prefs: Prefs
    db_url: str
    data_dir: Path
    long_worker: Worker | None = None
    """A second thread for long work (report exports), so a chair scan never waits on one."""
    locked: bool = False
    """The window is locked (idle, Lock now, Sign out): nothing may be scanned or saved."""
