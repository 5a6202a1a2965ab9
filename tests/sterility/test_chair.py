"""At the chair: yes with the unit, or no with the reason, and every no is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from inventory import audit, receiving
from inventory.barcode import element_string
from inventory.clock import FixedClock
from inventory.db import Database
from sterility import errors as e
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from sterility.models import Refusal, UnitUse
from tests.conftest import GTIN_05, GTIN_10, GTIN_ROLLER, box
from tests.people import clear_intake, staff


def _session(db: Database, depth: str = "1.0", practitioner: str = "Dr Haddad") -> int:
    return sessions.open_session(
        db,
        client_ref="C-1001",
        practitioner=practitioner,
        area="face",
        depth_mm=depth,
        by=staff(practitioner),
        intake=clear_intake(),
    ).id


def _codes(receipt: receiving.ReceiptResult, lot: str) -> list[str]:
    return next(line.unit_codes for line in receipt.lines if line.lot == lot)


def _refusals(db: Database) -> list:
    with db.read() as conn:
        return conn.execute(select(Refusal).order_by(Refusal.id)).all()


def test_a_good_unit_is_accepted_and_recorded(db: Database, stocked) -> None:
    sid = _session(db)
    code = _codes(stocked, "A100")[0]
    verdict = use_unit(db, sid, code, by=staff("Dr Haddad"))
    assert verdict.accepted and verdict.reason == "used"
    assert (verdict.unit_code, verdict.lot, verdict.product) == (
        code,
        "A100",
        "12-pin cartridge 0.5 mm",
    )
    assert "OK to use" in verdict.message
    with db.read() as conn:
        (use,) = conn.execute(select(UnitUse)).all()
        assert [u.unit_code for u in sessions.session_uses(conn, sid)] == [code]
        assert audit.verify(conn).ok
    assert (use.session_id, use.used_by) == (sid, "Dr Haddad")


def test_a_serialised_unit_is_found_by_gtin_and_serial(db: Database, stocked) -> None:
    sid = _session(db, depth="1.5")
    verdict = use_unit(
        db,
        sid,
        element_string(GTIN_ROLLER, date(2027, 1, 31), "R1", "SN0001"),
        by=staff("Dr Haddad"),
    )
    assert verdict.accepted and verdict.lot == "R1"


def test_rescan_in_the_same_session_is_a_no_op(db: Database, stocked) -> None:
    sid = _session(db)
    code = _codes(stocked, "A100")[0]
    use_unit(db, sid, code, by=staff("Dr Haddad"))
    again = use_unit(db, sid, code, by=staff("Dr Haddad"))
    assert again.accepted and again.reason == "already_in_this_session"
    assert "already recorded in this session" in again.message
    with db.read() as conn:
        assert len(conn.execute(select(UnitUse)).all()) == 1
    assert _refusals(db) == []


def test_used_in_another_session_is_refused_with_session_and_time(
    db: Database, stocked, clock: FixedClock
) -> None:
    first, second = _session(db), _session(db, practitioner="Sam Okafor")
    code = _codes(stocked, "A100")[0]
    use_unit(db, first, code, by=staff("Dr Haddad"))
    clock.advance(minutes=30)
    with pytest.raises(e.UnitAlreadyUsed) as refused:
        use_unit(db, second, code, by=staff("Sam Okafor"))
    # Used at 01:30 UTC = 11:30 in Brisbane (UTC+10).
    assert f"already used in session {first} at 2026-03-10 11:30:00 +10:00" in refused.value.message
    (row,) = _refusals(db)
    assert (row.session_id, row.reason, row.scanned, row.refused_by) == (
        second,
        "already_used",
        code,
        "Sam Okafor",
    )
    assert row.id == refused.value.refusal_id


def _expiring(db: Database, expiry_text: str) -> str:
    """Receive a box whose GS1 expiry is given as printed (YYMMDD, day 00 allowed)."""
    scan = f"01{GTIN_05}17{expiry_text}10EXP{expiry_text}"
    result = receiving.receive(db, [scan], by=staff("Manager"))
    return result.lines[0].unit_codes[0]


@pytest.mark.parametrize(
    ("local_time", "accepted"),
    [
        # Brisbane is UTC+10 all year: 23:59 on the expiry day is still fine...
        (datetime(2026, 3, 31, 13, 59, tzinfo=UTC), True),
        # ...08:30 the next morning is 22:30 UTC on the expiry day, and is refused.
        (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), False),
    ],
)
def test_expiry_is_checked_against_the_clinics_local_date(
    db: Database, products, clock: FixedClock, local_time: datetime, accepted: bool
) -> None:
    code = _expiring(db, "260331")
    clock.at = local_time
    sid = _session(db, depth="0.5")
    if accepted:
        assert use_unit(db, sid, code, by=staff("Dr Haddad")).accepted
        return
    with pytest.raises(e.UnitExpired, match="expired on 2026-03-31"):
        use_unit(db, sid, code, by=staff("Dr Haddad"))
    assert _refusals(db)[0].reason == "expired"


@pytest.mark.parametrize(
    ("when", "accepted"),
    [
        (datetime(2026, 4, 30, 13, 0, tzinfo=UTC), True),  # 23:00 on 30 April in Brisbane
        (datetime(2026, 4, 30, 14, 0, tzinfo=UTC), False),  # 00:00 on 1 May
    ],
)
def test_day_00_means_the_end_of_the_month(
    db: Database, products, clock: FixedClock, when: datetime, accepted: bool
) -> None:
    code = _expiring(db, "260400")
    clock.at = when
    sid = _session(db, depth="0.5")
    if accepted:
        assert use_unit(db, sid, code, by=staff("Dr Haddad")).expiry == date(2026, 4, 30)
    else:
        with pytest.raises(e.UnitExpired, match="2026-04-30"):
            use_unit(db, sid, code, by=staff("Dr Haddad"))


def test_recalled_unit_is_refused_with_the_notice(db: Database, stocked) -> None:
    recalls.enter_recall(
        db,
        gtin=GTIN_10,
        lots=["B200"],
        reference="FSN-117",
        notice_text="Seal breach",
        by=staff("Manager"),
    )
    sid = _session(db)
    with pytest.raises(e.UnitRecalled, match="recalled by notice FSN-117"):
        use_unit(db, sid, _codes(stocked, "B200")[0], by=staff("Dr Haddad"))


def test_quarantined_unit_is_refused_with_its_reason(db: Database, stocked) -> None:
    code = _codes(stocked, "A100")[2]
    holds.quarantine(db, code, reason="package dented", by=staff("Manager"))
    with pytest.raises(e.UnitQuarantined, match=r"quarantine \(package dented\)"):
        use_unit(db, _session(db), code, by=staff("Dr Haddad"))


def test_wasted_unit_is_refused(db: Database, stocked) -> None:
    code = _codes(stocked, "A100")[3]
    holds.waste(db, code, reason="dropped", by=staff("Manager"))
    with pytest.raises(e.UnitWasted, match=r"discarded as waste \(dropped\)"):
        use_unit(db, _session(db), code, by=staff("Dr Haddad"))


def test_unknown_code_is_refused(db: Database, stocked) -> None:
    with pytest.raises(e.UnknownUnit, match="No unit with code U999-001"):
        use_unit(db, _session(db), "U999-001", by=staff("Dr Haddad"))


def test_unreadable_scan_is_refused_and_recorded(db: Database, stocked) -> None:
    sid = _session(db)
    with pytest.raises(e.ScanUnreadable):
        use_unit(db, sid, "]J1garbage", by=staff("Dr Haddad"))
    assert [(r.reason, r.scanned) for r in _refusals(db)] == [("unreadable", "]J1garbage")]


def test_box_barcode_is_not_a_unit(db: Database, stocked) -> None:
    with pytest.raises(e.NotAUnit, match="label"):
        use_unit(db, _session(db), box(GTIN_05, "A100"), by=staff("Dr Haddad"))


def test_closed_session_refuses_scans(db: Database, stocked) -> None:
    sid = _session(db)
    sessions.close_session(db, sid, by=staff("Dr Haddad"), adverse="none")
    with pytest.raises(e.SessionClosed):
        use_unit(db, sid, _codes(stocked, "A100")[0], by=staff("Dr Haddad"))


def test_missing_session_is_refused_and_still_recorded(db: Database, stocked) -> None:
    with pytest.raises(e.NoSuchSession):
        use_unit(db, 999, _codes(stocked, "A100")[0], by=staff("Dr Haddad"))
    (row,) = _refusals(db)
    assert (row.session_id, row.reason) == (None, "no_session")


def test_deeper_than_planned_needs_confirmation_and_is_recorded(db: Database, stocked) -> None:
    sid = _session(db, depth="0.5")
    code = _codes(stocked, "B200")[0]  # 1.0 mm needles
    with pytest.raises(e.DeeperThanPlanned, match="1.0 mm needles, deeper than the 0.5 mm"):
        use_unit(db, sid, code, by=staff("Dr Haddad"))
    verdict = use_unit(db, sid, code, by=staff("Dr Haddad"), allow_deeper=True)
    assert verdict.accepted and verdict.deeper_confirmed
    assert "confirmed" in verdict.message
    with db.read() as conn:
        assert conn.execute(select(UnitUse.deeper_confirmed)).scalar_one() is True
    assert [r.reason for r in _refusals(db)] == ["deeper_than_planned"]


def test_several_units_in_one_session(db: Database, stocked) -> None:
    sid = _session(db)
    for code in _codes(stocked, "A100")[:2]:  # a jammed cartridge is replaced
        use_unit(db, sid, code, by=staff("Dr Haddad"))
    with db.read() as conn:
        assert len(sessions.session_uses(conn, sid)) == 2


def test_every_refusal_has_an_audit_event(db: Database, stocked) -> None:
    sid = _session(db)
    for scan in ("U999-001", "]J1x"):
        with pytest.raises(e.ScanRefused):
            use_unit(db, sid, scan, by=staff("Dr Haddad"))
    with db.read() as conn:
        report = audit.verify(conn)
        refusals = conn.exec_driver_sql(
            "SELECT count(*) FROM audit_event WHERE action = 'refuse'"
        ).scalar()
    assert report.ok and refusals == 2


def test_a_scan_with_a_nul_byte_is_refused_and_recorded(db: Database, stocked) -> None:
    sid = _session(db)
    with pytest.raises(e.ScanUnreadable):
        use_unit(db, sid, box(GTIN_05, "A100") + "\x00", by=staff("Dr Haddad"))
    (row,) = _refusals(db)
    assert row.reason == "unreadable" and row.scanned.endswith("\\x00")


def test_a_label_that_disagrees_with_the_received_lot_is_refused(db: Database, stocked) -> None:
    sid = _session(db, depth="1.5")
    wrong_expiry = element_string(GTIN_ROLLER, date(2025, 1, 31), "R1", "SN0001")
    with pytest.raises(e.LabelMismatch, match="received as lot R1, expiry 2027-01-31"):
        use_unit(db, sid, wrong_expiry, by=staff("Dr Haddad"))
    wrong_lot = element_string(GTIN_ROLLER, date(2027, 1, 31), "R2", "SN0001")
    with pytest.raises(e.LabelMismatch, match="label says lot R2"):
        use_unit(db, sid, wrong_lot, by=staff("Dr Haddad"))
    assert [r.reason for r in _refusals(db)] == ["label_mismatch", "label_mismatch"]
