"""Recording a refusal: what was scanned, where, why, by whom, when; every one is kept.

A refused scan at the chair, and a session refused for being beyond a practitioner's
scope, are written here in their own transaction, after the attempt was rolled back,
so the refusal is durable even though nothing else was saved.
"""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select

from inventory import audit
from inventory.access import Actor
from inventory.bindings import binding
from inventory.db import Database
from inventory.rawsql import Raw, Statement
from sterility.errors import ScanRefused
from sterility.models import Refusal, TreatmentSession

# Each refusal reason (sterility.errors.REFUSALS) in words, for lists and reports.
REASON_WORDS = {
    "already_used": "already used",
    "already_in_this_session": "already recorded in this session",
    "expired": "lot expired",
    "recalled": "lot or unit recalled",
    "quarantined": "unit in quarantine",
    "wasted": "unit discarded as waste",
    "returned": "unit returned to the supplier",
    "unknown_code": "unknown unit code",
    "unreadable": "label could not be read",
    "not_a_unit": "not a unit label",
    "session_closed": "session already closed",
    "no_session": "no such session",
    "deeper_than_planned": "needles deeper than planned",
    "label_mismatch": "label does not match what was received",
    "not_your_session": "another practitioner's session",
    "beyond_scope": "beyond the practitioner's scope of practice",
    "unit_busy": "unit busy at another workstation",
    "screening_positive": "screening positive, no manager's override",
    "outside_range": "needles outside the concern's depth range",
    "pack_quarantined": "instrument pack quarantined (failed indicator)",
    "pack_used": "instrument pack already used",
    "pack_unknown": "unknown instrument pack",
    "refused": "refused",
}


def reason_words(code: str) -> str:
    """A refusal reason in words (an unknown code is shown with spaces)."""
    return REASON_WORDS.get(code, code.replace("_", " "))


_REFUSAL, _S = Refusal.__table__, TreatmentSession.__table__
_INSERT_REFUSAL = Statement(
    insert(_REFUSAL)
    .values(
        session_id=bindparam("session"),
        unit_id=bindparam("unit"),
        scanned=bindparam("scanned"),
        reason=bindparam("reason"),
        message=bindparam("message"),
        refused_by=bindparam("by"),
        refused_by_id=bindparam("by_id"),
        refused_at=bindparam("at"),
    )
    .returning(_REFUSAL.c.id)
)
_SESSION_EXISTS = Statement(select(_S.c.id).where(_S.c.id == bindparam("session")))


def record_refusal(
    db: Database,
    session_id: int | None,
    unit_id: int | None,
    scanned: str,
    error: ScanRefused,
    by: Actor,
) -> ScanRefused:
    """Write the refusal durably (its own transaction) and hand the error back to raise."""
    with db.write() as conn:
        raw = Raw(conn)
        now = db.now(conn)
        exists = session_id is not None and raw.one(_SESSION_EXISTS, {"session": session_id})
        sid = session_id if exists else None
        scanned = scanned.replace("\x00", "\\x00")  # as typed; PostgreSQL text holds no NUL
        values = {
            "session_id": sid,
            "unit_id": unit_id,
            "scanned": scanned,
            "reason": error.code,
            "message": error.message,
            "refused_by": by.name,
            "refused_by_id": by.staff_id or None,
            "refused_at": now,
        }
        found = raw.one(
            _INSERT_REFUSAL,
            {
                "session": sid,
                "unit": unit_id,
                "scanned": scanned,
                "reason": error.code,
                "message": error.message,
                "by": by.name,
                "by_id": values["refused_by_id"],
                "at": now,
            },
        )
        assert found is not None
        (refusal_id,) = found
        audit.record(
            raw,
            at=now,
            by=by,
            action="refuse",
            entity="refusal",
            entity_id=refusal_id,
            new={"session": sid, "reason": error.code, "scanned": scanned},
            row=binding("refusal", refusal_id, values),
        )
    error.refusal_id = refusal_id
    return error
