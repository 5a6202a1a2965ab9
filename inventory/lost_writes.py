"""Lost writes are never silent: this computer remembers the newest event it wrote.

A SQLite ledger whose -wal file was deleted after a crash, or an older copy put in its
place, opens without a word: the records are simply gone, their seal state with them,
and the next receipt would reuse a number printed on labels. So after every commit the
app writes the newest event (number and hash) and the receipt and session numbers it
handed out to a small file beside the ledger (``ledger.sqlite3.head``). At start, a
ledger behind that file is named as having lost records: the loss is recorded in the
audit trail, said to staff, and the lost numbers are never handed out again.

What it cannot hold against: someone who also deletes or edits the file (it guards
against accidents and against a restore that skips the app, not against an attacker at
the PC; the seals and the exports' tree heads do that).
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from inventory import audit, ids
from inventory.access import SYSTEM
from inventory.db import Database
from inventory.models import AuditEvent

log = logging.getLogger(__name__)
SUFFIX = ".head"
RECORD_BYTES = 512


@dataclass(frozen=True)
class Seen:
    """What this computer last wrote to the ledger."""

    events: int
    hash: str
    ids: dict[str, int]


def head_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + SUFFIX)


def read_seen(ledger: Path) -> Seen | None:
    try:
        data = json.loads(head_path(ledger).read_text(encoding="utf-8"))
        handed = {k: int(v) for k, v in data["ids"].items()}
        return Seen(int(data["events"]), str(data["hash"]), handed)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record(events: int, digest: str, top: dict[str, int]) -> bytes:
    """The file's content, padded to a fixed size so that an overwrite in place needs no
    truncation (a JSON reader ignores the trailing spaces)."""
    text = json.dumps({"events": events, "hash": digest, "ids": top}).encode("utf-8")
    return text.ljust(RECORD_BYTES, b" ")


def write_seen(ledger: Path, events: int, digest: str, top: dict[str, int]) -> None:
    """Note the newest event once (at start, after a restore): see :class:`HeadFile`."""
    head = HeadFile(ledger)
    head.write(events, digest, top)
    head.close()


class HeadFile:
    """The file beside the ledger, overwritten in place after each commit.

    In place, not replaced by a new file: a rename costs about 0.3 ms, as much as the
    rest of a chair scan's writing. Not fsynced: a crash may leave it behind the ledger
    (harmless), never ahead of it, since it is written after the ledger's commit. A torn
    write reads as no file at all, which is harmless too.
    """

    def __init__(self, ledger: Path) -> None:
        self.path = head_path(ledger)
        self._file: BinaryIO | None = None
        self._written = 0
        self._failed = False

    def write(self, events: int, digest: str, top: dict[str, int]) -> None:
        record = _record(events, digest, top)
        try:
            if self._file is None:
                self._file = open(self.path, "r+b" if self.path.exists() else "w+b")  # noqa: SIM115 - kept open
            self._file.seek(0)
            self._file.write(record)
            if len(record) < self._written:
                self._file.truncate()
            self._written = len(record)
            self._file.flush()
        except OSError as exc:  # a read-only folder: the ledger itself was written
            if not self._failed:
                log.warning("could not note the newest event beside the ledger: %s", exc)
            self._failed = True
            self.close()

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


class Watch:
    """The commit hook of one open ledger: keeps the file in step with what was written."""

    def __init__(self, db: Database, ledger: Path) -> None:
        self.db, self.ledger = db, ledger
        seen = read_seen(ledger)
        self.top = dict(seen.ids) if seen else {}
        self.head = HeadFile(ledger)

    def __call__(self, events: int, digest: str, handed_out: dict[str, int] | None) -> None:
        for name, number in (handed_out or {}).items():
            self.top[name] = max(self.top.get(name, 0), number)
        self.head.write(events, digest, self.top)

    def note_current(self) -> None:
        """Start the file from the ledger as it is now (a first start, after a check)."""
        with self.db.read() as conn:
            newest = conn.execute(
                select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
            ).first()
            top = ids.top_ids(conn)
        for name, number in top.items():
            self.top[name] = max(self.top.get(name, 0), number)
        if newest is not None:
            self.head.write(newest.id, newest.hash, self.top)


def check(db: Database, ledger: Path) -> str | None:
    """At start: a sentence (and an audit event) if the ledger lost records, else None."""
    seen = read_seen(ledger)
    with db.read() as conn:
        newest = conn.execute(
            select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
        ).first()
        same = None
        if seen is not None and seen.events:
            same = conn.execute(
                select(AuditEvent.hash).where(AuditEvent.id == seen.events)
            ).scalar()
        top = ids.top_ids(conn)
    count = newest.id if newest else 0
    if seen is None:
        return None
    if count >= seen.events and (seen.events == 0 or same == seen.hash):
        return None
    lost_ids = {k: v for k, v in seen.ids.items() if v > top.get(k, 0)}
    if count < seen.events:
        what = (
            f"its newest records are missing: this computer wrote events up to number "
            f"{seen.events}, but the ledger ends at {count}"
        )
    else:
        what = (
            f"event {seen.events} is not the one this computer wrote (the ledger was "
            "replaced by a different copy)"
        )
    numbers = ", ".join(f"{name.replace('_', ' ')}s up to {n}" for name, n in lost_ids.items())
    sentence = (
        f"The ledger {ledger.name} lost records: {what}. This happens when the -wal file "
        "beside it was deleted after a crash, or an older copy was put in its place "
        "without the app's restore. The loss is recorded in the audit trail."
        + (f" Numbers already handed out ({numbers}) will not be used again." if numbers else "")
    )
    if db.read_only:
        return sentence
    with db.write() as conn:
        for name, number in seen.ids.items():
            ids.raise_floor(conn, name, number + 1)
        audit.record(
            conn,
            at=db.now(conn),
            by=SYSTEM,
            action="lost_writes",
            entity="database",
            entity_id=ledger.name[:60],
            new={
                "events_seen": seen.events,
                "hash_seen": seen.hash,
                "events_found": count,
                "numbers_not_reused": lost_ids,
            },
        )
    return sentence
