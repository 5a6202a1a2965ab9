"""Treatment sessions: open one per client treatment, use units in it, close it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from inventory import audit
from inventory.catalog import mm_text, needle_um
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.models import Lot, Product, Unit
from inventory.text import clean
from sterility.models import BodyArea, TreatmentSession, UnitUse


@dataclass(frozen=True)
class SessionInfo:
    id: int
    client_ref: str
    practitioner: str
    area: str
    planned_depth_um: int
    device: str
    opened_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def planned_depth_mm(self) -> str:
        return mm_text(self.planned_depth_um)

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "planned_depth_mm": self.planned_depth_mm,
            "opened_at": self.opened_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }


@dataclass(frozen=True)
class UseRow:
    unit_code: str
    serial: str | None
    product: str
    gtin: str
    lot: str
    needle_length_um: int
    used_by: str
    used_at: datetime
    deeper_confirmed: bool


_COLUMNS = [getattr(TreatmentSession, f) for f in SessionInfo.__dataclass_fields__]


def body_areas(conn: Connection) -> list[str]:
    return list(conn.execute(select(BodyArea.name).order_by(BodyArea.name)).scalars())


def recent_practitioners(conn: Connection, *, limit: int = 30) -> list[str]:
    """Practitioners who opened sessions, the most recent first: the chair's choices."""
    names = conn.execute(
        select(TreatmentSession.practitioner)
        .group_by(TreatmentSession.practitioner)
        .order_by(func.max(TreatmentSession.opened_at).desc())
        .limit(limit)
    )
    return list(names.scalars())


def add_body_area(db: Database, name: str, *, by: str) -> None:
    """The list of areas is the clinic's own: add one (hands, back...)."""
    name = clean(name, "body area", max_len=40).lower()
    with db.write() as conn:
        if name in body_areas(conn):
            return
        conn.execute(insert(BodyArea).values(name=name))
        audit.record(
            conn,
            at=db.clock.now(conn),
            actor=by,
            action="create",
            entity="body_area",
            entity_id=name,
            new=name,
        )


def open_session(
    db: Database,
    *,
    client_ref: str,
    practitioner: str,
    area: str,
    depth_mm: str | float,
    device: str = "",
    by: str,
) -> SessionInfo:
    """Open a treatment session; its id goes on every use and refusal."""
    client_ref = clean(client_ref, "client reference")
    practitioner = clean(practitioner, "practitioner's name")
    device = clean(device, "device", required=False)
    depth = needle_um(depth_mm)
    area = area.strip().lower()
    with db.write() as conn:
        areas = body_areas(conn)
        if area not in areas:
            raise InvalidInput(f"'{area}' is not a body area. Choose one of: {', '.join(areas)}.")
        now = db.clock.now(conn)
        values = {
            "client_ref": client_ref,
            "practitioner": practitioner,
            "area": area,
            "planned_depth_um": depth,
            "device": device,
        }
        session_id = conn.execute(
            insert(TreatmentSession)
            .values(**values, opened_by=by, opened_at=now)
            .returning(TreatmentSession.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            actor=by,
            action="open",
            entity="session",
            entity_id=session_id,
            new=values,
        )
        return get_session(conn, session_id)


def close_session(db: Database, session_id: int, *, by: str) -> SessionInfo:
    """Close a session: no unit can be used in it afterwards."""
    with db.write() as conn:
        session = get_session(conn, session_id)
        if not session.is_open:
            raise InvalidInput(f"Session {session_id} is already closed.")
        now = db.clock.now(conn)
        conn.execute(
            update(TreatmentSession)
            .where(TreatmentSession.id == session_id)
            .values(closed_at=now, closed_by=by)
        )
        audit.record(
            conn,
            at=now,
            actor=by,
            action="close",
            entity="session",
            entity_id=session_id,
            old={"closed_at": None},
            new={"closed_at": now.isoformat()},
        )
        return get_session(conn, session_id)


def get_session(conn: Connection, session_id: int) -> SessionInfo:
    row = conn.execute(select(*_COLUMNS).where(TreatmentSession.id == session_id)).first()
    if row is None:
        raise NotFound(f"There is no treatment session {session_id}.")
    return SessionInfo(*row)


def list_sessions(
    conn: Connection, *, since: datetime | None = None, open_only: bool = False, limit: int = 200
) -> list[SessionInfo]:
    query = select(*_COLUMNS).order_by(TreatmentSession.opened_at.desc()).limit(limit)
    if since is not None:
        query = query.where(TreatmentSession.opened_at >= since)
    if open_only:
        query = query.where(TreatmentSession.closed_at.is_(None))
    return [SessionInfo(*row) for row in conn.execute(query)]


def session_uses(conn: Connection, session_id: int) -> list[UseRow]:
    query = (
        select(
            Unit.code,
            Unit.serial,
            Product.name,
            Product.gtin,
            Lot.lot_number,
            Product.needle_length_um,
            UnitUse.used_by,
            UnitUse.used_at,
            UnitUse.deeper_confirmed,
        )
        .join(Unit, Unit.id == UnitUse.unit_id)
        .join(Lot, Lot.id == Unit.lot_id)
        .join(Product, Product.id == Unit.product_id)
        .where(UnitUse.session_id == session_id)
        .order_by(UnitUse.used_at)
    )
    return [UseRow(*row) for row in conn.execute(query)]
