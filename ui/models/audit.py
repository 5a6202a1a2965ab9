"""The audit trail, newest first, fetched on demand and filtered in SQL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, or_, select

from inventory.models import AuditEvent
from inventory.settings import clinic_tz
from ui import fmt
from ui.models.paged import PagedQueryModel, SqlCol


def _like(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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


class AuditModel(PagedQueryModel):
    """One row per audit event; filters: who, action, record type, record, text, dates."""

    key = AuditEvent.__table__.c.id
    default_sort = 0
    default_descending = True
    columns = (
        SqlCol("#", "id", AuditEvent.id, right=True, tip="The event's number in the chain"),
        SqlCol(
            "When",
            "at",
            AuditEvent.at,
            text=lambda v, tz: fmt.local_time(v, tz, seconds=True),
            tip="Clinic time, with its offset from UTC",
        ),
        SqlCol("Who", "actor", AuditEvent.actor),
        SqlCol("Action", "action", AuditEvent.action),
        SqlCol("Record", "entity", AuditEvent.entity),
        SqlCol("Record id", "entity_id", AuditEvent.entity_id),
        SqlCol("Before", "old_values", None, text=lambda v, _tz: values_text(v)),
        SqlCol("After", "new_values", None, text=lambda v, _tz: values_text(v)),
    )

    def load_context(self, conn: Connection) -> ZoneInfo:
        return clinic_tz(conn)

    def build_query(self, filters: Mapping[str, Any], context: ZoneInfo) -> Select[Any]:
        query = select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor,
            AuditEvent.action,
            AuditEvent.entity,
            AuditEvent.entity_id,
            AuditEvent.old_values,
            AuditEvent.new_values,
            AuditEvent.prev_hash,
            AuditEvent.hash,
        )
        if "actor" in filters:
            query = query.where(AuditEvent.actor.like(_like(filters["actor"]), escape="\\"))
        if "action" in filters:
            query = query.where(AuditEvent.action == filters["action"])
        if "entity" in filters:
            query = query.where(AuditEvent.entity == filters["entity"])
        if "record" in filters:
            query = query.where(AuditEvent.entity_id == str(filters["record"]).strip())
        if "text" in filters:
            pattern = _like(filters["text"])
            query = query.where(
                or_(
                    AuditEvent.new_values.like(pattern, escape="\\"),
                    AuditEvent.old_values.like(pattern, escape="\\"),
                )
            )
        if "since" in filters:  # a local date: from its midnight, clinic time
            start = datetime.combine(filters["since"], time(), context).astimezone(UTC)
            query = query.where(AuditEvent.at >= start)
        if "until" in filters:  # through the end of that local day
            end = datetime.combine(filters["until"] + timedelta(days=1), time(), context)
            query = query.where(AuditEvent.at < end.astimezone(UTC))
        return query
