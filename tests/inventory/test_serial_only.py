"""Serial-only labels: a UDI may carry a serial instead of a lot (21 CFR 801.40).

A unit label with (01), (17) and (21) but no (10) is received, found at the chair by
GTIN and serial, and reached by a recall that names its serial; a label with neither a
lot nor a serial is still refused.
"""

from __future__ import annotations

from datetime import date

import pytest

from inventory import receiving, stock
from inventory.barcode import element_string
from inventory.db import Database
from inventory.errors import BarcodeUnreadable
from sterility import recalls, sessions
from sterility.chair import use_unit
from sterility.errors import UnitExpired, UnitRecalled
from tests.conftest import GTIN_05, GTIN_ROLLER
from tests.people import clear_intake, staff


def _label(serial: str, expiry: date = date(2027, 1, 31)) -> str:
    return element_string(GTIN_ROLLER, expiry, None, serial)


def _session(db: Database) -> int:
    return sessions.open_session(
        db, client_ref="C-7", practitioner="Sam", area="scalp", depth_mm="1.5", by=staff("Sam"),
        intake=clear_intake(),
    ).id


def test_a_serial_only_label_is_received_as_one_unit_without_a_lot(db: Database, products) -> None:
    result = receiving.receive(db, [_label("RS-1"), _label("RS-2")], by=staff("Manager"))
    assert [(line.lot, line.serial, line.count) for line in result.lines] == [
        (None, "RS-1", 1),
        (None, "RS-2", 1),
    ]
    with db.read() as conn:
        units = stock.list_units(conn, gtin=GTIN_ROLLER)
        lots = conn.exec_driver_sql("SELECT count(*) FROM lot WHERE lot_number IS NULL")
        assert lots.scalar_one() == 1  # one lot-less batch per product and expiry
    assert {(u.serial, u.lot, u.expiry) for u in units} == {
        ("RS-1", None, date(2027, 1, 31)),
        ("RS-2", None, date(2027, 1, 31)),
    }


def test_serial_only_units_of_two_expiries_do_not_conflict(db: Database, products) -> None:
    receiving.receive(db, [_label("RS-1", date(2027, 1, 31))], by=staff("Manager"))
    receiving.receive(db, [_label("RS-2", date(2027, 6, 30))], by=staff("Manager"))
    with db.read() as conn:
        expiries = {u.serial: u.expiry for u in stock.list_units(conn, gtin=GTIN_ROLLER)}
    assert expiries == {"RS-1": date(2027, 1, 31), "RS-2": date(2027, 6, 30)}


def test_the_chair_finds_it_by_gtin_and_serial_and_checks_its_expiry(
    db: Database, products, clock
) -> None:
    receiving.receive(db, [_label("RS-1"), _label("RS-2", date(2026, 3, 31))], by=staff("Manager"))
    session = _session(db)
    verdict = use_unit(db, session, _label("RS-1"), by=staff("Sam"))
    assert verdict.accepted and verdict.lot is None and verdict.expiry == date(2027, 1, 31)
    clock.advance(days=30)  # 2026-04-09 in Brisbane: RS-2 has expired
    with pytest.raises(UnitExpired):
        use_unit(db, session, _label("RS-2", date(2026, 3, 31)), by=staff("Sam"))


def test_a_recall_by_serial_reaches_units_received_without_a_lot(db: Database, products) -> None:
    receiving.receive(db, [_label("RS-1"), _label("RS-2"), _label("RS-3")], by=staff("Manager"))
    session = _session(db)
    use_unit(db, session, _label("RS-1"), by=staff("Sam"))
    result = recalls.enter_recall(
        db,
        gtin=GTIN_ROLLER,
        lots=[],
        serials=["RS-1", "RS-2"],
        reference="FSN-SER-1",
        notice_text="Serials RS-1 and RS-2: needle plate may detach.",
        by=staff("Manager"),
    )
    assert [row.serial for row in result.trace] == ["RS-1"]  # the client to call back
    with db.read() as conn:
        status = {u.serial: u.status for u in stock.list_units(conn, gtin=GTIN_ROLLER)}
    assert status == {"RS-1": "used", "RS-2": "quarantined", "RS-3": "in_stock"}
    with pytest.raises(UnitRecalled, match="FSN-SER-1"):
        use_unit(db, session, _label("RS-2"), by=staff("Sam"))
    assert use_unit(db, session, _label("RS-3"), by=staff("Sam")).accepted


def test_a_label_with_neither_lot_nor_serial_is_refused(db: Database, products) -> None:
    with pytest.raises(BarcodeUnreadable) as refused:
        receiving.receive(
            db, [element_string(GTIN_05, date(2027, 1, 31), None, None)], by=staff("M")
        )
    assert refused.value.code == "missing_lot"
