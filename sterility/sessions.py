"""Treatment sessions: open one per client treatment, use units in it, close it.

A session names its practitioner by account: a practitioner opens sessions for
themselves, a manager for any active practitioner (or themselves). A planned depth
beyond the practitioner's scope of practice is refused and recorded as a refusal.
The client reference is stored encrypted (sterility.clients) and the audit trail keeps
only its blind index.

Every session opens with its intake (sterility.intake): screening, consent, concern,
pen, room and series, checked and written in the session's own transaction; a positive
screening without a manager's override is refused and recorded like a scope refusal.
A session closes once its adverse events, or "none", are recorded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from inventory import audit
from inventory.access import Actor, NotAllowed
from inventory.bindings import binding
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.ids import next_id
from inventory.keyring import Keyring
from inventory.models import Lot, Product, Unit
from inventory.needles import mm_text, needle_um
from inventory.staff import StaffInfo, find_staff, list_staff
from inventory.text import clean
from sterility import clients, forms, intake
from sterility.errors import BeyondScope, ScanRefused
from sterility.intake import Intake, NeedsConfirmation
from sterility.models import BodyArea, TreatmentSession, UnitUse
from sterility.refusals import record_refusal

TREATING_ROLES = ("practitioner", "manager")


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
    practitioner_id: int | None = None
    client_key: str | None = None

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
    lot: str | None
    needle_length_um: int
    used_by: str
    used_at: datetime
    deeper_confirmed: bool


def body_areas(conn: Connection) -> list[str]:
    return list(conn.execute(select(BodyArea.name).order_by(BodyArea.name)).scalars())


def practitioners(conn: Connection) -> list[StaffInfo]:
    """Who may treat: active practitioners and managers, the chair's choices."""
    return [s for s in list_staff(conn, active_only=True) if s.role in TREATING_ROLES]


def add_body_area(db: Database, name: str, *, by: Actor) -> None:
    """The list of areas is the clinic's own: add one (hands, back...)."""
    by.require("settings")
    name = clean(name, "body area", max_len=40).lower()
    with db.write() as conn:
        if name in body_areas(conn):
            return
        conn.execute(insert(BodyArea).values(name=name))
        audit.record(
            conn,
            at=db.now(conn),
            by=by,
            action="create",
            entity="body_area",
            entity_id=name,
            new=name,
        )


def open_session(
    db: Database,
    *,
    client_ref: str,
    area: str,
    depth_mm: str | float,
    by: Actor,
    practitioner: str | None = None,
    device: str = "",
    intake: Intake,
    override_by: Actor | None = None,
) -> SessionInfo:
    """Open a treatment session with its intake; its id goes on every use and refusal.

    Refused and recorded: a depth beyond the practitioner's scope, a positive screening
    without a manager's override (``by`` a manager, or ``override_by``, a manager who
    signed in for this one action). Warnings not yet confirmed in
    ``intake.confirmations`` raise :class:`NeedsConfirmation` together; nothing is written.
    """
    by.require("sessions")
    stored = clients.store(by.keys, client_ref)
    device = clean(device, "device", required=False)
    depth = needle_um(depth_mm)
    area = area.strip().lower()
    try:
        return _open(db, stored, area, depth, device, by, practitioner, intake, override_by)
    except _Refused as refused:
        raise record_refusal(db, None, None, refused.scanned, refused.error, by) from None


def _open(
    db: Database,
    stored: clients.StoredClient,
    area: str,
    depth: int,
    device: str,
    by: Actor,
    practitioner: str | None,
    given: Intake,
    override_by: Actor | None,
) -> SessionInfo:
    confirmed = intake.check_confirmations(given.confirmations)
    language = clean(given.language, "language", max_len=40, required=False)
    override_reason = clean(
        given.override_reason, "reason for the override", max_len=500, required=False
    )
    if given.pen_serial is not None and not given.sleeve_fitted:
        raise InvalidInput(
            f"Fit a new barrier sleeve on pen {given.pen_serial.strip()} for this client, "
            "and say so, before the session opens."
        )
    with db.write() as conn:
        treating = _practitioner(conn, by, practitioner)
        areas = body_areas(conn)
        if area not in areas:
            raise InvalidInput(f"'{area}' is not a body area. Choose one of: {', '.join(areas)}.")
        now = db.now(conn)
        values = {
            "practitioner": treating.name,
            "practitioner_id": treating.id,
            "area": area,
            "planned_depth_um": depth,
            "device": device,
        }
        limit = treating.max_depth_um
        if limit is not None and depth > limit:
            refused = BeyondScope(
                f"{treating.name} may use needles up to {mm_text(limit)} mm (scope of "
                f"practice); a session planned at {mm_text(depth)} mm cannot be opened for "
                "them. Plan a shallower depth, or a practitioner whose scope allows it."
            )
            raise _Refused(refused, f"session: {area}, planned {mm_text(depth)} mm")
        checked = intake.checks(
            conn,
            client_key=stored.key,
            area=area,
            depth_um=depth,
            concern=given.concern,
            at=now,
            pen_serial=given.pen_serial,
            room=given.room,
            series_planned=given.series_planned,
        )
        screening = forms.ensure_current(conn, "screening", by, now)
        consent = forms.ensure_current(conn, "consent", by, now)
        intake.check_consent(consent, given.consent_version)
        answers = intake.check_answers(screening, given.answers)
        manager = None
        if any(answers.values()):
            if not override_reason:
                raise _Refused(
                    intake.screening_refusal(screening, answers),
                    f"session: {area}, screening positive: "
                    + ", ".join(k for k, yes in answers.items() if yes),
                )
            manager = intake.overrider(by, override_by, intake.positive_words(screening, answers))
        waiting = intake.unconfirmed(checked.warnings, confirmed)
        if waiting:
            raise NeedsConfirmation(waiting)
        if checked.pen is not None:
            values["device"] = checked.pen.serial
        wanted = {"id": chosen} if (chosen := next_id(conn, TreatmentSession.__table__)) else {}
        session_id = conn.execute(
            insert(TreatmentSession)
            .values(
                **values,
                **wanted,
                client_cipher=stored.cipher,
                client_key=stored.key,
                opened_by=by.name,
                opened_by_id=by.staff_id,
                opened_at=now,
            )
            .returning(TreatmentSession.id)
        ).scalar_one()
        intake_id, intake_values = intake.write_intake(
            conn,
            session_id,
            checked=checked,
            screening=screening,
            consent=consent,
            answers=answers,
            language=language,
            sleeve_fitted=given.sleeve_fitted,
            room=clean(given.room, "room", max_len=60, required=False),
            by=by,
            at=now,
        )
        audit.record(
            conn,
            at=now,
            by=by,
            action="open",
            entity="session",
            entity_id=session_id,
            new=values
            | {
                "client": stored.key,
                "concern": checked.concern,
                "screening_version": screening.version,
                "screening_positive": any(answers.values()),
                "consent_version": consent.version,
                "series": checked.series.words,
            },
            row=binding("session_intake", intake_id, intake_values),
        )
        if manager is not None:
            intake.write_confirmation(
                conn,
                session_id,
                "screening_override",
                "Screening answered yes: " + intake.positive_words(screening, answers),
                override_reason,
                by=manager,
                at=now,
            )
        for warning in checked.warnings:
            intake.write_confirmation(
                conn,
                session_id,
                warning.kind,
                warning.message,
                confirmed[warning.kind],
                by=by,
                at=now,
            )
        return get_session(conn, session_id, by.keys)


