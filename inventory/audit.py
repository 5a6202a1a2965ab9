"""The audit trail: append-only events, each chained to the one before by SHA-256.

An event's hash covers its number, time, actor, action, record, old and new values and
the previous event's hash. Editing, deleting, inserting or reordering any event breaks
the chain at that point, and :func:`verify` names the first broken event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, Select, bindparam, insert, or_, select

from inventory.access import Actor
from inventory.clock import clinic_tz
from inventory.listing import Listing, contains
from inventory.models import AuditEvent
from inventory.rawsql import Raw, Statement

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
    staff_id: int | None = None,
) -> str:
    """SHA-256 of the event's fields; the account id is covered once events carry one."""
    fields: list[Any] = [
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
    if staff_id is not None:
        fields.append(staff_id)
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Stamp:
    """What an audit write returns: the event's number, time and hash."""

    number: int
    at: datetime
    hash: str


_EVENTS = AuditEvent.__table__
_LAST = Statement(select(_EVENTS.c.id, _EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1))
_INSERT = Statement(insert(_EVENTS).values({c.name: bindparam(c.name) for c in _EVENTS.columns}))


def record(
    conn: Connection | Raw,
    *,
    at: datetime,
    by: Actor,
    action: str,
    entity: str,
    entity_id: object,
    old: Any = None,
    new: Any = None,
) -> Stamp:
    """Append one event in the caller's write transaction (which holds the write lock).

    Through the driver (:mod:`inventory.rawsql`): this runs on every change, the chair
    scan included.
    """
    raw = conn if isinstance(conn, Raw) else Raw(conn)
    last = raw.one(_LAST)
    number, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    old_text, new_text = canonical(old), canonical(new)
    at = at.astimezone(UTC)
    key = str(entity_id)
    actor, staff_id = by.name, by.staff_id or None
    digest = event_hash(
        number, at, actor, action, entity, key, old_text, new_text, prev, staff_id
    )
    raw.run(
        _INSERT,
        {
            "id": number,
            "at": at,
            "actor": actor,
            "staff_id": staff_id,
            "action": action,
            "entity": entity,
            "entity_id": key,
            "old_values": old_text,
            "new_values": new_text,
            "prev_hash": prev,
            "hash": digest,
        },
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
            row.staff_id,
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


# --- reading the trail -------------------------------------------------------------------


def _events(filters: Mapping[str, Any], tz: ZoneInfo) -> Select[Any]:
    """The trail filtered: who (contains), action, record type, record, text, local dates."""
    query = select(
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.staff_id,
        AuditEvent.action,
        AuditEvent.entity,
        AuditEvent.entity_id,
        AuditEvent.old_values,
        AuditEvent.new_values,
        AuditEvent.prev_hash,
        AuditEvent.hash,
    )
    if filters.get("actor"):
        query = query.where(AuditEvent.actor.ilike(contains(str(filters["actor"])), "\\"))
    if filters.get("action"):
        query = query.where(AuditEvent.action == filters["action"])
    if filters.get("entity"):
        query = query.where(AuditEvent.entity == filters["entity"])
    if filters.get("record"):
        query = query.where(AuditEvent.entity_id == str(filters["record"]).strip())
    if filters.get("text"):
        pattern = contains(str(filters["text"]))
        query = query.where(
            or_(
                AuditEvent.new_values.ilike(pattern, escape="\\"),
                AuditEvent.old_values.ilike(pattern, escape="\\"),
            )
        )
    if filters.get("since"):  # a local date: from its midnight, clinic time
        start = datetime.combine(filters["since"], time(), tz).astimezone(UTC)
        query = query.where(AuditEvent.at >= start)
    if filters.get("until"):  # through the end of that local day
        end = datetime.combine(filters["until"] + timedelta(days=1), time(), tz)
        query = query.where(AuditEvent.at < end.astimezone(UTC))
    return query


EVENTS = Listing(
    build=_events,
    key=AuditEvent.__table__.c.id,
    sorts={
        "id": AuditEvent.id,
        "at": AuditEvent.at,
        "actor": AuditEvent.actor,
        "action": AuditEvent.action,
        "entity": AuditEvent.entity,
        "entity_id": AuditEvent.entity_id,
    },
    default_sort="id",
    default_descending=True,
    context=lambda conn, _clock: clinic_tz(conn),
)


def list_events(conn: Connection, *, limit: int = 50, **filters: Any) -> list[Row]:
    """The newest events matching the filters (the ``audit list`` command)."""
    return list(conn.execute(EVENTS.statement(filters, clinic_tz(conn), limit=limit)).all())


def kinds(conn: Connection) -> tuple[list[str], list[str]]:
    """The actions and record types that occur in the trail, for filter choices."""
    actions = conn.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    entities = conn.execute(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity))
    return list(actions.scalars()), list(entities.scalars())


def values_text(raw: str | None) -> str:
    """Stored JSON shown compactly: a value, or key: value pairs."""
    if raw in (None, "null"):
        return ""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)
