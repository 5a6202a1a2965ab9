"""Reading the audit trail: the filtered listing both faces page through, and words for it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, Select, or_, select

from inventory.clock import clinic_tz
from inventory.listing import Listing, contains
from inventory.models import AuditEvent


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


def newest_event_time(conn: Connection) -> datetime | None:
    """When the last event was written: the app warns if the PC clock is behind it."""
    return conn.execute(select(AuditEvent.at).order_by(AuditEvent.id.desc()).limit(1)).scalar()
