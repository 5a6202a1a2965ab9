"""Treatment series: a client's sessions on one area, 3 to 6 of them, 4 to 6 weeks apart.

One home for the rules, so the chair, the command line, the aftercare sheet and the usage
report agree:

- a new session joins the client's latest series on that area unless that series is
  complete (its count reached its planned number); then it starts a new series
  (number 1, planned as asked or the clinic's setting ``series_sessions``, 3 to 6);
- the spacing is ``series_min_days`` (28) to ``series_max_days`` (42) days, counted in
  the clinic's calendar days: a session opened sooner after the client's previous one on
  the same area needs a reason; the next session is due in that window after the last;
- a series is completed (count >= planned), in progress, or overdue (not complete and
  its last session more than the maximum spacing ago), as of a date.

A session's place in its series (number, planned) is written on its intake row when it
opens; sessions from before intake records count for the spacing only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from inventory.access import Actor
from inventory.clock import clinic_tz, local_date
from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.models import Setting
from inventory.settings import write_settings
from sterility.care_models import SessionIntake
from sterility.models import TreatmentSession

MIN_PLANNED, MAX_PLANNED = 3, 6
DEFAULTS = {"series_sessions": 3, "series_min_days": 28, "series_max_days": 42}
STATES = ("completed", "in_progress", "overdue")
STATE_WORDS = {"completed": "completed", "in_progress": "in progress", "overdue": "overdue"}


@dataclass(frozen=True)
class SeriesRules:
    planned: int = 3
    min_days: int = 28
    max_days: int = 42


def rules(conn: Connection) -> SeriesRules:
    """The clinic's series settings, each read with its default when unset or unreadable."""
    stored = dict(
        conn.execute(
            select(Setting.key, Setting.value).where(Setting.key.in_(list(DEFAULTS)))
        ).all()
    )

    def number(key: str, low: int, high: int) -> int:
        text = str(stored.get(key, "")).strip()
        return int(text) if text.isdigit() and low <= int(text) <= high else DEFAULTS[key]

    planned = number("series_sessions", MIN_PLANNED, MAX_PLANNED)
    min_days = number("series_min_days", 1, 365)
    max_days = number("series_max_days", 1, 730)
    if max_days < min_days:
        min_days, max_days = DEFAULTS["series_min_days"], DEFAULTS["series_max_days"]
    return SeriesRules(planned, min_days, max_days)


def set_rules(
    db: Database, *, planned: int, min_days: int, max_days: int, by: Actor
) -> SeriesRules:
    """A manager sets how many sessions a new series plans and how far apart they fall."""
    by.require("settings")
    check_planned(planned)
    if not (1 <= min_days <= 365 and 1 <= max_days <= 730):
        raise InvalidInput(
            "Give the days between sessions as whole numbers: the fewest 1 to 365, the most "
            "1 to 730."
        )
    if min_days > max_days:
        raise InvalidInput(
            f"The fewest days apart ({min_days}) is more than the most days apart "
            f"({max_days}): give the smaller number first."
        )
    write_settings(
        db,
        {
            "series_sessions": str(planned),
            "series_min_days": str(min_days),
            "series_max_days": str(max_days),
        },
        by=by,
    )
    return SeriesRules(planned, min_days, max_days)


def check_planned(planned: int | None) -> int | None:
    if planned is not None and not MIN_PLANNED <= planned <= MAX_PLANNED:
        raise InvalidInput(
            f"A treatment series has {MIN_PLANNED} to {MAX_PLANNED} sessions, not {planned}."
        )
    return planned


@dataclass(frozen=True)
class DueWindow:
    """When the next session of a series is due: from ``earliest`` to ``latest`` (dates)."""

    earliest: date
    latest: date

    @property
    def words(self) -> str:
        return f"between {self.earliest.isoformat()} and {self.latest.isoformat()}"


def due_after(last_at: datetime, rules_: SeriesRules, tz: ZoneInfo) -> DueWindow:
    day = local_date(last_at, tz)
    return DueWindow(day + timedelta(days=rules_.min_days), day + timedelta(days=rules_.max_days))


@dataclass(frozen=True)
class SeriesPlace:
    """Where a session opening now goes: its number in the series and the spacing."""

    number: int
    planned: int
    previous_at: datetime | None
    """The client's previous session on this area (any, with or without a series)."""
    days_since: int | None
    too_soon: bool
    """Opened less than the minimum spacing after the previous session: needs a reason."""

    @property
    def words(self) -> str:
        return f"session {self.number} of {self.planned}"


@dataclass(frozen=True)
class Series:
    """One series of a client on an area, as recorded up to some moment."""

    client_key: str
    area: str
    session_ids: tuple[int, ...]
    first_at: datetime
    last_at: datetime
    count: int
    planned: int

    @property
    def complete(self) -> bool:
        return self.count >= self.planned

    def state(self, as_of: datetime, rules_: SeriesRules, tz: ZoneInfo) -> str:
        """completed, in_progress or overdue, as of ``as_of``."""
        if self.complete:
            return "completed"
        overdue = (local_date(as_of, tz) - local_date(self.last_at, tz)).days > rules_.max_days
        return "overdue" if overdue else "in_progress"

    def next_due(self, rules_: SeriesRules, tz: ZoneInfo) -> DueWindow | None:
        """The window for the next session (None once the series is complete)."""
        return None if self.complete else due_after(self.last_at, rules_, tz)


