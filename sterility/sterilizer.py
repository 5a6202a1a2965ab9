"""Sterilizer cycles for reprocessed instruments: each cycle, its load of packs, its indicators.

AS/NZS 4815 asks for a record of every cycle (date, steriliser, cycle number,
temperature, pressure, holding time, load, operator, chemical and biological indicator
results) and for each pack to be traceable to the client it was opened for. Each pack's
pouch label carries a code "C<cycle>-<n>"; the chair records the pack for the session.

A pack's state is derived, never stored: quarantined when its cycle failed the chemical
or the biological indicator, used once a session recorded it, else available. A failed
biological indicator also reaches back: the packs of the same steriliser's earlier cycles
since its last passed indicator may not have been sterile either, so the sessions that
used them are listed (:func:`failed_bi_exposure`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, insert, or_, select, update

from inventory import audit
from inventory.access import Actor
from inventory.bindings import binding
from inventory.clock import clinic_tz, show_local
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.ids import next_id
from inventory.text import clean
from sterility.equipment_checks import recorded_time, typed
from sterility.equipment_models import (
    BI_RESULTS,
    INDICATOR_RESULTS,
    LoadItem,
    SessionInstrument,
    SterilizerCycle,
)
from sterility.errors import (
    NoSuchSession,
    NotYourSession,
    PackQuarantined,
    PackUnknown,
    PackUsed,
    ScanRefused,
    SessionClosed,
)
from sterility.models import TreatmentSession
from sterility.refusals import record_refusal

PACK_STATES = ("available", "used", "quarantined")
TEMPERATURE_C = (100.0, 140.0)
PRESSURE_KPA = (0.0, 400.0)
HOLDING_MINUTES = (1.0, 60.0)


# The pack refusals live with the chair's others (sterility.errors.REFUSALS); by code:
PACK_REFUSALS: dict[str, type[ScanRefused]] = {
    cls.code: cls for cls in (PackQuarantined, PackUsed, PackUnknown)
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class Pack:
    """One pack of a load, with its state now and the session it was opened for."""

    id: int
    cycle_id: int
    code: str
    description: str
    state: str
    session_id: int | None = None
    used_at: datetime | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"used_at": _iso(self.used_at)}


@dataclass(frozen=True)
class Cycle:
    """One sterilizer cycle with its indicator results and its packs."""

    id: int
    sterilizer: str
    cycle_number: str
    run_at: datetime
    temperature_c: float
    pressure_kpa: float
    holding_minutes: float
    load_contents: str
    operator: str
    chemical_result: str
    bi_result: str
    bi_read_by: str | None
    bi_read_at: datetime | None
    recorded_by: str
    recorded_at: datetime
    packs: tuple[Pack, ...] = field(default=())

    @property
    def failed(self) -> bool:
        """A failed indicator, chemical or biological: the load is quarantined."""
        return self.chemical_result == "fail" or self.bi_result == "fail"

    @property
    def quarantined(self) -> list[Pack]:
        return [p for p in self.packs if p.state == "quarantined"]

    @property
    def result_words(self) -> str:
        """ "chemical pass, biological pending"."""
        return f"chemical {self.chemical_result}, biological {self.bi_result}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "run_at": self.run_at.isoformat(),
            "bi_read_at": _iso(self.bi_read_at),
            "recorded_at": self.recorded_at.isoformat(),
            "failed": self.failed,
            "packs": [p.as_dict() for p in self.packs],
        }


@dataclass(frozen=True)
class Exposure:
    """A session that used a pack of a load a failed biological indicator puts in doubt."""

    session_id: int
    opened_at: datetime
    practitioner: str
    pack_code: str
    cycle_id: int
    cycle_number: str
    used_at: datetime

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "opened_at": self.opened_at.isoformat(),
            "used_at": self.used_at.isoformat(),
        }


@dataclass(frozen=True)
class PackUse:
    """A pack opened for a session."""

    session_id: int
    code: str
    description: str
    cycle_id: int
    cycle_number: str
    sterilizer: str
    used_at: datetime
    used_by: str
    bi_result: str

    @property
    def message(self) -> str:
        said = (
            f"Pack {self.code} ({self.description}) opened for session {self.session_id}: "
            f"cycle {self.cycle_number} of {self.sterilizer}"
        )
        if self.bi_result == "pending":
            said += ", biological indicator still pending"
        return said + "."

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"used_at": self.used_at.isoformat(), "message": self.message}


# --- reading ---------------------------------------------------------------------------

_CYCLE = SterilizerCycle
_CYCLE_COLUMNS = (
    _CYCLE.id,
    _CYCLE.sterilizer,
    _CYCLE.cycle_number,
    _CYCLE.run_at,
    _CYCLE.temperature_c,
    _CYCLE.pressure_kpa,
    _CYCLE.holding_minutes,
    _CYCLE.load_contents,
    _CYCLE.operator,
    _CYCLE.chemical_result,
    _CYCLE.bi_result,
    _CYCLE.bi_read_by,
    _CYCLE.bi_read_at,
    _CYCLE.recorded_by,
    _CYCLE.recorded_at,
)


def _state(chemical: str, bi: str, used: bool) -> str:
    """The one rule: a failed indicator quarantines, a recorded use uses, else available."""
    if chemical == "fail" or bi == "fail":
        return "quarantined"
    return "used" if used else "available"


def _packs_query() -> Select[Any]:
    return (
        select(
            LoadItem.id,
            LoadItem.cycle_id,
            LoadItem.code,
            LoadItem.description,
            _CYCLE.chemical_result,
            _CYCLE.bi_result,
            SessionInstrument.session_id,
            SessionInstrument.used_at,
        )
        .join(_CYCLE, _CYCLE.id == LoadItem.cycle_id)
        .join(SessionInstrument, SessionInstrument.load_item_id == LoadItem.id, isouter=True)
        .order_by(LoadItem.cycle_id, LoadItem.id)
    )


def _pack(row: Any) -> Pack:
    state = _state(row.chemical_result, row.bi_result, row.session_id is not None)
    return Pack(row.id, row.cycle_id, row.code, row.description, state, row.session_id, row.used_at)


def _cycles(conn: Connection, query: Select[Any]) -> list[Cycle]:
    rows = conn.execute(query).all()
    ids = [row.id for row in rows]
    packs: dict[int, list[Pack]] = {}
    if ids:
        for row in conn.execute(_packs_query().where(LoadItem.cycle_id.in_(ids))):
            packs.setdefault(row.cycle_id, []).append(_pack(row))
    return [Cycle(*row, packs=tuple(packs.get(row.id, ()))) for row in rows]


def get_cycle(conn: Connection, cycle_id: int) -> Cycle:
    """One cycle with its packs, or NotFound in words."""
    found = _cycles(conn, select(*_CYCLE_COLUMNS).where(_CYCLE.id == cycle_id))
    if not found:
        raise NotFound(f"There is no sterilizer cycle {cycle_id}.")
    return found[0]


def list_cycles(
    conn: Connection,
    since: datetime | None = None,
    *,
    until: datetime | None = None,
    sterilizer: str | None = None,
) -> list[Cycle]:
    """Cycles, newest run first, with their indicator results and packs."""
    query = select(*_CYCLE_COLUMNS).order_by(_CYCLE.run_at.desc(), _CYCLE.id.desc())
    if since is not None:
        query = query.where(_CYCLE.run_at >= since)
    if until is not None:
        query = query.where(_CYCLE.run_at < until)
    if sterilizer is not None:
        query = query.where(func.lower(_CYCLE.sterilizer) == typed(sterilizer).lower())
    return _cycles(conn, query)


def normal_code(code: str) -> str:
    """A pack code as printed: "c12-1 " is "C12-1"."""
    return typed(code).upper()


def find_pack(conn: Connection, code: str) -> Pack | None:
    """The pack with this code and its state now (None: no such pack)."""
    row = conn.execute(_packs_query().where(LoadItem.code == normal_code(code))).first()
    return None if row is None else _pack(row)


def pack_state(conn: Connection, code: str) -> str:
    """available, used or quarantined (derived from its cycle and its use, never stored)."""
    pack = find_pack(conn, code)
    if pack is None:
        raise NotFound(f"No sterilized pack carries the code {typed(code)!r}.")
    return pack.state


def failed_bi_exposure(conn: Connection, cycle_id: int) -> list[Exposure]:
    """Sessions that used packs of this cycle, and of the same steriliser's earlier cycles
    since its last passed biological indicator: the loads a failed indicator puts in doubt.

    Earlier means run before it (cycles run at the same moment: recorded before it). The
    cycle whose indicator passed, and every cycle before it, are not included.
    """
    cycle = get_cycle(conn, cycle_id)
    same = func.lower(_CYCLE.sterilizer) == cycle.sterilizer.lower()
    before = or_(
        _CYCLE.run_at < cycle.run_at, (_CYCLE.run_at == cycle.run_at) & (_CYCLE.id < cycle.id)
    )
    passed = conn.execute(
        select(_CYCLE.run_at, _CYCLE.id)
        .where(same, before, _CYCLE.bi_result == "pass")
        .order_by(_CYCLE.run_at.desc(), _CYCLE.id.desc())
        .limit(1)
    ).first()
    in_doubt = select(_CYCLE.id).where(same, or_(before, _CYCLE.id == cycle.id))
    if passed is not None:
        in_doubt = in_doubt.where(
            or_(
                _CYCLE.run_at > passed.run_at,
                (_CYCLE.run_at == passed.run_at) & (_CYCLE.id > passed.id),
            )
        )
    query = (
        select(
            TreatmentSession.id,
            TreatmentSession.opened_at,
            TreatmentSession.practitioner,
            LoadItem.code,
            _CYCLE.id,
            _CYCLE.cycle_number,
            SessionInstrument.used_at,
        )
        .select_from(SessionInstrument)
        .join(LoadItem, LoadItem.id == SessionInstrument.load_item_id)
        .join(_CYCLE, _CYCLE.id == LoadItem.cycle_id)
        .join(TreatmentSession, TreatmentSession.id == SessionInstrument.session_id)
        .where(LoadItem.cycle_id.in_(in_doubt))
        .order_by(TreatmentSession.opened_at, TreatmentSession.id, LoadItem.code)
    )
    return [Exposure(*row) for row in conn.execute(query)]


# --- writing ---------------------------------------------------------------------------


def _number(value: float | int | str, what: str, unit: str, bounds: tuple[float, float]) -> float:
    low, high = bounds
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(f"The {what} is a number of {unit}, like {low:g}.") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInput(
            f"The {what} of {str(value).strip()} {unit} is outside {low:g} to {high:g} {unit}; "
            "check the steriliser's printout."
        )
    return number


def _whole_row(conn: Connection, cycle_id: int) -> Any:
    return conn.execute(select(_CYCLE.__table__).where(_CYCLE.id == cycle_id)).one()._mapping


def add_cycle(
    db: Database,
    *,
    sterilizer: str,
    cycle_number: str | int,
    temperature_c: float | str,
    pressure_kpa: float | str,
    holding_minutes: float | str,
    load_contents: str,
    packs: list[str],
    chemical: str,
    bi: str,
    run_at: datetime | None = None,
    by: Actor,
) -> Cycle:
    """Record a cycle and its load; each pack gets its code "C<cycle>-<n>" for its pouch.

    A failed chemical indicator is recorded like any result: the load is quarantined at
    once. ``bi`` is "pending" until the biological indicator is read (:func:`read_bi`).
    ``run_at`` defaults to now, is never in the future, and without a zone is the
    clinic's wall-clock time.
    """
    by.require("sterilizer")
    sterilizer = clean(sterilizer, "steriliser's name", max_len=120)
    number = clean(str(cycle_number), "cycle number", max_len=40)
    temperature = _number(temperature_c, "temperature", "°C", TEMPERATURE_C)
    pressure = _number(pressure_kpa, "pressure", "kPa", PRESSURE_KPA)
    holding = _number(holding_minutes, "holding time", "minutes", HOLDING_MINUTES)
    if not load_contents.strip():
        raise InvalidInput("Say what was in the load (for example: 4 instrument packs): required.")
    contents = clean(load_contents, "load contents", max_len=2000, multiline=True)
    descriptions = [clean(p, "pack's description", max_len=200) for p in packs if p.strip()]
    if chemical not in INDICATOR_RESULTS:
        raise InvalidInput("The chemical indicator result is pass or fail.")
    if bi not in BI_RESULTS:
        raise InvalidInput("The biological indicator result is pass, fail or pending.")
    with db.write() as conn:
        duplicate = conn.execute(
            select(_CYCLE.id).where(
                func.lower(_CYCLE.sterilizer) == sterilizer.lower(),
                _CYCLE.cycle_number == number,
            )
        ).first()
        if duplicate is not None:
            raise InvalidInput(
                f"Cycle {number} of {sterilizer} is already recorded (as cycle record "
                f"{duplicate.id}); nothing was added."
            )
        now = db.now(conn)
        when = recorded_time(conn, run_at, now, "sterilizer cycle")
        read = bi != "pending"
        values = {
            "sterilizer": sterilizer,
            "cycle_number": number,
            "run_at": when,
            "temperature_c": temperature,
            "pressure_kpa": pressure,
            "holding_minutes": holding,
            "load_contents": contents,
            "operator": by.name,
            "operator_id": by.staff_id or None,
            "chemical_result": chemical,
            "bi_result": bi,
            "bi_read_by": by.name if read else None,
            "bi_read_by_id": (by.staff_id or None) if read else None,
            "bi_read_at": now if read else None,
            "recorded_by": by.name,
            "recorded_by_id": by.staff_id or None,
            "recorded_at": now,
        }
        wanted = {"id": chosen} if (chosen := next_id(conn, _CYCLE.__table__)) else {}
        cycle_id = conn.execute(
            insert(_CYCLE).values(**values, **wanted).returning(_CYCLE.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            by=by,
            action="create",
            entity="sterilizer_cycle",
            entity_id=cycle_id,
            new={
                "sterilizer": sterilizer,
                "cycle_number": number,
                "run_at": when.isoformat(),
                "temperature_c": temperature,
                "pressure_kpa": pressure,
                "holding_minutes": holding,
                "chemical_result": chemical,
                "bi_result": bi,
                "packs": len(descriptions),
            },
            row=binding("sterilizer_cycle", cycle_id, _whole_row(conn, cycle_id)),
        )
        for n, description in enumerate(descriptions, start=1):
            item = {"cycle_id": cycle_id, "code": f"C{cycle_id}-{n}", "description": description}
            item_id = conn.execute(
                insert(LoadItem).values(**item).returning(LoadItem.id)
            ).scalar_one()
            audit.record(
                conn,
                at=now,
                by=by,
                action="create",
                entity="load_item",
                entity_id=item["code"],
                new={"cycle": cycle_id, "description": description},
                row=binding("load_item", item_id, item),
            )
        return get_cycle(conn, cycle_id)


def read_bi(db: Database, cycle_id: int, result: str, *, by: Actor) -> Cycle:
    """Record the biological indicator's reading after incubation: once, pass or fail.

    A fail quarantines the load (and see :func:`failed_bi_exposure` for the sessions
    that used packs it puts in doubt).
    """
    by.require("sterilizer")
    if result not in INDICATOR_RESULTS:
        raise InvalidInput("A biological indicator reads pass or fail.")
    with db.write() as conn:
        cycle = get_cycle(conn, cycle_id)
        if cycle.bi_result != "pending":
            when = (
                f" by {cycle.bi_read_by} on {show_local(cycle.bi_read_at, clinic_tz(conn))}"
                if cycle.bi_read_at is not None
                else ""
            )
            raise InvalidInput(
                f"The biological indicator of cycle {cycle.cycle_number} of "
                f"{cycle.sterilizer} was already read: {cycle.bi_result}{when}. A reading is "
                "recorded once; nothing was changed."
            )
        now = db.now(conn)
        conn.execute(
            update(_CYCLE)
            .where(_CYCLE.id == cycle_id)
            .values(
                bi_result=result,
                bi_read_at=now,
                bi_read_by=by.name,
                bi_read_by_id=by.staff_id or None,
            )
        )
        audit.record(
            conn,
            at=now,
            by=by,
            action="read_indicator",
            entity="sterilizer_cycle",
            entity_id=cycle_id,
            old={"bi_result": "pending"},
            new={"bi_result": result, "bi_read_at": now.isoformat()},
            row=binding("sterilizer_cycle", cycle_id, _whole_row(conn, cycle_id)),
        )
        return get_cycle(conn, cycle_id)


class _Refuse(Exception):
    """Internal: leave the transaction (rolling it back) with a refusal to record."""

    def __init__(self, error: ScanRefused) -> None:
        self.error = error


def use_pack(db: Database, session_id: int, code: str, *, by: Actor) -> PackUse:
    """Record that a sterilized pack was opened for a session, or refuse and record why
    (a quarantined, used or unknown pack)."""
    by.require("chair")
    try:
        with db.write() as conn:
            return _use(conn, db, session_id, code, by)
    except _Refuse as refused:
        raise record_refusal(db, session_id, None, code, refused.error, by) from None


def _use(conn: Connection, db: Database, session_id: int, code: str, by: Actor) -> PackUse:
    session = conn.execute(
        select(
            TreatmentSession.closed_at,
            TreatmentSession.practitioner,
            TreatmentSession.practitioner_id,
        ).where(TreatmentSession.id == session_id)
    ).first()
    if session is None:
        raise _Refuse(NoSuchSession(f"There is no treatment session {session_id}."))
    if session.closed_at is not None:
        raise _Refuse(
            SessionClosed(f"Session {session_id} is closed; open a new session to use a pack.")
        )
    if by.role == "practitioner" and session.practitioner_id not in (None, by.staff_id):
        raise _Refuse(
            NotYourSession(
                f"Session {session_id} is {session.practitioner}'s; {by.name} records packs "
                "in their own sessions only."
            )
        )
    shown = normal_code(code)
    pack = find_pack(conn, shown)
    if pack is None:
        raise _Refuse(
            PackUnknown(
                f"No sterilized pack carries the code {shown or '(empty)'}. Check the pouch "
                "label; a pack is recorded with its sterilizer cycle first."
            )
        )
    cycle = get_cycle(conn, pack.cycle_id)
    tz = clinic_tz(conn)
    if pack.state == "quarantined":
        which = "chemical" if cycle.chemical_result == "fail" else "biological"
        raise _Refuse(
            PackQuarantined(
                f"Pack {pack.code} is from cycle {cycle.cycle_number} of {cycle.sterilizer} "
                f"({show_local(cycle.run_at, tz)}), whose {which} indicator failed: it may not "
                "be sterile. Do not use it; set it aside to be reprocessed."
            )
        )
    if pack.state == "used":
        assert pack.used_at is not None
        raise _Refuse(
            PackUsed(
                f"Pack {pack.code} was already opened for session {pack.session_id} at "
                f"{show_local(pack.used_at, tz)}. A pack is opened once; take another "
                "sterilized pack."
            )
        )
    now = db.now(conn)
    values = {
        "session_id": session_id,
        "load_item_id": pack.id,
        "used_by": by.name,
        "used_by_id": by.staff_id or None,
        "used_at": now,
    }
    use_id = conn.execute(
        insert(SessionInstrument).values(**values).returning(SessionInstrument.id)
    ).scalar_one()
    audit.record(
        conn,
        at=now,
        by=by,
        action="use_pack",
        entity="session",
        entity_id=session_id,
        new={"pack": pack.code, "cycle": cycle.id, "bi_result": cycle.bi_result},
        row=binding("session_instrument", use_id, values),
    )
    return PackUse(
        session_id,
        pack.code,
        pack.description,
        cycle.id,
        cycle.cycle_number,
        cycle.sterilizer,
        now,
        by.name,
        cycle.bi_result,
    )


def session_packs(conn: Connection, session_id: int) -> list[Pack]:
    """The packs opened for a session (the chair, the reports)."""
    rows = conn.execute(_packs_query().where(SessionInstrument.session_id == session_id))
    return [_pack(row) for row in rows]
