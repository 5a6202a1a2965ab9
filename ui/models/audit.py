"""The audit trail, newest first, a page at a time (:data:`inventory.audit.EVENTS`)."""

from __future__ import annotations

from inventory import audit
from ui import fmt
from ui.models.paged import PagedQueryModel, SqlCol


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
        SqlCol("Action", "action", "action"),
        SqlCol("Record", "entity", "entity"),
        SqlCol("Record id", "entity_id", "entity_id"),
        SqlCol("Before", "old_values", None, text=lambda v, _tz: audit.values_text(v)),
        SqlCol("After", "new_values", None, text=lambda v, _tz: audit.values_text(v)),
    )
