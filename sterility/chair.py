"""The chair scan: one transaction that checks a unit and records its single use.

This is the hottest path in the app, so it is plain SQL over the open connection: no
ORM objects. The database has the last word: ``unit_use.unit_id`` is unique and the
status update only succeeds from ``in_stock``, so two workstations scanning the same
unit at the same instant can never both use it. Every refusal is recorded durably, in
its own transaction, after the failed attempt is rolled back.

A cartridge outside the depth range of the session's concern (its intake) is refused
until confirmed, like one deeper than planned; the confirmation is written with the use,
and the same needle length is not asked again in that session.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from inventory import audit
from inventory.access import Actor
from inventory.barcode import Scan, parse_for_use
from inventory.bindings import binding
from inventory.catalog import mm_text
from inventory.clock import clinic_tz, is_expired, show_local
from inventory.db import Database
from inventory.errors import BarcodeUnreadable, DatabaseBusy
from inventory.models import Lot, Product, Staff, Unit
from inventory.rawsql import Raw, Statement
from sterility import errors as e
from sterility.care_models import SessionConfirmation, SessionIntake
from sterility.guidance import DepthRange
from sterility.intake import write_confirmation
from sterility.models import Recall, RecallItem, TreatmentSession, UnitUse
from sterility.refusals import record_refusal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """What the practitioner sees after a scan that was accepted."""

    accepted: bool
    reason: str  # "used" or "already_in_this_session"
    message: str
    session_id: int
    unit_code: str
    product: str
    needle_length_um: int
    gtin: str
    lot: str
    expiry: date
    at: datetime
    deeper_confirmed: bool = False
    outside_range_confirmed: bool = False

    @property
    def needle_length_mm(self) -> str:
        return mm_text(self.needle_length_um)

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "expiry": self.expiry.isoformat(),
            "at": self.at.isoformat(),
            "needle_length_mm": self.needle_length_mm,
        }


# Core statements against the tables, compiled once per dialect and run through the
# driver (inventory.rawsql): the chair scan is the hottest path in the app.
_S, _U, _L, _P = (m.__table__ for m in (TreatmentSession, Unit, Lot, Product))
_USE, _R, _RI, _STAFF = (m.__table__ for m in (UnitUse, Recall, RecallItem, Staff))
_IN, _CONF = SessionIntake.__table__, SessionConfirmation.__table__
_SESSION = Statement(
    select(
        _S.c.id,
        _S.c.closed_at,
        _S.c.planned_depth_um,
        _S.c.practitioner,
        _STAFF.c.max_depth_um,
        _S.c.practitioner_id,
        _IN.c.concern,
        _IN.c.range_min_um,
        _IN.c.range_max_um,
    )
    .select_from(
        _S.outerjoin(_STAFF, _STAFF.c.id == _S.c.practitioner_id).outerjoin(
            _IN, _IN.c.session_id == _S.c.id
        )
    )
    .where(_S.c.id == bindparam("session"))
)
# Asked only for a cartridge outside the range: was this needle length confirmed already?
_LENGTH_CONFIRMED = Statement(
    select(_CONF.c.id)
    .select_from(_CONF.join(_U, _U.c.id == _CONF.c.unit_id).join(_P, _P.c.id == _U.c.product_id))
    .where(
        _CONF.c.session_id == bindparam("session"),
        _CONF.c.kind == "cartridge_outside_range",
        _P.c.needle_length_um == bindparam("length"),
    )
    .limit(1)
)
_UNIT = select(
    _U.c.id,
    _U.c.code,
    _U.c.serial,
    _U.c.status,
    _U.c.status_reason,
    _L.c.lot_number,
    _L.c.expiry,
    _P.c.gtin,
    _P.c.name,
    _P.c.needle_length_um,
).select_from(_U.join(_L, _L.c.id == _U.c.lot_id).join(_P, _P.c.id == _U.c.product_id))
# PostgreSQL locks the unit row while it decides (SQLite holds the whole write lock).
_BY_CODE = Statement(_UNIT.where(_U.c.code == bindparam("code")).with_for_update(of=_U))
_BY_SERIAL = Statement(
    _UNIT.where(
        _P.c.gtin == bindparam("gtin"),
        or_(_U.c.serial == bindparam("serial"), _U.c.code == bindparam("serial")),
    ).with_for_update(of=_U)
)
_RECALL = Statement(
    select(_R.c.reference, _R.c.notice_date)
    .select_from(_RI.join(_R, _R.c.id == _RI.c.recall_id))
    .where(
        _RI.c.gtin == bindparam("gtin"),
        or_(_RI.c.lot_number == bindparam("lot"), _RI.c.lot_number.is_(None)),
        or_(
            _RI.c.serial.is_(None),
            _RI.c.serial == bindparam("serial"),
            _RI.c.serial == bindparam("code"),
        ),
    )
    .order_by(_R.c.id)
    .limit(1)
)
_PREVIOUS_USE = Statement(
    select(_USE.c.session_id, _USE.c.used_at).where(_USE.c.unit_id == bindparam("unit"))
)
_INSERT_USE = Statement(
    insert(_USE)
    .values(
        unit_id=bindparam("unit"),
        session_id=bindparam("session"),
        used_by=bindparam("by"),
        used_by_id=bindparam("by_id"),
        used_at=bindparam("at"),
        deeper_confirmed=bindparam("deeper"),
    )
    .returning(_USE.c.id)
)
_MARK_USED = Statement(
    update(_U)
    .where(_U.c.id == bindparam("unit"), _U.c.status == "in_stock")
    .values(status="used", status_reason=None, status_changed_at=bindparam("at"))
)


@dataclass(frozen=True)
class _Unit:
    id: int
    code: str
    serial: str | None
    status: str
    status_reason: str | None
    lot_number: str
    expiry: date
    gtin: str
    name: str
    needle_length_um: int


class _Refuse(Exception):
    """Internal: leave the use transaction (rolling it back) with a refusal to record."""

    def __init__(self, error: e.ScanRefused, unit_id: int | None) -> None:
        self.error, self.unit_id = error, unit_id


def use_unit(
    db: Database,
    session_id: int,
    scanned: str,
    *,
    by: Actor,
    allow_deeper: bool = False,
    separator: str | None = None,
    allow_outside_range: bool = False,
) -> Verdict:
    """Record that the scanned unit is used in the session, or refuse and record why.

    ``allow_deeper`` confirms needles longer than planned; ``allow_outside_range``
    confirms needles outside the range of the session's concern.
    """
    by.require("chair")
    try:
        scan = parse_for_use(scanned, separator=separator)
    except BarcodeUnreadable as exc:
        cls = e.NotAUnit if exc.code == "not_a_unit" else e.ScanUnreadable
        raise record_refusal(db, session_id, None, scanned, cls(exc.message), by) from None
    try:
        with db.write() as conn:
            return _use(
                conn,
                db,
                session_id,
                scan,
                by=by,
                allow_deeper=allow_deeper,
                allow_outside_range=allow_outside_range,
            )
    except _Refuse as refusal:
        raise record_refusal(db, session_id, refusal.unit_id, scanned, refusal.error, by) from None
    except DatabaseBusy:
        if db.dialect != "postgresql":
            # SQLite's lock covers the whole file: recording the refusal would wait the
            # same timeout again and fail the same way. Say so now; nothing was used.
            log.warning(
                "chair scan not recorded, database locked: session %s scan %r", session_id, scanned
            )
            raise e.UnitBusy(
                "Another workstation or program is writing to the ledger right now. The "
                "unit was not used; wait a moment and scan again."
            ) from None
        busy = e.UnitBusy(
            "Another workstation is handling this unit right now. The unit was not used; "
            "wait a moment and scan again."
        )
        raise record_refusal(db, session_id, None, scanned, busy, by) from None


def _use(
    conn: Connection,
    db: Database,
    session_id: int,
    scan: Scan,
    *,
    by: Actor,
    allow_deeper: bool,
    allow_outside_range: bool,
) -> Verdict:
    raw = Raw(conn)
    session = raw.one(_SESSION, {"session": session_id})
    if session is None:
        raise _Refuse(e.NoSuchSession(f"There is no treatment session {session_id}."), None)
    if session[1] is not None:
        raise _Refuse(
            e.SessionClosed(f"Session {session_id} is closed; open a new session to use a unit."),
            None,
        )
    planned_depth_um, practitioner, scope_um, treating_id = session[2:6]
    concern, range_min_um, range_max_um = session[6:9]
    if by.role == "practitioner" and treating_id not in (None, by.staff_id):
        raise _Refuse(
            e.NotYourSession(
                f"Session {session_id} is {practitioner}'s; {by.name} scans into their own "
                "sessions only. Open or continue your own session."
            ),
            None,
        )
    unit = _find_unit(raw, scan)
    if unit is None:
        raise _Refuse(e.UnknownUnit(_unknown_message(scan)), None)
    if (scan.lot is not None and scan.lot != unit.lot_number) or (
        scan.expiry is not None and scan.expiry != unit.expiry
    ):
        printed = f"lot {scan.lot or '?'}, expiry {scan.expiry or '?'}"
        raise _Refuse(
            e.LabelMismatch(
                f"The label says {printed}, but unit {unit.code} was received as lot "
                f"{unit.lot_number}, expiry {unit.expiry.isoformat()}. Do not use it; set it aside "
                "for the manager to check."
            ),
            unit.id,
        )
    now = db.now(conn)
    tz = clinic_tz(raw)
    name = f"Unit {unit.code} ({unit.name}, lot {unit.lot_number})"

    def verdict(reason: str, message: str, deeper: bool = False, outside: bool = False) -> Verdict:
        return Verdict(
            True,
            reason,
            message,
            session_id,
            unit.code,
            unit.name,
            unit.needle_length_um,
            unit.gtin,
            unit.lot_number,
            unit.expiry,
            now,
            deeper,
            outside,
        )

    recall = raw.one(
        _RECALL,
        {"gtin": unit.gtin, "lot": unit.lot_number, "serial": unit.serial, "code": unit.code},
    )
    if unit.status == "used":
        previous_session, previous_at = raw.one(_PREVIOUS_USE, {"unit": unit.id})
        # A recall that came after the use matters more than the use: say both.
        recalled = (
            ""
            if recall is None
            else f" Its lot was recalled by notice {recall[0]} of {recall[1].isoformat()}: "
            f"the client of session {previous_session} may need to be told (Recalls)."
        )
        if previous_session == session_id:
            return verdict(
                "already_in_this_session",
                f"{name} is already recorded in this session; nothing changed.{recalled}",
            )
        raise _Refuse(
            e.UnitAlreadyUsed(
                f"{name} was already used in session {previous_session} at "
                f"{show_local(previous_at, tz)}. A unit is used once: take a new one." + recalled
            ),
            unit.id,
        )
    if unit.status == "wasted":
        raise _Refuse(
            e.UnitWasted(f"{name} was discarded as waste ({unit.status_reason}). Take a new one."),
            unit.id,
        )
    if unit.status == "returned":
        raise _Refuse(
            e.UnitReturned(
                f"{name} was returned to the supplier ({unit.status_reason}). Do not use it; "
                "take a new one."
            ),
            unit.id,
        )
    if recall is not None:
        raise _Refuse(
            e.UnitRecalled(
                f"{name} is recalled by notice {recall[0]} of {recall[1].isoformat()}. "
                "Do not use it; set it aside for return."
            ),
            unit.id,
        )
    if unit.status == "quarantined":
        raise _Refuse(
            e.UnitQuarantined(f"{name} is in quarantine ({unit.status_reason}). Do not use it."),
            unit.id,
        )
    if is_expired(unit.expiry, now, tz):
        raise _Refuse(
            e.UnitExpired(
                f"{name} expired on {unit.expiry.isoformat()}. Do not use it; take a unit from an "
                "unexpired lot."
            ),
            unit.id,
        )
    if scope_um is not None and unit.needle_length_um > scope_um:
        raise _Refuse(
            e.BeyondScope(
                f"{name} has {mm_text(unit.needle_length_um)} mm needles; {practitioner} may "
                f"use needles up to {mm_text(scope_um)} mm (scope of practice). Take a "
                "shorter cartridge."
            ),
            unit.id,
        )
    deeper = unit.needle_length_um > planned_depth_um
    if deeper and not allow_deeper:
        raise _Refuse(
            e.DeeperThanPlanned(
                f"{name} has {mm_text(unit.needle_length_um)} mm needles, deeper than the "
                f"{mm_text(planned_depth_um)} mm planned for this session. Confirm to use "
                "it anyway, or take a shorter cartridge."
            ),
            unit.id,
        )
    length = unit.needle_length_um
    # Outside the concern's range: asked once per needle length in the session (the
    # planned depth itself was confirmed when the session opened).
    outside = (
        concern is not None
        and not range_min_um <= length <= range_max_um
        and length != planned_depth_um
        and raw.one(_LENGTH_CONFIRMED, {"session": session_id, "length": length}) is None
    )
    if outside:
        kept = DepthRange(concern, range_min_um, range_max_um)
        said = (
            f"{name} has {mm_text(length)} mm needles, outside the clinic's range for "
            f"{kept.concern_words} ({kept.words})"
        )
        if not allow_outside_range:
            raise _Refuse(
                e.OutsideRange(
                    f"{said}. Confirm to use it anyway, or take a cartridge within the range."
                ),
                unit.id,
            )
    use = {
        "unit_id": unit.id,
        "session_id": session_id,
        "used_by": by.name,
        "used_by_id": by.staff_id or None,
        "used_at": now,
        "deeper_confirmed": deeper,
    }
    try:
        inserted = raw.one(
            _INSERT_USE,
            {
                "unit": unit.id,
                "session": session_id,
                "by": by.name,
                "by_id": use["used_by_id"],
                "at": now,
                "deeper": deeper,
            },
        )
        changed = raw.run(_MARK_USED, {"unit": unit.id, "at": now})
    except conn.dialect.loaded_dbapi.IntegrityError:
        inserted, changed = None, 0
    if changed != 1 or inserted is None:
        # Only possible if another writer got past the write lock: the database said no.
        raise _Refuse(
            e.UnitAlreadyUsed(
                f"{name} was used by another workstation a moment ago. Take a new one."
            ),
            unit.id,
        )
    audit.record(
        raw,
        at=now,
        by=by,
        action="use",
        entity="unit",
        entity_id=unit.code,
        old={"status": "in_stock"},
        new={"status": "used", "session": session_id, "deeper_confirmed": deeper},
        row=binding("unit_use", inserted[0], use),
    )
    message = f"{name}: OK to use."
    if deeper:
        message += f" Deeper than planned ({mm_text(unit.needle_length_um)} mm), confirmed."
    if outside:
        kind = "cartridge_outside_range"
        write_confirmation(conn, session_id, kind, f"{said}.", "", by=by, at=now, unit_id=unit.id)
        message += f" Outside the range for {kept.concern_words} ({kept.words}), confirmed."
    return verdict("used", message, deeper, outside)


def _find_unit(raw: Raw, scan: Scan) -> _Unit | None:
    if scan.unit_code:
        row = raw.one(_BY_CODE, {"code": scan.unit_code})
    else:
        row = raw.one(_BY_SERIAL, {"gtin": scan.gtin, "serial": scan.serial})
    return None if row is None else _Unit(*row)


def _unknown_message(scan: Scan) -> str:
    if scan.unit_code:
        return f"No unit with code {scan.unit_code} was ever received here. Check the label."
    return (
        f"No unit with GTIN {scan.gtin} and serial {scan.serial} was ever received here. "
        "Receive it first, or check the label."
    )
