"""Old sealing keys leave the disk's files soon after the ledger has moved past them.

Forward-secure sealing (inventory.seal) holds only if a replaced key is gone. SQLite
overwrites the kept key in place in the ledger file (secure_delete is on), but in WAL
mode every commit first appends whole pages to the ``-wal`` file, and those frames, each
with the key of its moment, stay there until a checkpoint resets the file. Measured
before this module: 33 of the 35 keys a short day had used could be read back from the
-wal file. So, about a second after a write, this truncates the -wal file
(``wal_checkpoint(TRUNCATE)``), on its own connection and off the caller's thread, and
again when the ledger is closed. A chair scan never waits for it: the checkpoint does
not wait for a busy ledger (it tries again a second later).

What it cannot do: erase what the file system or the drive keeps of freed blocks (a
forensic copy of the disk may hold old frames), nor the keys inside backups made by
hand as plain file copies (the app's own backups carry no key: inventory.sqlite_copy).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)
DELAY_S = 1.0


class KeyEraser:
    """Truncates one SQLite ledger's -wal file a moment after each write."""

    def __init__(self, ledger: Path, delay_s: float = DELAY_S) -> None:
        self.ledger, self.delay_s = ledger, delay_s
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False

    def soon(self) -> None:
        """After a commit: truncate within ``delay_s`` (one timer for a burst of writes)."""
        with self._lock:
            if self._closed or self._timer is not None:
                return
            self._timer = threading.Timer(self.delay_s, self._due)
            self._timer.daemon = True  # never keeps a finished command alive
            self._timer.start()

    def _due(self) -> None:
        with self._lock:
            self._timer = None
        if not self.truncate(wait_s=0.0):
            self.soon()  # the ledger was busy (a long read, a write): a second later

    def truncate(self, *, wait_s: float) -> bool:
        """Checkpoint the -wal file into the ledger and cut it to nothing. True when done."""
        try:
            conn = sqlite3.connect(
                f"{self.ledger.resolve().as_uri()}?mode=rw", uri=True, timeout=wait_s
            )  # mode=rw: never creates a ledger that is not (or no longer) there
        except (sqlite3.Error, OSError):
            return True
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            return busy == 0
        except sqlite3.Error as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return False
            log.warning("the -wal file of %s could not be truncated: %s", self.ledger, exc)
            return True
        finally:
            conn.close()

    def close(self) -> None:
        """The ledger is being closed: truncate now (waiting a little for other writers)."""
        with self._lock:
            self._closed = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self.truncate(wait_s=2.0)
