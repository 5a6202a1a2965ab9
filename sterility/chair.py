"""The chair scan: one transaction that checks a unit and records its single use.

This is the hottest path in the app, so it is plain SQL over the open connection: no
ORM objects. The database has the last word: ``unit_use.unit_id`` is unique and the
status update only succeeds from ``in_stock``, so two workstations scanning the same
unit at the same instant can never both use it. Every refusal is recorded durably, in
its own transaction, after the failed attempt is rolled back.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Date, Row, bindparam, text
from sqlalchemy.exc import IntegrityError

from inventory import audit
from inventory.barcode import Scan, parse_for_use
from inventory.catalog import mm_text
from inventory.clock import is_expired, show_local
from inventory.db import Database, DatabaseBusy
from inventory.errors import BarcodeUnreadable
from inventory.settings import clinic_tz
from inventory.types import UTCDateTime
from sterility import errors as e

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

    @property
    def needle_length_mm(self) -> str:
        return mm_text(self.needle_length_um)

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "expiry": self.expiry.isoformat(),
            "at": self.at.isoformat(),
            "needle_length_mm": self.needle_length_mm,
        }


_SESSION = text(
    "SELECT id, closed_at, planned_depth_um FROM treatment_session WHERE id = :sid"
).columns(closed_at=UTCDateTime)

_UNIT_COLUMNS = (
    "SELECT u.id, u.code, u.serial, u.status, u.status_reason, l.lot_number, l.expiry, "
    "p.gtin, p.name, p.needle_length_um FROM unit u "
    "JOIN lot l ON l.id = u.lot_id JOIN product p ON p.id = u.product_id "
)
_BY_CODE = _UNIT_COLUMNS + "WHERE u.code = :code"
_BY_SERIAL = _UNIT_COLUMNS + "WHERE p.gtin = :gtin AND (u.serial = :serial OR u.code = :serial)"
# (by code?, lock the row?) -> statement; PostgreSQL locks the unit row while it decides.
_FIND = {
    (by_code, lock): text(
        (_BY_CODE if by_code else _BY_SERIAL) + (" FOR UPDATE OF u" if lock else "")
    ).columns(expiry=Date)
    for by_code in (True, False)
    for lock in (True, False)
}

_RECALL = text(
    "SELECT r.reference, r.notice_date FROM recall_item ri JOIN recall r ON r.id = ri.recall_id "
    "WHERE ri.gtin = :gtin AND ri.lot_number = :lot "
    "AND (ri.serial IS NULL OR ri.serial = :serial OR ri.serial = :code) "
    "ORDER BY r.id LIMIT 1"
).columns(notice_date=Date)
_PREVIOUS_USE = text("SELECT session_id, used_at FROM unit_use WHERE unit_id = :uid").columns(
    used_at=UTCDateTime
)
_INSERT_USE = text(
    "INSERT INTO unit_use (unit_id, session_id, used_by, used_at, deeper_confirmed) "
    "VALUES (:uid, :sid, :by, :at, :deeper)"
).bindparams(bindparam("at", type_=UTCDateTime))
_MARK_USED = text(
    "UPDATE unit SET status = 'used', status_reason = NULL, status_changed_at = :at "
    "WHERE id = :uid AND status = 'in_stock'"
).bindparams(bindparam("at", type_=UTCDateTime))
_INSERT_REFUSAL = text(
    "INSERT INTO refusal (session_id, unit_id, scanned, reason, message, refused_by, refused_at) "
    "VALUES (:sid, :uid, :scanned, :reason, :message, :by, :at) RETURNING id"
).bindparams(bindparam("at", type_=UTCDateTime))
_SESSION_EXISTS = text("SELECT 1 FROM treatment_session WHERE id = :sid")


class _Refuse(Exception):
    """Internal: leave the use transaction (rolling it back) with a refusal to record."""

    def __init__(self, error: e.ScanRefused, unit_id: int | None) -> None:
        self.error, self.unit_id = error, unit_id


def use_unit(
    db: Database,
    session_id: int,
    scanned: str,
    *,
    by: str,
    allow_deeper: bool = False,
    separator: str | None = None,
) -> Verdict:
    """Record that the scanned unit is used in the session, or refuse and record why."""
    try:
        scan = parse_for_use(scanned, separator=separator)
    except BarcodeUnreadable as exc:
        cls = e.NotAUnit if exc.code == "not_a_unit" else e.ScanUnreadable
        raise _recorded(db, session_id, None, scanned, cls(exc.message), by) from None
    try:
        with db.write() as conn:
            return _use(conn, db, session_id, scan, by=by, allow_deeper=allow_deeper)
    except _Refuse as refusal:
        raise _recorded(db, session_id, refusal.unit_id, scanned, refusal.error, by) from None
    except DatabaseBusy:
        who = (
            "Another workstation is handling this unit right now"
            if db.dialect == "postgresql"
            else "Another workstation or program is writing to the ledger right now"
        )
        busy = e.UnitBusy(f"{who}. The unit was not used; wait a moment and scan again.")
        try:
            raise _recorded(db, session_id, None, scanned, busy, by) from None
        except DatabaseBusy:
            log.warning(
                "refusal not recorded, database busy: session %s scan %r", session_id, scanned
            )
            raise busy from None


def _use(
    conn: Connection, db: Database, session_id: int, scan: Scan, *, by: str, allow_deeper: bool
) -> Verdict:
    session = conn.execute(_SESSION, {"sid": session_id}).first()
    if session is None:
        raise _Refuse(e.NoSuchSession(f"There is no treatment session {session_id}."), None)
    if session.closed_at is not None:
        raise _Refuse(
            e.SessionClosed(f"Session {session_id} is closed; open a new session to use a unit."),
            None,
        )
    unit = _find_unit(conn, scan)
    if unit is None:
        raise _Refuse(e.UnknownUnit(_unknown_message(scan)), None)
    now = db.clock.now(conn)
    tz = clinic_tz(conn)
    name = f"Unit {unit.code} ({unit.name}, lot {unit.lot_number})"

    def verdict(reason: str, message: str, deeper: bool = False) -> Verdict:
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
        )

    if unit.status == "used":
        previous = conn.execute(_PREVIOUS_USE, {"uid": unit.id}).one()
        if previous.session_id == session_id:
            return verdict(
                "already_in_this_session",
                f"{name} is already recorded in this session; nothing changed.",
            )
        raise _Refuse(
            e.UnitAlreadyUsed(
                f"{name} was already used in session {previous.session_id} at "
                f"{show_local(previous.used_at, tz)}. A unit is used once: take a new one."
            ),
            unit.id,
        )
    if unit.status == "wasted":
        raise _Refuse(
            e.UnitWasted(f"{name} was discarded as waste ({unit.status_reason}). Take a new one."),
            unit.id,
        )
    recall = conn.execute(
        _RECALL,
        {"gtin": unit.gtin, "lot": unit.lot_number, "serial": unit.serial, "code": unit.code},
    ).first()
    if recall is not None:
        raise _Refuse(
            e.UnitRecalled(
                f"{name} is recalled by notice {recall.reference} of "
                f"{recall.notice_date.isoformat()}. Do not use it; set it aside for return."
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
    deeper = unit.needle_length_um > session.planned_depth_um
    if deeper and not allow_deeper:
        raise _Refuse(
            e.DeeperThanPlanned(
                f"{name} has {mm_text(unit.needle_length_um)} mm needles, deeper than the "
                f"{mm_text(session.planned_depth_um)} mm planned for this session. Confirm to use "
                "it anyway, or take a shorter cartridge."
            ),
            unit.id,
        )
    try:
        with conn.begin_nested():
            conn.execute(
                _INSERT_USE,
                {"uid": unit.id, "sid": session_id, "by": by, "at": now, "deeper": deeper},
            )
            changed = conn.execute(_MARK_USED, {"uid": unit.id, "at": now}).rowcount
            if changed != 1:
                raise IntegrityError("unit no longer in stock", None, Exception())
    except IntegrityError:
        raise _Refuse(
            e.UnitAlreadyUsed(
                f"{name} was used by another workstation a moment ago. Take a new one."
            ),
            unit.id,
        ) from None
    audit.record(
        conn,
        at=now,
        actor=by,
        action="use",
        entity="unit",
        entity_id=unit.code,
        old={"status": "in_stock"},
        new={"status": "used", "session": session_id, "deeper_confirmed": deeper},
    )
    message = f"{name}: OK to use."
    if deeper:
        message += f" Deeper than planned ({mm_text(unit.needle_length_um)} mm), confirmed."
    return verdict("used", message, deeper)


def _find_unit(conn: Connection, scan: Scan) -> Row | None:
    statement = _FIND[(scan.unit_code is not None, conn.dialect.name == "postgresql")]
    return conn.execute(
        statement, {"code": scan.unit_code, "gtin": scan.gtin, "serial": scan.serial}
    ).first()


def _unknown_message(scan: Scan) -> str:
    if scan.unit_code:
        return f"No unit with code {scan.unit_code} was ever received here. Check the label."
    return (
        f"No unit with GTIN {scan.gtin} and serial {scan.serial} was ever received here. "
        "Receive it first, or check the label."
    )


def _recorded(
    db: Database,
    session_id: int | None,
    unit_id: int | None,
    scanned: str,
    error: e.ScanRefused,
    by: str,
) -> e.ScanRefused:
    """Write the refusal durably (its own transaction) and hand the error back to raise."""
    with db.write() as conn:
        now = db.clock.now(conn)
        sid = session_id if conn.execute(_SESSION_EXISTS, {"sid": session_id}).first() else None
        refusal_id = conn.execute(
            _INSERT_REFUSAL,
            {
                "sid": sid,
                "uid": unit_id,
                "scanned": scanned,
                "reason": error.code,
                "message": error.message,
                "by": by,
                "at": now,
            },
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            actor=by,
            action="refuse",
            entity="refusal",
            entity_id=refusal_id,
            new={"session": sid, "reason": error.code, "scanned": scanned},
        )
    error.refusal_id = refusal_id
    return error