@dataclass(frozen=True)
class SeriesCounts:
    completed: int
    in_progress: int
    overdue: int

    def as_dict(self) -> dict[str, int]:
        return {
            "completed": self.completed,
            "in_progress": self.in_progress,
            "overdue": self.overdue,
        }


def _intake_rows() -> Any:
    t, i = TreatmentSession, SessionIntake
    return (
        select(t.id, t.client_key, t.area, t.opened_at, i.series_number, i.series_planned)
        .join(i, i.session_id == t.id)
        .order_by(t.opened_at, t.id)
    )


def _group(rows: Iterable[Any]) -> list[Series]:
    """Rows in time order, cut into series: number 1 starts one."""
    current: dict[tuple[str, str], list[Any]] = {}
    done: list[list[Any]] = []
    for row in rows:
        key = (row.client_key or "", row.area)
        run = current.get(key)
        if run is None or row.series_number == 1:
            if run is not None:
                done.append(run)
            current[key] = [row]
        else:
            run.append(row)
    done.extend(current.values())
    found = []
    for run in done:
        last = run[-1]
        found.append(
            Series(
                last.client_key or "",
                last.area,
                tuple(int(r.id) for r in run),
                run[0].opened_at,
                last.opened_at,
                int(last.series_number),
                int(last.series_planned),
            )
        )
    return found


def series_of(
    conn: Connection, client_key: str | None, area: str, at: datetime | None = None
) -> Series | None:
    """The client's latest series on the area (as recorded up to ``at``), or None."""
    if not client_key:
        return None
    query = _intake_rows().where(
        TreatmentSession.client_key == client_key, TreatmentSession.area == area
    )
    if at is not None:
        query = query.where(TreatmentSession.opened_at <= at)
    found = _group(conn.execute(query))
    return found[-1] if found else None


def series_of_session(conn: Connection, session_id: int) -> Series | None:
    """The series a session belongs to, as recorded up to that session (None: no intake)."""
    row = conn.execute(
        select(TreatmentSession.client_key, TreatmentSession.area, TreatmentSession.opened_at)
        .join(SessionIntake, SessionIntake.session_id == TreatmentSession.id)
        .where(TreatmentSession.id == session_id)
    ).first()
    if row is None:
        return None
    query = _intake_rows().where(
        TreatmentSession.client_key == row.client_key,
        TreatmentSession.area == row.area,
        TreatmentSession.opened_at <= row.opened_at,
    )
    for series in reversed(_group(conn.execute(query))):
        if session_id in series.session_ids:
            return series
    return None


def next_due(conn: Connection, session_id: int) -> DueWindow | None:
    """When the client's next session is due after this one (None: its series is complete
    with it, or the session has no intake record). For the aftercare sheet."""
    series = series_of_session(conn, session_id)
    if series is None or series.complete:
        return None
    return due_after(series.last_at, rules(conn), clinic_tz(conn))


def place_for(
    conn: Connection,
    client_key: str | None,
    area: str,
    at: datetime,
    planned: int | None = None,
) -> SeriesPlace:
    """Where a session of this client on this area, opening at ``at``, goes.

    ``planned`` is the number of sessions planned for a new series (the clinic's setting
    when None); given while a series is under way, it changes that series' plan.
    """
    check_planned(planned)
    rules_ = rules(conn)
    tz = clinic_tz(conn)
    series = series_of(conn, client_key, area, at)
    previous_at = None
    if client_key:
        previous_at = conn.execute(
            select(func.max(TreatmentSession.opened_at)).where(
                TreatmentSession.client_key == client_key,
                TreatmentSession.area == area,
                TreatmentSession.opened_at <= at,
            )
        ).scalar()
    if series is None or series.complete:
        number, plan = 1, planned or rules_.planned
    else:
        number, plan = series.count + 1, planned or series.planned
        if plan < number:
            raise InvalidInput(
                f"This is session {number} of the client's series on the {area}; a series "
                f"of {plan} is too short. Plan {number} to {MAX_PLANNED} sessions."
            )
    days = None if previous_at is None else (local_date(at, tz) - local_date(previous_at, tz)).days
    too_soon = days is not None and days < rules_.min_days
    return SeriesPlace(number, plan, previous_at, days, too_soon)


def all_series(conn: Connection, until: datetime) -> list[Series]:
    """Every series as recorded before ``until``."""
    return _group(conn.execute(_intake_rows().where(TreatmentSession.opened_at < until)))


def series_counts(conn: Connection, start: datetime, end: datetime) -> SeriesCounts:
    """Series of the period [start, end): completed, in progress and overdue as of ``end``.

    A series counts when it was under way during the period: it had begun by ``end``, was
    not completed before ``start``, and was not already overdue when the period began.
    """
    rules_ = rules(conn)
    tz = clinic_tz(conn)
    counts = dict.fromkeys(STATES, 0)
    for series in all_series(conn, end):
        if series.complete and series.last_at < start:
            continue
        if not series.complete and series.state(start, rules_, tz) == "overdue":
            continue
        counts[series.state(end, rules_, tz)] += 1
    return SeriesCounts(counts["completed"], counts["in_progress"], counts["overdue"])