class _Refused(Exception):
    """Internal: leave the transaction (rolling it back) with a refusal to record."""

    def __init__(self, error: ScanRefused, scanned: str) -> None:
        self.error, self.scanned = error, scanned


def _practitioner(conn: Connection, by: Actor, name: str | None) -> StaffInfo:
    """The account that treats: yourself, or (for a manager) an active practitioner."""
    chosen = (name or "").strip()
    if not chosen or chosen.casefold() == by.name.casefold():
        person = find_staff(conn, by.name)
    elif by.role != "manager":
        raise NotAllowed(
            f"{by.name} opens sessions for themselves; a manager can open one for "
            f"{chosen}. Nothing was changed."
        )
    else:
        person = find_staff(conn, chosen)
    if not person.active or person.role not in TREATING_ROLES:
        raise InvalidInput(f"{person.name} is not an active practitioner.")
    return person


def close_session(
    db: Database, session_id: int, *, by: Actor, adverse: str | None = None
) -> SessionInfo:
    """Close a session: no unit can be used in it afterwards.

    Its adverse events, or none, are recorded first: ``adverse`` "none" or a description
    is recorded with the close; with None, one must have been recorded already.
    """
    by.require("sessions")
    with db.write() as conn:
        session = get_session(conn, session_id, by.keys)
        if not session.is_open:
            raise InvalidInput(f"Session {session_id} is already closed.")
        now = db.now(conn)
        recorded = None
        if adverse is not None:
            values = intake.adverse_values(session_id, adverse, by, now)
            recorded = (intake.write_adverse(conn, values), values)
        elif not intake.adverse_of(conn, session_id):
            raise InvalidInput(
                f"Record adverse events, or none, before closing session {session_id}."
            )
        conn.execute(
            update(TreatmentSession)
            .where(TreatmentSession.id == session_id)
            .values(closed_at=now, closed_by=by.name, closed_by_id=by.staff_id)
        )
        new: dict[str, object] = {"closed_at": now.isoformat()}
        if recorded is not None:
            new |= intake.adverse_audit(recorded[1])
        audit.record(
            conn,
            at=now,
            by=by,
            action="close",
            entity="session",
            entity_id=session_id,
            old={"closed_at": None},
            new=new,
            row=binding("adverse_event", *recorded) if recorded is not None else None,
        )
        return get_session(conn, session_id, by.keys)


def _sessions() -> Select[Any]:
    t = TreatmentSession
    return select(
        t.id,
        t.client_cipher,
        t.client_ref,
        t.practitioner,
        t.area,
        t.planned_depth_um,
        t.device,
        t.opened_at,
        t.closed_at,
        t.practitioner_id,
        t.client_key,
    )


def _info(row: Any, keys: Keyring | None) -> SessionInfo:
    return SessionInfo(
        row.id,
        clients.shown(keys, row.client_cipher, row.client_ref),
        row.practitioner,
        row.area,
        row.planned_depth_um,
        row.device,
        row.opened_at,
        row.closed_at,
        row.practitioner_id,
        row.client_key,
    )


def get_session(conn: Connection, session_id: int, keys: Keyring | None = None) -> SessionInfo:
    """One session; its client is shown to a person holding the data key, else hidden."""
    row = conn.execute(_sessions().where(TreatmentSession.id == session_id)).first()
    if row is None:
        raise NotFound(f"There is no treatment session {session_id}.")
    return _info(row, keys)


def list_sessions(
    conn: Connection,
    keys: Keyring | None = None,
    *,
    since: datetime | None = None,
    open_only: bool = False,
    limit: int = 200,
) -> list[SessionInfo]:
    query = _sessions().order_by(TreatmentSession.opened_at.desc()).limit(limit)
    if since is not None:
        query = query.where(TreatmentSession.opened_at >= since)
    if open_only:
        query = query.where(TreatmentSession.closed_at.is_(None))
    return [_info(row, keys) for row in conn.execute(query)]


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
