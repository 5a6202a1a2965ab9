"""Today's sessions as a table: the same columns on the dashboard and at the chair."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from ui import fmt
from ui.models.rows import Col


def today_columns(tz: Callable[[], ZoneInfo | None]) -> list[Col]:
    """Opened (local time of day), number, client, practitioner, area, units, state."""
    return [
        Col("Opened", lambda r: r.opened_at, lambda v: fmt.local_time(v, tz())[11:]),
        Col("#", lambda r: r.id, right=True),
        Col("Client", lambda r: r.client_ref),
        Col("Practitioner", lambda r: r.practitioner),
        Col("Area", lambda r: r.area),
        Col("Units", lambda r: r.uses, right=True),
        Col("", lambda r: "open" if r.is_open else "closed"),
    ]
