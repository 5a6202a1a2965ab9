"""The audit trail: append-only events, each chained to the one before by SHA-256.

An event's hash covers its number, time, actor, action, record, old and new values and
the previous event's hash. Editing, deleting, inserting or reordering any event breaks
the chain at that point, and :func:`verify` names the first broken event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from inventory.models import AuditEvent
from inventory.rawsql import Raw

GENESIS = "0" * 64


def canonical(values: Any) -> str:
    """The one JSON text of a value that the hash covers."""
    return json.dumps(
        values, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )


def event_hash(
    number: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    old_values: str,
    new_values: str,
    prev_hash: str,
) -> str:
    fields = [
        number,
        at.isoformat(timespec="microseconds"),
        actor,
        action,
        entity,
        entity_id,
        old_values,
        new_values,
        prev_hash,
    ]
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Stamp:
    """What an audit write returns: the event's number, time and hash."""

    number: int
    at: datetime
    hash: str


_LAST = "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"
_INSERT = (
    "INSERT INTO audit_event (id, at, actor, action, entity, entity_id, old_values, "
    "new_values, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def record(
    conn: Connection | Raw,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    old: Any = None,
    new: Any = None,
) -> Stamp:
    """Append one event in the caller's write transaction (which holds the write lock).

    Plain driver statements: this runs on every change, the chair scan included.
    """
    raw = conn if isinstance(conn, Raw) else Raw(conn)
    last = raw.one(_LAST)
    number, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    old_text, new_text = canonical(old), canonical(new)
    at = at.astimezone(UTC)
    key = str(entity_id)
    digest = event_hash(number, at, actor, action, entity, key, old_text, new_text, prev)
    raw.run(
        _INSERT,
        (number, raw.time(at), actor, action, entity, key, old_text, new_text, prev, digest),
    )
    return Stamp(number=number, at=at, hash=digest)


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the whole chain."""

    events: int
    ok: bool
    first_broken: int | None = None
    problem: str = ""
    last_hash: str = GENESIS

    @property
    def sentence(self) -> str:
        if self.ok:
            return f"Audit trail intact: {self.events} events, chain verified."
        return f"Audit trail BROKEN at event {self.first_broken}: {self.problem}"


def iter_events(conn: Connection, batch: int = 5000) -> Iterator[Any]:
    """Stream events in number order without holding them all in memory."""
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(
        select(AuditEvent.__table__).order_by(AuditEvent.id)
    )
    yield from result


def verify(conn: Connection) -> ChainReport:
    """Recompute every hash in order; name the first event where the chain breaks."""
    expected_number, prev, count = 1, GENESIS, 0
    for row in iter_events(conn):
        count += 1
        if row.id != expected_number:
            what = "missing" if row.id > expected_number else "out of order"
            return ChainReport(
                count,
                False,
                expected_number,
                f"event {expected_number} is {what} (found event {row.id} in its place).",
            )
        if row.prev_hash != prev:
            return ChainReport(
                count,
                False,
                row.id,
                "it does not follow the event before it (an event before it was removed, "
                "inserted or changed).",
            )
        digest = event_hash(
            row.id,
            row.at,
            row.actor,
            row.action,
            row.entity,
            row.entity_id,
            row.old_values,
            row.new_values,
            row.prev_hash,
        )
        if digest != row.hash:
            return ChainReport(
                count,
                False,
                row.id,
                f"its contents were changed after it was written ({row.action} {row.entity} "
                f"{row.entity_id} by {row.actor}).",
            )
        prev, expected_number = row.hash, expected_number + 1
    return ChainReport(count, True, last_hash=prev)


def newest_event_time(conn: Connection) -> datetime | None:
    """When the last event was written: the app warns if the PC clock is behind it."""
    return conn.execute(select(AuditEvent.at).order_by(AuditEvent.id.desc()).limit(1)).scalar()
