"""At the chair: a cartridge outside the range of the session's concern is confirmed once
per needle length, and the confirmation is written with the use."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from inventory import audit, receiving
from inventory.db import Database
from sterility import errors as e
from sterility import intake, sessions
from sterility.care_models import SessionConfirmation
from sterility.chair import use_unit
from sterility.models import Refusal, UnitUse
from sterility.refusals import reason_words
from tests.people import clear_intake, staff

SAM = staff("Sam")


def _codes(receipt: receiving.ReceiptResult, lot: str) -> list[str]:
    return next(line.unit_codes for line in receipt.lines if line.lot == lot)


def _session(db: Database, concern: str, depth: str, client: str = "C-1") -> int:
    return sessions.open_session(
        db,
        client_ref=client,
        area="face",
        depth_mm=depth,
        by=SAM,
        intake=clear_intake(concern=concern),
    ).id


def _confirmations(db: Database, session_id: int) -> list[intake.Confirmation]:
    with db.read() as conn:
        return [
            c
            for c in intake.confirmations_of(conn, session_id)
            if c.kind == "cartridge_outside_range"
        ]


def test_a_cartridge_outside_the_range_is_confirmed_once_per_length(
    db: Database, stocked: receiving.ReceiptResult
) -> None:
    sid = _session(db, "acne_scars", "1.0")  # 1.0 to 2.5 mm
    short = _codes(stocked, "A100")  # 0.5 mm
    with pytest.raises(e.OutsideRange) as refused:
        use_unit(db, sid, short[0], by=SAM)
    message = refused.value.message
    assert "0.5 mm needles, outside the clinic's range for acne scars (1.0 to 2.5 mm)" in message
    assert reason_words("outside_range") == "needles outside the concern's depth range"
    with db.read() as conn:
        (row,) = conn.execute(select(Refusal)).all()
        assert conn.execute(select(func.count()).select_from(UnitUse)).scalar() == 0
    assert (row.reason, row.session_id) == ("outside_range", sid)
    assert _confirmations(db, sid) == []

    verdict = use_unit(db, sid, short[0], by=SAM, allow_outside_range=True)
    assert verdict.accepted and verdict.outside_range_confirmed and not verdict.deeper_confirmed
    assert "Outside the range for acne scars (1.0 to 2.5 mm), confirmed." in verdict.message
    (confirmed,) = _confirmations(db, sid)
    assert (confirmed.unit_code, confirmed.confirmed_by, confirmed.reason) == (short[0], "Sam", "")
    assert "0.5 mm needles" in confirmed.warning

    # The same length again in this session: not asked, nothing more written.
    again = use_unit(db, sid, short[1], by=SAM)
    assert again.accepted and not again.outside_range_confirmed
    assert len(_confirmations(db, sid)) == 1
    # Within the range: nothing asked either.
    assert use_unit(db, sid, _codes(stocked, "B200")[0], by=SAM).accepted
    # Another session asks again.
    other = _session(db, "acne_scars", "1.0", client="C-2")
    with pytest.raises(e.OutsideRange):
        use_unit(db, other, short[2], by=SAM)
    with db.read() as conn:
        assert audit.verify(conn).ok
        outside = select(func.count()).where(SessionConfirmation.kind == "cartridge_outside_range")
        assert conn.execute(outside).scalar() == 1


def test_the_planned_depth_confirmed_at_open_is_not_asked_again(
    db: Database, stocked: receiving.ReceiptResult
) -> None:
    """A session planned at 0.5 mm for acne scars had its depth confirmed when it opened:
    a 0.5 mm cartridge is what was planned."""
    sid = _session(db, "acne_scars", "0.5")
    verdict = use_unit(db, sid, _codes(stocked, "A100")[0], by=SAM)
    assert verdict.accepted and not verdict.outside_range_confirmed
    assert _confirmations(db, sid) == []


def test_deeper_than_planned_and_outside_the_range_are_each_confirmed(
    db: Database, stocked: receiving.ReceiptResult
) -> None:
    sid = _session(db, "texture", "0.5")  # 0.5 to 1.0 mm
    roller = _codes(stocked, "R1")[0]  # 1.5 mm
    with pytest.raises(e.DeeperThanPlanned):
        use_unit(db, sid, roller, by=SAM)
    with pytest.raises(e.OutsideRange):
        use_unit(db, sid, roller, by=SAM, allow_deeper=True)
    with pytest.raises(e.DeeperThanPlanned):
        use_unit(db, sid, roller, by=SAM, allow_outside_range=True)
    verdict = use_unit(db, sid, roller, by=SAM, allow_deeper=True, allow_outside_range=True)
    assert verdict.deeper_confirmed and verdict.outside_range_confirmed
    assert verdict.as_dict()["outside_range_confirmed"] is True
    assert [c.unit_code for c in _confirmations(db, sid)] == [roller]
    with db.read() as conn:
        assert [r.reason for r in conn.execute(select(Refusal.reason).order_by(Refusal.id))] == [
            "deeper_than_planned",
            "outside_range",
            "deeper_than_planned",
        ]
        assert audit.verify(conn).ok
