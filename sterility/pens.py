"""The clinic's pens, by serial, and each cleaning or disinfection: when, by whom, how.

A session names its pen from this list (an active pen), not as free text, so an inspector
can follow one pen from client to client and see that it was cleaned in between. A pen
is retired, never removed: its sessions and cleanings keep pointing at it. Cleanings are
append-only; a pen changes only when it is retired, and that event holds the whole row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from inventory import audit
from inventory.access import Actor
from inventory.bindings import binding
from inventory.clock import clinic_tz, show_local
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.text import clean
from sterility.equipment_checks import (
    pen_cleaning_overdue,
    recorded_time,
    sessions_since_cleaning,
    typed,
)
from sterility.equipment_models import Pen, PenCleaning


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class PenInfo:
    """One pen in the list."""

    id: int
    serial: str
    model: str
    added_by: str
    added_at: datetime
    retired_by: str | None
    retired_at: datetime | None
    retire_note: str | None

    @property
    def active(self) -> bool:
        return self.retired_at is None

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "active": self.active,
            "added_at": self.added_at.isoformat(),
            "retired_at": _iso(self.retired_at),
        }


@dataclass(frozen=True)
class Cleaning:
    """One cleaning or disinfection of a pen."""

    id: int
    pen_id: int
    serial: str
    method: str
    cleaned_at: datetime
    cleaned_by: str
    recorded_at: datetime

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "cleaned_at": self.cleaned_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
        }


@dataclass(frozen=True)
class PenRow:
    """A pen as the list shows it: its last cleaning, sessions since, and the warning."""

    pen: PenInfo
    last_cleaning: Cleaning | None
    sessions_since: int
    """Sessions opened with the pen after its last cleaning (all of them when never cleaned)."""
    overdue: str | None
    """The warning the chair gives for this pen now (None: clean; retired pens: None)."""

    @property
    def serial(self) -> str:
        return self.pen.serial

    def as_dict(self) -> dict[str, object]:
        return self.pen.as_dict() | {
            "last_cleaning": self.last_cleaning.as_dict() if self.last_cleaning else None,
            "sessions_since_cleaning": self.sessions_since,
            "overdue": self.overdue,
        }


_PEN_COLUMNS = (
    Pen.id,
    Pen.serial,
    Pen.model,
    Pen.added_by,
    Pen.added_at,
    Pen.retired_by,
    Pen.retired_at,
    Pen.retire_note,
)


def _find(conn: Connection, serial: str) -> PenInfo | None:
    """The pen with this serial: as typed, else the same letters in another case."""
    wanted = typed(serial)
    row = conn.execute(select(*_PEN_COLUMNS).where(Pen.serial == wanted)).first()
    if row is None:
        row = conn.execute(
            select(*_PEN_COLUMNS)
            .where(func.lower(Pen.serial) == wanted.lower())
            .order_by(Pen.id)
            .limit(1)
        ).first()
    return None if row is None else PenInfo(*row)


def find_pen(conn: Connection, serial: str) -> PenInfo:
    """A pen by serial, active or retired, or NotFound in words."""
    pen = _find(conn, serial)
    if pen is None:
        raise NotFound(
            f"There is no pen {typed(serial)!r} in the pen list. A manager adds it under "
            "Equipment (or: pen add SERIAL)."
        )
    return pen


def pen_by_serial(conn: Connection, serial: str) -> PenInfo:
    """The active pen a session names: NotFound for an unknown serial, InvalidInput for a
    retired one (with when and why)."""
    if not serial.strip():
        raise InvalidInput("Name the pen by its serial (the pen list is under Equipment).")
    pen = find_pen(conn, serial)
    if not pen.active:
        assert pen.retired_at is not None
        raise InvalidInput(
            f"Pen {pen.serial} was retired on {show_local(pen.retired_at, clinic_tz(conn))} "
            f"({pen.retire_note}). Choose an active pen."
        )
    return pen


def _pen_row(conn: Connection, pen_id: int) -> Any:
    return conn.execute(select(Pen.__table__).where(Pen.id == pen_id)).one()


def add_pen(db: Database, serial: str, *, model: str = "", by: Actor) -> PenInfo:
    """Add a pen to the clinic's list; its serial is its name everywhere after."""
    by.require("pens")
    serial = clean(serial, "pen's serial", max_len=60)
    model = clean(model, "pen's model", required=False)
    with db.write() as conn:
        existing = _find(conn, serial)
        if existing is not None:
            tz = clinic_tz(conn)
            state = (
                "in the list"
                if existing.active
                else f"retired on {show_local(existing.retired_at, tz)}"  # type: ignore[arg-type]
            )
            raise InvalidInput(
                f"Pen {existing.serial} is already in the pen list (added "
                f"{show_local(existing.added_at, tz)} by {existing.added_by}, {state}). "
                "A serial is listed once; nothing was added."
            )
        now = db.now(conn)
        values = {
            "serial": serial,
            "model": model,
            "added_by": by.name,
            "added_by_id": by.staff_id or None,
            "added_at": now,
        }
        pen_id = conn.execute(insert(Pen).values(**values).returning(Pen.id)).scalar_one()
        audit.record(
            conn,
            at=now,
            by=by,
            action="create",
            entity="pen",
            entity_id=serial,
            new={"serial": serial, "model": model},
            row=binding("pen", pen_id, _pen_row(conn, pen_id)._mapping),
        )
        return find_pen(conn, serial)


