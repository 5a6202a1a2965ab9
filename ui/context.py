"""What every screen needs: the ledger, who is acting, the worker thread, this PC's prefs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inventory.db import Database
from ui.prefs import Prefs
from ui.worker import Worker


@dataclass
class AppContext:
    db: Database
    actor: str
    """Who is acting: goes on every record this window writes (--by or the login name)."""
    worker: Worker
    prefs: Prefs
    db_url: str
    data_dir: Path
    long_worker: Worker | None = None
    """A second thread for long work (report exports), so a chair scan never waits on one."""
