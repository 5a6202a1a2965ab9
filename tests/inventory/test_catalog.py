"""The catalogue refuses what a box could not say, in the manager's words."""

from __future__ import annotations

import pytest

from inventory import catalog
from inventory.db import Database
from inventory.errors import InvalidInput
from tests.conftest import GTIN_05
from tests.people import staff

GOOD = {
    "maker": "Lumina",
    "name": "12-pin 0.5",
    "kind": "pen cartridge",
    "needle_count": 12,
    "needle_length_mm": "0.5",
    "sterilization": "ethylene oxide",
    "units_per_pack": 10,
}


def test_product_is_stored_with_normalised_words(db: Database) -> None:
    product = catalog.add_product(db, gtin="9506000100029", by=staff("Manager"), **GOOD)
    assert product.gtin == GTIN_05
    assert (product.kind, product.sterilization, product.needle_length_um) == (
        "pen_cartridge",
        "EO",
        500,
    )
    assert product.needle_length_mm == "0.5"
    with db.read() as conn:
        assert [p.gtin for p in catalog.list_products(conn)] == [GTIN_05]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"gtin": "09506000100028"}, "check digit"),
        ({"needle_length_mm": "3.0"}, "outside 0.25 to 2.5 mm"),
        ({"needle_length_mm": "0.2"}, "outside 0.25 to 2.5 mm"),
        ({"needle_length_mm": "half"}, "not a needle length"),
        ({"kind": "stamp"}, "not a kind"),
        ({"sterilization": "boiled"}, "not a sterilisation method"),
        ({"units_per_pack": 0}, "at least 1"),
        ({"maker": "  "}, "maker is required"),
    ],
)
def test_bad_product_is_refused_with_the_reason(db: Database, change, message: str) -> None:
    values = {"gtin": GTIN_05, **GOOD, **change}
    with pytest.raises(InvalidInput, match=message):
        catalog.add_product(db, by=staff("Manager"), **values)
    with db.read() as conn:
        assert catalog.list_products(conn) == []


def test_same_gtin_twice_is_refused(db: Database) -> None:
    catalog.add_product(db, gtin=GTIN_05, by=staff("Manager"), **GOOD)
    with pytest.raises(InvalidInput, match="already in the catalogue"):
        catalog.add_product(db, gtin=GTIN_05, by=staff("Manager"), **GOOD)


def test_needle_lengths_at_the_limits(db: Database) -> None:
    assert catalog.needle_um("0.25") == 250
    assert catalog.needle_um("2,5") == 2500
    assert catalog.mm_text(1250) == "1.25"
    assert catalog.mm_text(2000) == "2.0"
