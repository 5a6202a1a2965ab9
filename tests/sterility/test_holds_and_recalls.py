"""Quarantine, release, waste and recalls: stock held back, and clients traced."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inventory import audit, stock
from inventory.db import Database
from inventory.errors import InvalidInput, LedgerError, NotFound
from sterility import errors as e
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from sterility.models import Recall
from tests.conftest import GTIN_05, GTIN_10
from tests.people import clear_intake, staff


def _codes(receipt, lot: str) -> list[str]:
    return next(line.unit_codes for line in receipt.lines if line.lot == lot)


def _statuses(db: Database, lot: str) -> dict[str, str]:
    with db.read() as conn:
        return {u.code: u.status for u in stock.list_units(conn, lot=lot)}


def test_quarantine_a_whole_lot_then_release_it(db: Database, stocked) -> None:
    result = holds.quarantine(db, "A100", reason="supplier warning", by=staff("Manager"))
    assert len(result.changed) == 10
    assert set(_statuses(db, "A100").values()) == {"quarantined"}
    holds.release(db, "A100", reason="supplier cleared the lot", by=staff("Manager"))
    assert set(_statuses(db, "A100").values()) == {"in_stock"}
    with db.read() as conn:
        report = audit.verify(conn)
        events = conn.exec_driver_sql(
            "SELECT count(*) FROM audit_event WHERE action IN ('quarantine', 'release')"
        ).scalar()
    assert report.ok and events == 20


def test_release_and_waste_need_a_reason(db: Database, stocked) -> None:
    for move in (holds.quarantine, holds.release, holds.waste):
        with pytest.raises(InvalidInput, match="reason is required"):
            move(db, "A100", reason=" ", by=staff("Manager"))


def test_waste_is_final(db: Database, stocked) -> None:
    code = _codes(stocked, "A100")[0]
    holds.waste(db, code, reason="package breached", by=staff("Manager"))
    with pytest.raises(LedgerError, match="is wasted"):
        holds.release(db, code, reason="oops", by=staff("Manager"))
    with pytest.raises(LedgerError, match="is wasted"):
        holds.quarantine(db, code, reason="again", by=staff("Manager"))
    assert _statuses(db, "A100")[code] == "wasted"


def test_used_units_are_left_alone_by_a_lot_quarantine(db: Database, stocked) -> None:
    sid = sessions.open_session(
        db, client_ref="C-1", practitioner="Dr H", area="face", depth_mm="0.5", by=staff("Dr H"),
        intake=clear_intake(),
    ).id
    used = _codes(stocked, "A100")[0]
    use_unit(db, sid, used, by=staff("Dr H"))
    result = holds.quarantine(db, "A100", reason="suspected", by=staff("Manager"))
    assert used not in result.changed and result.skipped[used] == "is used"
    assert _statuses(db, "A100")[used] == "used"


def test_unknown_target_is_named(db: Database, stocked) -> None:
    with pytest.raises(NotFound, match="No unit or lot called 'NOPE'"):
        holds.quarantine(db, "NOPE", reason="x", by=staff("Manager"))


def test_recall_quarantines_stock_and_traces_the_clients(db: Database, stocked, clock) -> None:
    sid = sessions.open_session(
        db, client_ref="C-2040", practitioner="李静", area="neck", depth_mm="1.0", by=staff("李静"),
        intake=clear_intake(),
    ).id
    used = _codes(stocked, "B200")[0]
    use_unit(db, sid, used, by=staff("李静"))
    clock.advance(days=3)
    result = recalls.enter_recall(
        db,
        gtin=GTIN_10,
        lots=["B200"],
        reference="FSN-2026-117",
        notice_text="Field Safety Notice: seal breach.\nReturn all units.",
        by=staff("Manager"),
    )
    assert len(result.quarantined) == 9
    assert [(t.session_id, t.client_ref, t.practitioner, t.unit_code) for t in result.trace] == [
        (sid, "C-2040", "李静", used)
    ]
    statuses = _statuses(db, "B200")
    assert statuses[used] == "used"
    assert sorted(set(statuses.values())) == ["quarantined", "used"]
    with db.read() as conn:
        notice = conn.execute(select(Recall.notice_text)).scalar_one()
        traced = recalls.trace_uses(conn, GTIN_10, ["B200"], keys=staff("Manager").keys)
        assert traced[0].client_ref == "C-2040"
    assert notice == "Field Safety Notice: seal breach.\nReturn all units."


def test_a_recalled_unit_cannot_be_released(db: Database, stocked) -> None:
    recalls.enter_recall(
        db, gtin=GTIN_10, lots=["B200"], reference="R1", notice_text="x", by=staff("Manager")
    )
    with pytest.raises(LedgerError, match="under a recall"):
        holds.release(db, "B200", reason="we think it is fine", by=staff("Manager"))


def test_recall_of_single_serials(db: Database, stocked) -> None:
    codes = _codes(stocked, "A100")
    result = recalls.enter_recall(
        db,
        gtin=GTIN_05,
        lots=["A100"],
        serials=[codes[1]],
        reference="R2",
        notice_text="one unit",
        by=staff("Manager"),
    )
    assert result.quarantined == [codes[1]]
    sid = sessions.open_session(
        db, client_ref="C-3", practitioner="Dr H", area="face", depth_mm="0.5", by=staff("Dr H"),
        intake=clear_intake(),
    ).id
    assert use_unit(db, sid, codes[0], by=staff("Dr H")).accepted
    with pytest.raises(e.UnitRecalled):
        use_unit(db, sid, codes[1], by=staff("Dr H"))


def test_closed_recall_keeps_history_and_still_blocks(db: Database, stocked) -> None:
    result = recalls.enter_recall(
        db, gtin=GTIN_10, lots=["B200"], reference="R3", notice_text="text", by=staff("Manager")
    )
    recalls.close_recall(db, result.recall_id, note="all units returned", by=staff("Manager"))
    with db.read() as conn:
        (info,) = recalls.list_recalls(conn)
        assert recalls.list_recalls(conn, open_only=True) == []
    assert (info.close_note, info.lots) == ("all units returned", ["B200"])
    sid = sessions.open_session(
        db, client_ref="C-4", practitioner="Dr H", area="face", depth_mm="1.0", by=staff("Dr H"),
        intake=clear_intake(),
    ).id
    with pytest.raises(e.UnitRecalled):
        use_unit(db, sid, _codes(stocked, "B200")[5], by=staff("Dr H"))
    with pytest.raises(InvalidInput, match="already closed"):
        recalls.close_recall(db, result.recall_id, note="again", by=staff("Manager"))


def test_a_recall_lot_longer_than_a_gs1_lot_is_refused(db: Database, stocked) -> None:
    with pytest.raises(InvalidInput, match="lot number is longer than 20"):
        recalls.enter_recall(
            db, gtin=GTIN_05, lots=["L" * 25], reference="R1", notice_text="x", by=staff("Manager")
        )


def test_the_notice_date_defaults_to_the_clinics_date(db: Database, stocked, clock) -> None:
    from datetime import UTC, date, datetime

    clock.at = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 09:30 on 11 March in Brisbane
    recalls.enter_recall(
        db, gtin=GTIN_05, lots=["A100"], reference="R1", notice_text="x", by=staff("Manager")
    )
    with db.read() as conn:
        (info,) = recalls.list_recalls(conn)
    assert info.notice_date == date(2026, 3, 11)
