"""The audit trail, newest first, a page at a time (:data:`inventory.audit.EVENTS`).

It reads in the clinic's words, not the database's: "deeper than planned, confirmed: no"
rather than "deeper_confirmed: False", times on the clinic's clock with their offset,
needle lengths in millimetres. The stored values stay as they are (the chain hashes them).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from inventory import audit
from ui import fmt
from ui.models.paged import PagedQueryModel, SqlCol

FIELD_WORDS = {
    "gtin": "GTIN",
    "client": "client reference",
    "practitioner_id": "practitioner's staff number",
    "deeper_confirmed": "deeper than planned, confirmed",
    "planned_depth_um": "planned depth",
    "needle_length_um": "needle length",
    "max_depth_mm": "deepest allowed",
    "units_per_pack": "units per pack",
    "reorder_level": "reorder level",
    "first_unit": "first unit",
    "last_unit": "last unit",
    "closed_at": "closed",
    "opened_at": "opened",
    "failed_tries_before": "failed tries before",
    "notice_text": "notice",
    "clear_pseudonym_secret_removed": "readable client secret removed",
    "client_references_encrypted": "client references encrypted",
    "signing_certificate_sha256": "signing certificate (SHA-256)",
}
"""Stored field names a clinic would not say; the rest read with spaces for underscores."""

WORD_VALUES = frozenset({"status", "kind", "role", "reason", "needle_config", "action"})
"""Fields whose values are codes like ``in_stock``: shown as words ("in stock")."""

_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def field_words(key: str) -> str:
    """A stored field name as a person says it."""
    return FIELD_WORDS.get(key) or key.replace("_", " ")


def value_words(key: str, value: Any, tz: ZoneInfo | None) -> str:
    """One stored value in words: yes/no, none, millimetres, local time with its offset."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(value_words(key, item, tz) for item in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{field_words(k)} {value_words(k, v, tz)}" for k, v in value.items())
    if key.endswith("_um") and isinstance(value, int):
        return fmt.mm(value)
    if key.endswith("_mm") and isinstance(value, int | float):
        return f"{value:g} mm"
    if isinstance(value, str) and _STAMP.match(value):
        return _local(value, tz)
    if key in WORD_VALUES and isinstance(value, str):
        return fmt.status(value).lower() if value in fmt.STATUS_WORDS else value.replace("_", " ")
    return str(value)


def _local(stamp: str, tz: ZoneInfo | None) -> str:
    try:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if at.tzinfo is None:  # stored times are UTC
        at = at.replace(tzinfo=UTC)
    return fmt.local_time(at, tz, seconds=True)


def values_words(raw: str | None, tz: ZoneInfo | None) -> str:
    """Stored JSON as a line of words: "reason: dented, status: quarantined"."""
    if raw in (None, "null", ""):
        return ""
    try:
        value = json.loads(raw)  # type: ignore[arg-type]
    except ValueError:
        return audit.values_text(raw)
    if isinstance(value, dict):
        return ", ".join(f"{field_words(k)}: {value_words(k, v, tz)}" for k, v in value.items())
    return value_words("", value, tz)


def action_words(action: str | None) -> str:
    """"set_reorder_level" reads "set reorder level"."""
    return (action or "").replace("_", " ")


class AuditModel(PagedQueryModel):
    """One row per audit event; filters: who, action, record type, record, text, dates."""

    listing = audit.EVENTS
    columns = (
        SqlCol("#", "id", "id", right=True, tip="The event's number in the chain"),
        SqlCol(
            "When",
            "at",
            "at",
            text=lambda v, tz: fmt.local_time(v, tz, seconds=True),
            tip="Clinic time, with its offset from UTC",
        ),
        SqlCol("Who", "actor", "actor"),
        SqlCol("Action", "action", "action", text=lambda v, _tz: action_words(v)),
        SqlCol("Record", "entity", "entity", text=lambda v, _tz: action_words(v)),
        SqlCol("Record id", "entity_id", "entity_id"),
        SqlCol("Before", "old_values", None, text=values_words),
        SqlCol("After", "new_values", None, text=values_words),
    )
