"""The equipment questions asked when a session opens: is the pen clean, is a sharps bin open.

One home for each, so the chair, the command line, the equipment lists and the reports
agree. A room is compared as the clinic typed it, whatever its case ("Room 1" is
"room 1"), on both databases alike (lower-cased in SQL on both sides).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, func, literal, select
from sqlalchemy.orm import aliased

from inventory.clock import clinic_tz, show_local
from inventory.errors import InvalidInput, NotFound
from sterility.care_models import SessionIntake
from sterility.equipment_models import Pen, PenCleaning, SharpsContainer
from sterility.models import TreatmentSession


@dataclass(frozen=True)
class SharpsContainerRow:
    id: int
    label: str
    room: str
    opened_at: datetime
    sealed_at: datetime | None
    collected_at: datetime | None


def typed(value: str) -> str:
    """Text typed to look a record up: NFC, trimmed, and a NUL (which no stored name holds,
    and PostgreSQL refuses in a query) shown as text, so it simply finds nothing."""
    return unicodedata.normalize("NFC", value).strip().replace("\x00", "\\x00")


def same_room(column: Any, room: str) -> ColumnElement[bool]:
    """``column`` names the room ``room`` (case aside; the same rule in SQL everywhere)."""
    return func.lower(column) == func.lower(literal(typed(room)))


def recorded_time(conn: Connection, value: datetime | None, now: datetime, what: str) -> datetime:
    """When something was done, as staff typed it: now by default, never in the future;
    without a time zone it is the clinic's wall-clock time. Returned in UTC."""
    when = now if value is None else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=clinic_tz(conn))
    when = when.astimezone(UTC)
    if when > now:
        raise InvalidInput(
            f"A {what} is recorded once it was done: "
            f"{show_local(when, clinic_tz(conn))} is in the future."
        )
    return when


def last_cleaning(conn: Connection, pen_id: int, at: datetime) -> datetime | None:
    """When the pen was last cleaned at or before ``at`` (None: never)."""
    return conn.execute(
        select(func.max(PenCleaning.cleaned_at)).where(
            PenCleaning.pen_id == pen_id, PenCleaning.cleaned_at <= at
        )
    ).scalar_one()


def sessions_since_cleaning(conn: Connection, pen_id: int, at: datetime) -> int:
    """Sessions opened with the pen after its last cleaning, up to ``at`` (all when never
    cleaned)."""
    cleaned = last_cleaning(conn, pen_id, at)
    query = (
        select(func.count())
        .select_from(TreatmentSession)
        .join(SessionIntake, SessionIntake.session_id == TreatmentSession.id)
        .where(SessionIntake.pen_id == pen_id, TreatmentSession.opened_at <= at)
    )
    if cleaned is not None:
        query = query.where(TreatmentSession.opened_at > cleaned)
    return int(conn.execute(query).scalar_one())


def pen_cleaning_overdue(conn: Connection, pen_id: int, at: datetime) -> str | None:
    """The warning sentence when the pen was not cleaned since its last session, else None.

    A pen is cleaned between clients: it is overdue once a session was opened with it
    after its last cleaning, or when it was never cleaned.
    """
    serial = conn.execute(select(Pen.serial).where(Pen.id == pen_id)).scalar_one_or_none()
    if serial is None:
        raise NotFound(f"There is no pen number {pen_id} in the pen list.")
    cleaned = last_cleaning(conn, pen_id, at)
    last_used = None
    if cleaned is not None:
        last_used = conn.execute(
            select(func.max(TreatmentSession.opened_at))
            .join(SessionIntake, SessionIntake.session_id == TreatmentSession.id)
            .where(
                SessionIntake.pen_id == pen_id,
                TreatmentSession.opened_at <= at,
                TreatmentSession.opened_at > cleaned,
            )
        ).scalar_one()
    return overdue_sentence(serial, cleaned, last_used, clinic_tz(conn))


def overdue_sentence(
    serial: str, cleaned: datetime | None, last_used: datetime | None, tz: ZoneInfo
) -> str | None:
    """The pen-cleaning warning from its last cleaning and its last session since (None:
    clean). The one wording, for the chair and for the report's sessions opened overdue."""
    if cleaned is None:
        return (
            f"Pen {serial} has no cleaning recorded. Clean and disinfect it, and record "
            "the cleaning, before this client."
        )
    if last_used is None:
        return None
    return (
        f"Pen {serial} was used in a session at {show_local(last_used, tz)} and not "
        f"cleaned since (last cleaned {show_local(cleaned, tz)}). Clean and disinfect it, "
        "and record the cleaning, before this client."
    )


