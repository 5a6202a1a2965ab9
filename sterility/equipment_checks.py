"""The equipment questions asked when a session opens: is the pen clean, is a sharps bin open.

One home for each, so the chair, the command line, the equipment lists and the reports
agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from inventory.clock import clinic_tz, show_local
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


def last_cleaning(conn: Connection, pen_id: int, at: datetime) -> datetime | None:
    """When the pen was last cleaned at or before ``at`` (None: never)."""
    return conn.execute(
        select(func.max(PenCleaning.cleaned_at)).where(
            PenCleaning.pen_id == pen_id, PenCleaning.cleaned_at <= at
        )
    ).scalar_one()


def pen_cleaning_overdue(conn: Connection, pen_id: int, at: datetime) -> str | None:
    """The warning sentence when the pen was not cleaned since its last session, else None.

    A pen is cleaned between clients: it is overdue once a session was opened with it
    after its last cleaning, or when it was never cleaned.
    """
    serial = conn.execute(select(Pen.serial).where(Pen.id == pen_id)).scalar_one()
    cleaned = last_cleaning(conn, pen_id, at)
    used = (
        select(func.max(TreatmentSession.opened_at))
        .join(SessionIntake, SessionIntake.session_id == TreatmentSession.id)
        .where(SessionIntake.pen_id == pen_id, TreatmentSession.opened_at <= at)
    )
    if cleaned is not None:
        used = used.where(TreatmentSession.opened_at > cleaned)
    last_used = conn.execute(used).scalar_one()
    if cleaned is None:
        return (
            f"Pen {serial} has no cleaning recorded. Clean and disinfect it, and record "
            "the cleaning, before this client."
        )
    if last_used is None:
        return None
    tz = clinic_tz(conn)
    return (
        f"Pen {serial} was used in a session at {show_local(last_used, tz)} and not "
        f"cleaned since (last cleaned {show_local(cleaned, tz)}). Clean and disinfect it, "
        "and record the cleaning, before this client."
    )


def open_container(conn: Connection, room: str, at: datetime) -> SharpsContainerRow | None:
    """The sharps container open at ``room`` at ``at`` (the newest, if several)."""
    c = SharpsContainer
    row = conn.execute(
        select(c.id, c.label, c.room, c.opened_at, c.sealed_at, c.collected_at)
        .where(
            func.lower(c.room) == room.strip().lower(),
            c.opened_at <= at,
            (c.sealed_at.is_(None)) | (c.sealed_at > at),
        )
        .order_by(c.opened_at.desc(), c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else SharpsContainerRow(*row)