def retire_pen(db: Database, serial: str, *, note: str, by: Actor) -> PenInfo:
    """Take a pen out of use (broken, lost, replaced): it stays listed with why."""
    by.require("pens")
    if not note.strip():
        raise InvalidInput(
            "Say why the pen is retired (broken, lost, replaced): a note is required."
        )
    note = clean(note, "note", max_len=2000, multiline=True)
    with db.write() as conn:
        pen = find_pen(conn, serial)
        if not pen.active:
            assert pen.retired_at is not None
            raise InvalidInput(
                f"Pen {pen.serial} was already retired on "
                f"{show_local(pen.retired_at, clinic_tz(conn))}."
            )
        now = db.now(conn)
        conn.execute(
            update(Pen)
            .where(Pen.id == pen.id)
            .values(
                retired_at=now,
                retired_by=by.name,
                retired_by_id=by.staff_id or None,
                retire_note=note,
            )
        )
        audit.record(
            conn,
            at=now,
            by=by,
            action="retire",
            entity="pen",
            entity_id=pen.serial,
            old={"retired_at": None},
            new={"retired_at": now.isoformat(), "retired_by": by.name, "note": note},
            row=binding("pen", pen.id, _pen_row(conn, pen.id)._mapping),
        )
        return find_pen(conn, pen.serial)


def record_cleaning(
    db: Database,
    serial: str,
    *,
    method: str,
    by: Actor,
    cleaned_at: datetime | None = None,
) -> Cleaning:
    """Record that an active pen was cleaned or disinfected, how, by whom, when.

    ``cleaned_at`` defaults to now and is never in the future; without a time zone it is
    the clinic's wall-clock time (what staff type).
    """
    by.require("pen_cleaning")
    if not method.strip():
        raise InvalidInput(
            "Say how the pen was cleaned (for example: wiped with 70% alcohol, "
            "detergent wipe then disinfectant): the method is required."
        )
    method = clean(method, "cleaning method", max_len=200)
    with db.write() as conn:
        pen = pen_by_serial(conn, serial)
        now = db.now(conn)
        when = recorded_time(conn, cleaned_at, now, "cleaning")
        values = {
            "pen_id": pen.id,
            "method": method,
            "cleaned_at": when,
            "cleaned_by": by.name,
            "cleaned_by_id": by.staff_id or None,
            "recorded_at": now,
        }
        cleaning_id = conn.execute(
            insert(PenCleaning).values(**values).returning(PenCleaning.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            by=by,
            action="clean",
            entity="pen",
            entity_id=pen.serial,
            new={"method": method, "cleaned_at": when.isoformat()},
            row=binding("pen_cleaning", cleaning_id, values),
        )
        return Cleaning(int(cleaning_id), pen.id, pen.serial, method, when, by.name, now)


def list_cleanings(
    conn: Connection,
    *,
    serial: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Cleaning]:
    """Cleanings, oldest first: of one pen, or of every pen in a period (the reports)."""
    query = (
        select(
            PenCleaning.id,
            PenCleaning.pen_id,
            Pen.serial,
            PenCleaning.method,
            PenCleaning.cleaned_at,
            PenCleaning.cleaned_by,
            PenCleaning.recorded_at,
        )
        .join(Pen, Pen.id == PenCleaning.pen_id)
        .order_by(PenCleaning.cleaned_at, PenCleaning.id)
    )
    if serial is not None:
        query = query.where(PenCleaning.pen_id == find_pen(conn, serial).id)
    if since is not None:
        query = query.where(PenCleaning.cleaned_at >= since)
    if until is not None:
        query = query.where(PenCleaning.cleaned_at < until)
    return [Cleaning(*row) for row in conn.execute(query)]


def _last_cleaning(conn: Connection, pen_id: int, serial: str, at: datetime) -> Cleaning | None:
    row = conn.execute(
        select(
            PenCleaning.id,
            PenCleaning.pen_id,
            PenCleaning.method,
            PenCleaning.cleaned_at,
            PenCleaning.cleaned_by,
            PenCleaning.recorded_at,
        )
        .where(PenCleaning.pen_id == pen_id, PenCleaning.cleaned_at <= at)
        .order_by(PenCleaning.cleaned_at.desc(), PenCleaning.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return Cleaning(
        row.id, row.pen_id, serial, row.method, row.cleaned_at, row.cleaned_by, row.recorded_at
    )


def list_pens(conn: Connection, at: datetime, *, active_only: bool = False) -> list[PenRow]:
    """Every pen (active first, by serial) as of ``at``: last cleaning (when, by whom, how),
    sessions since, and the overdue warning the chair would give."""
    query = select(*_PEN_COLUMNS).order_by(Pen.retired_at.is_not(None), Pen.serial)
    if active_only:
        query = query.where(Pen.retired_at.is_(None))
    rows = []
    for found in conn.execute(query).all():
        pen = PenInfo(*found)
        rows.append(
            PenRow(
                pen,
                _last_cleaning(conn, pen.id, pen.serial, at),
                sessions_since_cleaning(conn, pen.id, at),
                pen_cleaning_overdue(conn, pen.id, at) if pen.active else None,
            )
        )
    return rows
