"""Records bound to their audit events: each event carries the SHA-256 of the row it wrote.

A use, refusal, receipt, hold or recall row is written in the same transaction as its
audit event, and the event names the row (table and id) and the digest of its content.
``audit verify`` then checks both ways: every such row has an event whose digest matches
it, and every event that names a row finds it, unchanged. So editing or deleting a use
or a refusal (with the triggers dropped) without touching the trail is caught, and so
is deleting an event without its row. The event hash covers the binding.

Digests are over the row's own columns in the one canonical text, the same whether the
values come from the writer (Python values) or from the database read back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

# The bound tables and the columns each digest covers (the id is covered too).
BOUND: dict[str, tuple[str, ...]] = {
    "receipt": ("supplier", "invoice", "received_by", "received_by_id", "received_at"),
    "unit_use": ("unit_id", "session_id", "used_by", "used_by_id", "used_at", "deeper_confirmed"),
    "refusal": (
        "session_id",
        "unit_id",
        "scanned",
        "reason",
        "message",
        "refused_by",
        "refused_by_id",
        "refused_at",
    ),
    "unit_hold": ("unit_id", "action", "reason", "held_by", "held_by_id", "held_at"),
    "recall": (
        "reference",
        "gtin",
        "notice_text",
        "notice_date",
        "entered_by",
        "entered_by_id",
        "entered_at",
        "closed_by",
        "closed_by_id",
        "closed_at",
        "close_note",
    ),
}
BOUND["recall_contact"] = (
    "recall_id",
    "session_id",
    "method",
    "reached",
    "note",
    "contacted_at",
    "recorded_by",
    "recorded_by_id",
    "recorded_at",
)
# The treatment around the cartridge and the clinic's equipment (migration 0009).
BOUND["form_version"] = (
    "kind",
    "language",
    "version",
    "title",
    "body",
    "created_by",
    "created_by_id",
    "created_at",
)
BOUND["session_intake"] = (
    "session_id",
    "concern",
    "screening_form_id",
    "answers",
    "screening_positive",
    "consent_form_id",
    "range_min_um",
    "range_max_um",
    "room",
    "pen_id",
    "sleeve_fitted",
    "series_number",
    "series_planned",
    "language",
    "recorded_by",
    "recorded_by_id",
    "recorded_at",
)
BOUND["session_confirmation"] = (
    "session_id",
    "kind",
    "unit_id",
    "warning",
    "reason",
    "confirmed_by",
    "confirmed_by_id",
    "confirmed_at",
)
BOUND["adverse_event"] = (
    "session_id",
    "none_observed",
    "description",
    "recorded_by",
    "recorded_by_id",
    "recorded_at",
)
BOUND["pen"] = (
    "serial",
    "model",
    "added_by",
    "added_by_id",
    "added_at",
    "retired_by",
    "retired_by_id",
    "retired_at",
    "retire_note",
)
BOUND["pen_cleaning"] = (
    "pen_id",
    "method",
    "cleaned_at",
    "cleaned_by",
    "cleaned_by_id",
    "recorded_at",
)
BOUND["sharps_container"] = (
    "label",
    "room",
    "opened_by",
    "opened_by_id",
    "opened_at",
    "sealed_by",
    "sealed_by_id",
    "sealed_at",
    "collected_by",
    "collected_by_id",
    "collected_at",
    "collector_ref",
)
BOUND["sterilizer_cycle"] = (
    "sterilizer",
    "cycle_number",
    "run_at",
    "temperature_c",
    "pressure_kpa",
    "holding_minutes",
    "load_contents",
    "operator",
    "operator_id",
    "chemical_result",
    "bi_result",
    "bi_read_by",
    "bi_read_by_id",
    "bi_read_at",
    "recorded_by",
    "recorded_by_id",
    "recorded_at",
)
BOUND["load_item"] = ("cycle_id", "code", "description")
BOUND["session_instrument"] = ("session_id", "load_item_id", "used_by", "used_by_id", "used_at")

# Tables whose rows change after they are written (a recall is closed, a pen retired, a
# sharps container sealed, an indicator read): the newest event that names the row holds
# the digest of the row as it is now.
CHANGING = frozenset({"recall", "pen", "sharps_container", "sterilizer_cycle"})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    return value


def digest(table: str, row_id: int, values: Mapping[str, Any]) -> str:
    """SHA-256 of a bound row: its table, id and covered columns, in one canonical form."""
    covered = [table, int(row_id), *(_plain(values.get(c)) for c in BOUND[table])]
    text = json.dumps(covered, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def binding(table: str, row_id: int, values: Mapping[str, Any]) -> tuple[str, int, str]:
    """What an audit event carries for the row it wrote: (table, id, digest)."""
    return table, int(row_id), digest(table, row_id, values)
