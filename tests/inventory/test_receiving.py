"""Receiving: a box scan creates its lot once and its units, or nothing at all."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from inventory import receiving, stock
from inventory.db import Database
from inventory.errors import (
    BarcodeUnreadable,
    InvalidInput,
    LotExpired,
    LotExpiryConflict,
    UnknownProduct,
)
from inventory.models import Lot, Receipt, Unit
from tests.conftest import GTIN_05, GTIN_10, GTIN_ROLLER, box
from tests.people import staff


def _count(db: Database, model) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_box_creates_its_units_per_pack(db: Database, products) -> None:
    result = receiving.receive(
        db, [box(GTIN_05, "A100")], by=staff("Manager"), supplier="MedSupply", invoice="INV-9"
    )
    assert result.units == 10
    line = result.lines[0]
    assert (line.gtin, line.lot, line.expiry) == (GTIN_05, "A100", date(2027, 1, 31))
    assert line.unit_codes[0] == f"U{result.receipt_id}-001"
    assert len(set(line.unit_codes)) == 10
    with db.read() as conn:
        units = stock.list_units(conn, lot="A100")
        receipt = conn.execute(select(Receipt)).one()
    assert [u.status for u in units] == ["in_stock"] * 10
    assert {u.product for u in units} == {"12-pin cartridge 0.5 mm"}
    assert (receipt.supplier, receipt.invoice, receipt.received_by) == (
        "MedSupply",
        "INV-9",
        "Manager",
    )


def test_units_option_overrides_the_pack_size(db: Database, products) -> None:
    result = receiving.receive(db, [box(GTIN_05)], by=staff("Manager"), units=3)
    assert result.units == 3


def test_serialised_unit_keeps_the_makers_serial(db: Database, products) -> None:
    result = receiving.receive(db, [box(GTIN_ROLLER, "R9", serial="SN42")], by=staff("Manager"))
    assert result.units == 1
    with db.read() as conn:
        (unit,) = stock.list_units(conn, lot="R9")
    assert unit.serial == "SN42"


def test_a_serial_is_received_only_once(db: Database, products) -> None:
    receiving.receive(db, [box(GTIN_ROLLER, "R9", serial="SN42")], by=staff("Manager"))
    with pytest.raises(InvalidInput, match="SN42 .* already received"):
        receiving.receive(db, [box(GTIN_ROLLER, "R9", serial="SN42")], by=staff("Manager"))


def test_several_boxes_share_one_receipt_and_the_lot_is_made_once(db: Database, products) -> None:
    result = receiving.receive(
        db, [box(GTIN_05, "A1"), box(GTIN_05, "A1"), box(GTIN_10, "B1")], by=staff("Manager")
    )
    assert result.units == 30
    assert _count(db, Lot) == 2
    assert _count(db, Receipt) == 1
    codes = [c for line in result.lines for c in line.unit_codes]
    assert len(set(codes)) == 30


def test_a_second_expiry_for_the_same_lot_is_refused(db: Database, products) -> None:
    receiving.receive(db, [box(GTIN_05, "A1", date(2027, 1, 31))], by=staff("Manager"))
    with pytest.raises(LotExpiryConflict, match="2027-01-31.*2027-02-28"):
        receiving.receive(db, [box(GTIN_05, "A1", date(2027, 2, 28))], by=staff("Manager"))
    assert _count(db, Unit) == 10


def test_expired_lot_is_refused(db: Database, products) -> None:
    # The test clock stands at 2026-03-10 in Brisbane.
    with pytest.raises(LotExpired, match="expired on 2026-03-09"):
        receiving.receive(db, [box(GTIN_05, "OLD", date(2026, 3, 9))], by=staff("Manager"))
    assert _count(db, Unit) == 0


def test_lot_expiring_today_can_still_be_received(db: Database, products) -> None:
    result = receiving.receive(db, [box(GTIN_05, "TODAY", date(2026, 3, 10))], by=staff("Manager"))
    assert result.units == 10


def test_unknown_gtin_says_to_add_the_product_first(db: Database, products) -> None:
    with pytest.raises(UnknownProduct, match=r"04012345678901 is not in the catalogue") as refused:
        receiving.receive(db, [box("04012345678901")], by=staff("Manager"))
    assert refused.value.gtin == "04012345678901"
    assert "--" not in refused.value.message  # no command-line flags in a domain sentence


def test_one_bad_scan_saves_nothing(db: Database, products) -> None:
    with pytest.raises(BarcodeUnreadable):
        receiving.receive(db, [box(GTIN_05, "A1"), "0104012345678902"], by=staff("Manager"))
    assert (_count(db, Unit), _count(db, Receipt), _count(db, Lot)) == (0, 0, 0)


def test_unit_listing_filters_by_status_and_lot(db: Database, stocked) -> None:
    with db.read() as conn:
        assert len(stock.list_units(conn)) == 21
        assert len(stock.list_units(conn, lot="B200")) == 10
        assert stock.list_units(conn, status="used") == []
        assert stock.count_by_status(conn)["in_stock"] == 21
    with db.read() as conn, pytest.raises(InvalidInput, match="not a unit status"):
        stock.list_units(conn, status="gone")


def test_a_box_with_its_own_serial_still_holds_its_units(db: Database, products) -> None:
    from inventory import catalog
    from inventory.barcode import element_string

    catalog.add_product(
        db,
        gtin="19506000100026",
        maker="Lumina",
        name="Box of 10",
        kind="pen_cartridge",
        needle_count=12,
        needle_length_mm="0.5",
        sterilization="EO",
        units_per_pack=10,
        by=staff("Manager"),
    )
    scan = element_string("19506000100026", date(2027, 1, 31), "P1", "BOXSN1")
    result = receiving.receive(db, [scan], by=staff("Manager"))
    assert result.units == 10
    with db.read() as conn:
        assert {u.serial for u in stock.list_units(conn, lot="P1")} == {None}


def test_a_count_over_the_limit_is_refused(db: Database, products) -> None:
    with pytest.raises(InvalidInput, match="at most 10000"):
        receiving.receive(db, ["01095060001000291727013110C1\x1d3020000"], by=staff("Manager"))
    assert _count(db, Unit) == 0


def test_a_serialised_box_of_a_ten_pack_makes_ten_units_and_is_received_once(
    db: Database, products
) -> None:
    """The catalogue says 10 per pack: the serial on the box is the box's, not a unit's."""
    result = receiving.receive(db, [box(GTIN_05, "B7", serial="BOX-77")], by=staff("Manager"))
    assert result.units == 10
    with db.read() as conn:
        units = stock.list_units(conn, lot="B7")
    assert len(units) == 10 and len({u.code for u in units}) == 10
    with pytest.raises(InvalidInput, match="BOX-77"):
        receiving.receive(db, [box(GTIN_05, "B7", serial="BOX-77")], by=staff("Manager"))