@dataclass(frozen=True)
class OpenedOverdue:
    """A session opened with a pen that was overdue for its cleaning at that moment."""

    session_id: int
    opened_at: datetime
    pen_id: int
    serial: str
    cleaned: datetime | None
    last_used: datetime | None

    def warning(self, tz: ZoneInfo) -> str:
        return overdue_sentence(self.serial, self.cleaned, self.last_used, tz) or ""


def opened_overdue(conn: Connection, start: datetime, end: datetime) -> list[OpenedOverdue]:
    """Sessions opened in [start, end) with a pen overdue for cleaning when each opened.

    pen_cleaning_overdue's rule as one statement over the period: the pen's last cleaning
    before the session opened, and its latest earlier session after that cleaning.
    """
    ts, si = TreatmentSession, SessionIntake
    cleaned = (
        select(func.max(PenCleaning.cleaned_at))
        .where(PenCleaning.pen_id == si.pen_id, PenCleaning.cleaned_at < ts.opened_at)
        .correlate(ts, si)
        .scalar_subquery()
    )
    sessions = (
        select(
            ts.id.label("session_id"),
            ts.opened_at,
            si.pen_id,
            cleaned.label("cleaned"),
        )
        .join(si, si.session_id == ts.id)
        .where(si.pen_id.is_not(None), ts.opened_at >= start, ts.opened_at < end)
        .subquery()
    )
    earlier_ts, earlier_si = aliased(TreatmentSession), aliased(SessionIntake)
    last_used = (
        select(func.max(earlier_ts.opened_at))
        .join(earlier_si, earlier_si.session_id == earlier_ts.id)
        .where(
            earlier_si.pen_id == sessions.c.pen_id,
            earlier_ts.opened_at < sessions.c.opened_at,
            earlier_ts.opened_at > sessions.c.cleaned,
        )
        .correlate(sessions)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(
            sessions.c.session_id,
            sessions.c.opened_at,
            sessions.c.pen_id,
            Pen.serial,
            sessions.c.cleaned,
            last_used.label("last_used"),
        )
        .join(Pen, Pen.id == sessions.c.pen_id)
        .where(sessions.c.cleaned.is_(None) | last_used.is_not(None))
        .order_by(sessions.c.opened_at, sessions.c.session_id)
    )
    return [OpenedOverdue(*row) for row in rows]


def container_open(room: Any, at: Any) -> ColumnElement[bool]:
    """The one rule of which container a cartridge went to: the container at the session's
    room (case aside), opened at or before the use and not sealed by then. ``room`` and
    ``at`` are columns or values; the reports' SQL text is CONTAINER_OF_USE below."""
    c = SharpsContainer
    return (
        (func.lower(c.room) == func.lower(room))
        & (c.opened_at <= at)
        & ((c.sealed_at.is_(None)) | (c.sealed_at > at))
    )


# container_open in SQL text, for the reports' streamed queries (aliases: sharps_container
# c, session_intake si, unit_use uu); the newest container should several be open.
CONTAINER_OF_USE = """SELECT c.id FROM sharps_container c
    WHERE si.room <> '' AND lower(c.room) = lower(si.room) AND c.opened_at <= uu.used_at
      AND (c.sealed_at IS NULL OR c.sealed_at > uu.used_at)
    ORDER BY c.opened_at DESC, c.id DESC LIMIT 1"""


def open_container(conn: Connection, room: str, at: datetime) -> SharpsContainerRow | None:
    """The sharps container open at ``room`` at ``at``: opened at or before ``at`` and not
    sealed by then (the newest, should several be). A used cartridge went to this one."""
    if not room.strip():
        return None
    c = SharpsContainer
    row = conn.execute(
        select(c.id, c.label, c.room, c.opened_at, c.sealed_at, c.collected_at)
        .where(container_open(literal(typed(room)), at))
        .order_by(c.opened_at.desc(), c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else SharpsContainerRow(*row)
