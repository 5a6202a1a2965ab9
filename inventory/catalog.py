"""The product catalogue: what each GTIN is (kind, needles, length, sterilisation)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Connection, insert, select, update

from inventory import audit
from inventory.access import Actor
from inventory.barcode import normalise_gtin
from inventory.db import Database
from inventory.errors import InvalidInput, UnknownProduct
from inventory.models import (
    PRODUCT_KINDS,
    STERILIZATION_METHODS,
    Lot,
    Product,
)
from inventory.needles import mm_text, needle_um
from inventory.text import clean

_KIND_WORDS = {
    "pen_cartridge": "pen_cartridge",
    "pen cartridge": "pen_cartridge",
    "cartridge": "pen_cartridge",
    "pen": "pen_cartridge",
    "roller": "roller",
    "derma roller": "roller",
    "dermaroller": "roller",
}
_STERILIZATION_WORDS = {
    "eo": "EO",
    "eto": "EO",
    "ethylene oxide": "EO",
    "gamma": "gamma",
    "e-beam": "e-beam",
    "ebeam": "e-beam",
    "electron beam": "e-beam",
    "steam": "steam",
}


@dataclass(frozen=True)
class ProductInfo:
    id: int
    gtin: str
    maker: str
    name: str
    kind: str
    needle_count: int
    needle_config: str
    needle_length_um: int
    sterilization: str
    units_per_pack: int
    reorder_level: int

    @property
    def needle_length_mm(self) -> str:
        return mm_text(self.needle_length_um)

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"needle_length_mm": self.needle_length_mm}


_COLUMNS = [getattr(Product, f) for f in ProductInfo.__dataclass_fields__]


def add_product(
    db: Database,
    *,
    gtin: str,
    maker: str,
    name: str,
    kind: str,
    needle_count: int,
    needle_length_mm: str | float,
    sterilization: str,
    units_per_pack: int = 1,
    needle_config: str = "",
    reorder_level: int = 0,
    by: Actor,
) -> ProductInfo:
    """Add one product to the catalogue; every field is checked before anything is saved."""
    by.require("catalogue")
    values = {
        "gtin": normalise_gtin(gtin),
        "maker": clean(maker, "maker"),
        "name": clean(name, "product name", max_len=200),
        "kind": _choice(kind, _KIND_WORDS, "kind", PRODUCT_KINDS),
        "needle_count": _positive(needle_count, "needle count"),
        "needle_config": clean(needle_config, "needle configuration", max_len=60, required=False),
        "needle_length_um": needle_um(needle_length_mm),
        "sterilization": _choice(
            sterilization, _STERILIZATION_WORDS, "sterilisation method", STERILIZATION_METHODS
        ),
        "units_per_pack": _positive(units_per_pack, "units per pack"),
        "reorder_level": _positive(reorder_level, "reorder level", zero_ok=True),
    }
    with db.write() as conn:
        existing = conn.execute(select(Product.name).where(Product.gtin == values["gtin"])).scalar()
        if existing is not None:
            raise InvalidInput(
                f"GTIN {values['gtin']} is already in the catalogue as '{existing}'."
            )
        now = db.now(conn)
        product_id = conn.execute(
            insert(Product).values(**values, created_at=now).returning(Product.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            by=by,
            action="create",
            entity="product",
            entity_id=product_id,
            new=values,
        )
        return product_by_id(conn, product_id)


def set_reorder_level(db: Database, gtin: str, level: int, *, by: Actor) -> ProductInfo:
    """The stock level under which the dashboard asks to reorder this product."""
    by.require("catalogue")
    level = _positive(level, "reorder level", zero_ok=True)
    with db.write() as conn:
        product = product_by_gtin(conn, gtin)
        conn.execute(update(Product).where(Product.id == product.id).values(reorder_level=level))
        audit.record(
            conn,
            at=db.now(conn),
            by=by,
            action="set_reorder_level",
            entity="product",
            entity_id=product.id,
            old=product.reorder_level,
            new=level,
        )
        return product_by_id(conn, product.id)


def product_by_id(conn: Connection, product_id: int) -> ProductInfo:
    row = conn.execute(select(*_COLUMNS).where(Product.id == product_id)).one()
    return ProductInfo(*row)


def product_by_gtin(conn: Connection, gtin: str) -> ProductInfo:
    """The product for a GTIN; UnknownProduct carries the GTIN for the face to offer adding it."""
    gtin14 = normalise_gtin(gtin)
    row = conn.execute(select(*_COLUMNS).where(Product.gtin == gtin14)).first()
    if row is None:
        raise UnknownProduct(
            f"GTIN {gtin14} is not in the catalogue. Add the product first (its maker, "
            "name, kind, needles, needle length, sterilisation and units per pack).",
            gtin=gtin14,
        )
    return ProductInfo(*row)


def lot_numbers(conn: Connection, gtin: str) -> list[str]:
    """The product's lot numbers, first-expiring first (a recall picks among them)."""
    product = product_by_gtin(conn, gtin)
    query = (
        select(Lot.lot_number)
        .where(Lot.product_id == product.id, Lot.lot_number.is_not(None))
        .order_by(Lot.expiry, Lot.lot_number)
    )
    return [lot for lot in conn.execute(query).scalars() if lot is not None]


def list_products(conn: Connection) -> list[ProductInfo]:
    rows = conn.execute(select(*_COLUMNS).order_by(Product.needle_length_um, Product.name))
    return [ProductInfo(*row) for row in rows]


def _positive(value: int | str, what: str, *, zero_ok: bool = False) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"The {what} must be a whole number, not '{value}'.") from exc
    if number < (0 if zero_ok else 1):
        raise InvalidInput(f"The {what} must be {'0 or more' if zero_ok else 'at least 1'}.")
    return number


def _choice(value: str, words: dict[str, str], what: str, allowed: tuple[str, ...]) -> str:
    key = (value or "").strip().lower().replace("_", " ")
    found = words.get(key) or words.get(key.replace(" ", "_"))
    if found is None:
        raise InvalidInput(f"'{value}' is not a {what}. Choose one of: {', '.join(allowed)}.")
    return found
