"""Sharps containers at each chair or room: opened, sealed, collected (who, when, reference).

One container is open at a room at a time: a used cartridge went to the container open at
its session's room when it was used (equipment_checks.open_container), so no scan is
needed and the count of each container is computed, never stored. A container changes
when it is sealed and when the waste collector takes it; each change writes an audit
event that holds the whole row as it is after the change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from inventory import audit
from inventory.access import Actor
from inventory.bindings import binding
from inventory.clock import clinic_tz, show_local
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.text import clean
from sterility import equipment_checks
from sterility.care_models import SessionIntake
from sterility.equipment_checks import SharpsContainerRow, container_open, same_room
from sterility.equipment_models import SharpsContainer
from sterility.models import UnitUse

STATES = ("open", "sealed", "collected")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class ContainerInfo:
    """A sharps container with who opened, sealed and collected it, and what went in."""

    id: int
    label: str
    room: str
    opened_by: str
    opened_at: datetime
    sealed_by: str | None
    sealed_at: datetime | None
    collected_by: str | None
    collected_at: datetime | None
    collector_ref: str | None
    cartridges: int = 0
    """Units used at its room while it was open (cartridges and rollers alike)."""

    @property
    def state(self) -> str:
        if self.collected_at is not None:
            return "collected"
        return "open" if self.sealed_at is None else "sealed"

    @property
    def name(self) -> str:
        """ "Container 3 (Bin A)": how sentences name it."""
        return f"container {self.id}" + (f" ({self.label})" if self.label else "")

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "state": self.state,
            "opened_at": self.opened_at.isoformat(),
            "sealed_at": _iso(self.sealed_at),
            "collected_at": _iso(self.collected_at),
        }


_C = SharpsContainer
_COLUMNS = (
    _C.id,
    _C.label,
    _C.room,
    _C.opened_by,
    _C.opened_at,
    _C.sealed_by,
    _C.sealed_at,
    _C.collected_by,
    _C.collected_at,
    _C.collector_ref,
)


def _cartridges() -> Any:
    """Units used in sessions at the container's room while it was open: from its opening
    until (not at) its sealing, the boundaries of equipment_checks.open_container, so
    each use is counted in one container at most."""
    return (
        select(func.count(UnitUse.id))
        .join(SessionIntake, SessionIntake.session_id == UnitUse.session_id)
        .where(container_open(SessionIntake.room, UnitUse.used_at))
        .correlate(_C)
        .scalar_subquery()
    )


def _info(row: Any) -> ContainerInfo:
    return ContainerInfo(*row[:10], cartridges=int(row[10]))


def get_container(conn: Connection, container_id: int) -> ContainerInfo:
    """One container, or NotFound in words."""
    row = conn.execute(select(*_COLUMNS, _cartridges()).where(_C.id == container_id)).first()
    if row is None:
        raise NotFound(f"There is no sharps container {container_id}.")
    return _info(row)


def list_containers(
    conn: Connection,
    *,
    room: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ContainerInfo]:
    """Containers by room, newest first, each with its count of used units; ``since`` and
    ``until`` keep those in use at some time in the period (the reports)."""
    if state is not None and state not in STATES:
        raise InvalidInput(f"A container is one of: {', '.join(STATES)}.")
    query = select(*_COLUMNS, _cartridges()).order_by(
        func.lower(_C.room), _C.opened_at.desc(), _C.id.desc()
    )
    if room is not None:
        query = query.where(same_room(_C.room, room))
    if state == "open":
        query = query.where(_C.sealed_at.is_(None))
    elif state == "sealed":
        query = query.where(_C.sealed_at.is_not(None), _C.collected_at.is_(None))
    elif state == "collected":
        query = query.where(_C.collected_at.is_not(None))
    if until is not None:
        query = query.where(_C.opened_at < until)
    if since is not None:
        query = query.where(or_(_C.sealed_at.is_(None), _C.sealed_at >= since))
    return [_info(row) for row in conn.execute(query)]


def container_for_use(conn: Connection, unit_use_id: int) -> SharpsContainerRow | None:
    """The container a used unit went to: the one open at its session's room at its use
    time (None: no room recorded, or no container open there then)."""
    found = conn.execute(
        select(UnitUse.used_at, SessionIntake.room)
        .join(SessionIntake, SessionIntake.session_id == UnitUse.session_id, isouter=True)
        .where(UnitUse.id == unit_use_id)
    ).first()
    if found is None:
        raise NotFound(f"There is no use number {unit_use_id}.")
    used_at, room = found
    return equipment_checks.open_container(conn, room or "", used_at)


def _whole_row(conn: Connection, container_id: int) -> Any:
    return conn.execute(select(_C.__table__).where(_C.id == container_id)).one()._mapping


def open_container(db: Database, room: str, *, label: str = "", by: Actor) -> ContainerInfo:
    """Open a new sharps container at a room; the room's previous one must be sealed first."""
    by.require("sharps")
    room = clean(room, "room or chair", max_len=60)
    label = clean(label, "container's label", max_len=60, required=False)
    with db.write() as conn:
        current = conn.execute(
            select(*_COLUMNS, _cartridges()).where(same_room(_C.room, room), _C.sealed_at.is_(None))
        ).first()
        if current is not None:
            info = _info(current)
            raise InvalidInput(
                f"Sharps {info.name} is still open at {info.room} (opened "
                f"{show_local(info.opened_at, clinic_tz(conn))} by {info.opened_by}). "
                "Seal it first, then open the new one."
            )
        now = db.now(conn)
        values = {
            "label": label,
            "room": room,
            "opened_by": by.name,
            "opened_by_id": by.staff_id or None,
            "opened_at": now,
        }
        container_id = conn.execute(insert(_C).values(**values).returning(_C.id)).scalar_one()
        audit.record(
            conn,
            at=now,
            by=by,
            action="open",
            entity="sharps_container",
            entity_id=container_id,
            new={"room": room, "label": label},
            row=binding("sharps_container", container_id, _whole_row(conn, container_id)),
        )
        return get_container(conn, container_id)


