"""Where "now" comes from, and what a clinic's local date is.

Times are stored in UTC. Uses, refusals and audit events take their time from one
clock per database: PostgreSQL's own clock when several workstations share a server
(so a PC with a wrong clock cannot reorder the record), the local clock for a SQLite
file (one machine). Tests replace the clock; nothing else is faked.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, bindparam, select, text

from inventory.errors import InvalidInput
from inventory.models import Setting
from inventory.rawsql import Raw, Statement


class Clock(Protocol):
    """Gives the current time as an aware UTC datetime."""

    def now(self, conn: Connection | None = None) -> datetime: ...


class DatabaseClock:
    """The database server's clock on PostgreSQL, this computer's clock otherwise."""

    def now(self, conn: Connection | None = None) -> datetime:
        if conn is not None and conn.dialect.name == "postgresql":
            value = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
            return value.astimezone(UTC)
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests and demo data."""

    def __init__(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)

    def now(self, conn: Connection | None = None) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> datetime:
        self.at += timedelta(**kwargs)
        return self.at


def zone(name: str) -> ZoneInfo:
    """The clinic's time zone, with a clear error for a misspelt name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"'{name}' is not a time zone name. Use a name like Europe/London or Australia/Sydney."
        ) from exc


def default_timezone() -> str:
    """This computer's zone, the best first guess for a new clinic."""
    try:
        import tzlocal

        return tzlocal.get_localzone_name() or "UTC"
    except Exception:
        return "UTC"


_SETTING = Setting.__table__
_TIMEZONE = Statement(select(_SETTING.c.value).where(_SETTING.c.key == bindparam("key")))


def clinic_tz(conn: Connection | Raw) -> ZoneInfo:
    """The clinic's zone: expiry is checked against the clinic's local date.

    The one reader of the setting (the chair scan included, hence the driver path).
    """
    raw = conn if isinstance(conn, Raw) else Raw(conn)
    found = raw.one(_TIMEZONE, {"key": "timezone"})
    return zone(found[0] if found and found[0] else default_timezone())


def end_of_month(year: int, month: int) -> date:
    """GS1 day 00 means the last day of the month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def local_date(at: datetime, tz: ZoneInfo) -> date:
    """The calendar date on the clinic's wall at instant ``at``."""
    return at.astimezone(tz).date()


def is_expired(expiry: date, at: datetime, tz: ZoneInfo) -> bool:
    """A unit expires at the end of its expiry day in the clinic's time zone."""
    return local_date(at, tz) > expiry


def show_local(at: datetime, tz: ZoneInfo) -> str:
    """Local time with its UTC offset, as staff and inspectors read it."""
    local = at.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S %z")[:-2] + ":" + local.strftime("%z")[-2:]
