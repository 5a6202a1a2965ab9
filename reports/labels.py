"""Unit labels: a PDF sheet with one GS1 barcode per unit that has no maker's serial.

Each label's barcode carries the GS1 element string (01) GTIN (17) expiry (10) lot
(21) unit code, built by :func:`inventory.barcode.element_string`, so scanning the label
at the chair finds exactly that unit; the unit code is also printed as text for a person
to read or type. The barcode is drawn as vector squares (GS1 DataMatrix) or bars
(GS1-128), so it stays sharp on any printer. zxing-cpp encodes; reportlab draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, select

from inventory.barcode import element_string
from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.models import Lot, Product, Unit

SYMBOLOGIES = ("datamatrix", "code128")
@dataclass(frozen=True)
class Label:
    """What one label shows: the unit code large, then product, lot, expiry, length."""

    code: str
    gtin: str
    product: str
    needle_length_um: int
    lot: str
    expiry: date

    @property
    def element_string(self) -> str:
        """The scanned form (ASCII 29 after the lot); checked to read back exactly."""
        return element_string(self.gtin, self.expiry, self.lot, self.code)

    @property
    def human_readable(self) -> str:
        return f"(01){self.gtin}(17){self.expiry:%y%m%d}(10){self.lot}(21){self.code}"


@dataclass(frozen=True)
class LabelSheet:
    path: Path
    labels: int
    pages: int


def labels_for(
    conn: Connection, *, receipt_id: int | None = None, codes: Sequence[str] | None = None
) -> list[Label]:
    """The units of a receipt (or these unit codes) that need a label: no maker's serial."""
    if receipt_id is None and not codes:
        raise InvalidInput("Say which units to label: a receipt or unit codes.")
    query = (
        select(
            Unit.code,
            Product.gtin,
            Product.name,
            Product.needle_length_um,
            Lot.lot_number,
            Lot.expiry,
        )
        .join(Lot, Lot.id == Unit.lot_id)
        .join(Product, Product.id == Unit.product_id)
        .where(Unit.serial.is_(None))
        .order_by(Unit.id)
    )
    if receipt_id is not None:
        query = query.where(Unit.receipt_id == receipt_id)
    if codes:
        query = query.where(Unit.code.in_([c.strip().upper() for c in codes]))
    return [Label(*row) for row in conn.execute(query)]


def write_unit_labels(
    db: Database,
    path: Path,
    *,
    receipt_id: int | None = None,
    codes: Sequence[str] | None = None,
    symbology: str = "datamatrix",
) -> LabelSheet:
    """Read the units in one short transaction, then write their label sheet."""
    with db.read() as conn:
        labels = labels_for(conn, receipt_id=receipt_id, codes=codes)
    if not labels:
        raise InvalidInput(
            "None of these units needs a label: each carries the maker's serial barcode."
        )
    return write_labels_pdf(labels, path, symbology=symbology)


def write_labels_pdf(
    labels: Iterable[Label], path: Path, *, symbology: str = "datamatrix", outlines: bool = True
) -> LabelSheet:
    """One label per unit on A4 label sheets (drawn by reports.label_pdf, loaded on use:
    the desktop app starts without reportlab, numpy or zxing)."""
    from reports.label_pdf import write_labels_pdf as draw

    return draw(labels, path, symbology=symbology, outlines=outlines)