def seal(db: Database, container_id: int, *, by: Actor) -> ContainerInfo:
    """Seal a full (or finished) container: nothing more goes in; it waits for collection."""
    by.require("sharps")
    with db.write() as conn:
        info = get_container(conn, container_id)
        if info.sealed_at is not None:
            raise InvalidInput(
                f"Sharps {info.name} was already sealed on "
                f"{show_local(info.sealed_at, clinic_tz(conn))} by {info.sealed_by}."
            )
        now = db.now(conn)
        conn.execute(
            update(_C)
            .where(_C.id == container_id)
            .values(sealed_at=now, sealed_by=by.name, sealed_by_id=by.staff_id or None)
        )
        audit.record(
            conn,
            at=now,
            by=by,
            action="seal",
            entity="sharps_container",
            entity_id=container_id,
            old={"sealed_at": None},
            new={"sealed_at": now.isoformat(), "cartridges": info.cartridges},
            row=binding("sharps_container", container_id, _whole_row(conn, container_id)),
        )
        return get_container(conn, container_id)


def collect(db: Database, container_id: int, *, collector_ref: str, by: Actor) -> ContainerInfo:
    """Record that the waste collector took a sealed container, with their reference
    (consignment or docket number)."""
    by.require("sharps")
    if not collector_ref.strip():
        raise InvalidInput(
            "Give the collector's reference (the consignment or docket number on their "
            "receipt): it is required."
        )
    collector_ref = clean(collector_ref, "collector's reference", max_len=120)
    with db.write() as conn:
        info = get_container(conn, container_id)
        tz = clinic_tz(conn)
        if info.sealed_at is None:
            raise InvalidInput(
                f"Sharps {info.name} at {info.room} is still open. Seal it first; only a "
                "sealed container is handed to the collector."
            )
        if info.collected_at is not None:
            raise InvalidInput(
                f"Sharps {info.name} was already collected on "
                f"{show_local(info.collected_at, tz)} (reference {info.collector_ref})."
            )
        now = db.now(conn)
        conn.execute(
            update(_C)
            .where(_C.id == container_id)
            .values(
                collected_at=now,
                collected_by=by.name,
                collected_by_id=by.staff_id or None,
                collector_ref=collector_ref,
            )
        )
        audit.record(
            conn,
            at=now,
            by=by,
            action="collect",
            entity="sharps_container",
            entity_id=container_id,
            old={"collected_at": None},
            new={"collected_at": now.isoformat(), "collector_ref": collector_ref},
            row=binding("sharps_container", container_id, _whole_row(conn, container_id)),
        )
        return get_container(conn, container_id)
