"""The Receive screen's preview is receiving's own rule: it never says yes where receive says no.

Each case is a delivery as scanned; ``preview`` must name the same first problem (its
type and sentence) that ``receive`` raises, or, when it finds none, receiving must
create exactly the units the preview announced.
"""

from __future__ import annotations

from datetime import date

import pytest

from inventory import catalog, receiving
from inventory.barcode import element_string, parse_for_receiving
from inventory.db import Database
from tests.conftest import GTIN_05, GTIN_10, GTIN_ROLLER, box
from tests.people import staff

PACK_05 = "19506000100026"  # the 0.5 mm cartridge's box GTIN (indicator digit 1)


def _scans(texts: list[str]) -> list:
    return [parse_for_receiving(t) for t in texts]


CASES = {
    "plain boxes": [box(GTIN_05, "A1"), box(GTIN_10, "B1")],
    "unknown product": [box(GTIN_05, "A1"), box("04012345678901", "X1")],
    "expired lot": [box(GTIN_05, "OLD", date(2026, 1, 31))],
    "second expiry on the same delivery": [
        box(GTIN_05, "A1", date(2027, 1, 31)),
        box(GTIN_05, "A1", date(2027, 6, 30)),
    ],
    "second expiry against the ledger": [box(GTIN_05, "SEEN", date(2027, 6, 30))],
    "a serial twice on the delivery": [
        box(GTIN_ROLLER, "R1", serial="S-1"),
        box(GTIN_ROLLER, "R1", serial="S-1"),
    ],
    "a serial already received": [box(GTIN_ROLLER, "R1", serial="SEEN-1")],
    "a serialised box holds its pack": [box(PACK_05, "P1", serial="BOX-1")],
}


@pytest.fixture
def ledger(db: Database, products) -> Database:
    catalog.add_product(
        db,
        gtin=PACK_05,
        maker="Lumina MedTech",
        name="Box of 10 cartridges 0.5 mm",
        kind="pen_cartridge",
        needle_count=12,
        needle_length_mm="0.5",
        sterilization="EO",
        units_per_pack=10,
        by=staff("Manager"),
    )
    receiving.receive(
        db,
        [box(GTIN_05, "SEEN", date(2027, 1, 31)), box(GTIN_ROLLER, "R1", serial="SEEN-1")],
        by=staff("Manager"),
    )
    return db


@pytest.mark.parametrize("case", sorted(CASES))
def test_preview_and_receive_agree(ledger: Database, case: str) -> None:
    texts = CASES[case]
    checks = receiving.preview(ledger, _scans(texts))
    problems = [c.problem for c in checks if c.problem is not None]
    if problems:
        with pytest.raises(type(problems[0])) as refused:
            receiving.receive(ledger, texts, by=staff("Manager"))
        assert refused.value.message == problems[0].message
        return
    result = receiving.receive(ledger, texts, by=staff("Manager"))
    assert [line.count for line in result.lines] == [c.units for c in checks]


def test_a_serialised_box_is_its_pack_in_preview_and_receipt(ledger: Database) -> None:
    """A box's own serial names the box: its units come from the catalogue's pack size."""
    [check] = receiving.preview(ledger, _scans([box(PACK_05, "P1", serial="BOX-1")]))
    assert check.ok and check.units == 10
    assert check.product is not None and check.product.gtin == PACK_05


def test_an_override_on_a_serialised_unit_is_refused_by_both(ledger: Database) -> None:
    texts = [box(GTIN_ROLLER, "R1", serial="S-9")]
    [check] = receiving.preview(ledger, _scans(texts), units=5)
    assert check.problem is not None and "one unit" in check.message
    with pytest.raises(type(check.problem), match="one unit"):
        receiving.receive(ledger, texts, by=staff("Manager"), units=5)


def test_the_preview_changes_nothing(ledger: Database) -> None:
    with ledger.read() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM audit_event").scalar_one()
    new = [box(GTIN_05, "NEW1"), element_string(GTIN_10, date(2027, 3, 31), "N2", None)]
    assert all(check.ok for check in receiving.preview(ledger, _scans(new)))
    with ledger.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_event").scalar_one() == before
        new_lots = "SELECT count(*) FROM lot WHERE lot_number IN ('NEW1', 'N2')"
        assert conn.exec_driver_sql(new_lots).scalar_one() == 0
