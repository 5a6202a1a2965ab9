"""Receiving a delivery: each box scan creates its lot (once) and its units.

One call is one transaction: every scan is checked (readable, known product, one
expiry per lot, not expired, serial not seen before) before any unit is saved.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import Connection, insert, select

from inventory import audit
from inventory.barcode import Scan, parse_for_receiving, unit_code_text
from inventory.catalog import ProductInfo, product_by_gtin
from inventory.clock import is_expired
from inventory.db import Database
from inventory.errors import InvalidInput, LotExpired, LotExpiryConflict
from inventory.models import Lot, Receipt, Unit
from inventory.settings import clinic_tz
from inventory.text import clean

MAX_UNITS_PER_SCAN = 10_000


@dataclass(frozen=True)
class ReceivedLine:
    """One box scanned in: its product, lot and the units it created."""

    gtin: str
    product: str
    needle_length_um: int
    lot: str
    expiry: date
    serial: str | None
    unit_codes: list[str] = field(repr=False)

    @property
    def count(self) -> int:
        return len(self.unit_codes)


@dataclass(frozen=True)
class ReceiptResult:
    receipt_id: int
    lines: list[ReceivedLine]

    @property
    def units(self) -> int:
        return sum(line.count for line in self.lines)

    def as_dict(self) -> dict[str, object]:
        return {
            "receipt": self.receipt_id,
            "units": self.units,
            "lines": [asdict(line) | {"expiry": line.expiry.isoformat()} for line in self.lines],
        }


def receive(
    db: Database,
    scans: list[str],
    *,
    by: str,
    supplier: str = "",
    invoice: str = "",
    units: int | None = None,
    separator: str | None = None,
) -> ReceiptResult:
    """Record a delivery: a new receipt with one line per scanned box."""
    if not scans:
        raise InvalidInput("Scan at least one box barcode.")
    if units is not None and not (1 <= units <= MAX_UNITS_PER_SCAN):
        raise InvalidInput(f"The number of units must be between 1 and {MAX_UNITS_PER_SCAN}.")
    supplier = clean(supplier, "supplier", max_len=200, required=False)
    invoice = clean(invoice, "invoice number", max_len=100, required=False)
    by = clean(by, "name of who is receiving")
    parsed = [parse_for_receiving(text, separator=separator) for text in scans]
    with db.write() as conn:
        now = db.clock.now(conn)
        tz = clinic_tz(conn)
        receipt_id = conn.execute(
            insert(Receipt)
            .values(supplier=supplier, invoice=invoice, received_by=by, received_at=now)
            .returning(Receipt.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            actor=by,
            action="create",
            entity="receipt",
            entity_id=receipt_id,
            new={"supplier": supplier, "invoice": invoice},
        )
        lines: list[ReceivedLine] = []
        next_seq = 1
        for scan in parsed:
            product = product_by_gtin(conn, scan.gtin or "")
            assert scan.expiry is not None and scan.lot is not None  # parse_for_receiving
            if is_expired(scan.expiry, now, tz):
                raise LotExpired(
                    f"Lot {scan.lot} of {product.name} expired on {scan.expiry.isoformat()}: "
                    "it cannot be received. Return it to the supplier."
                )
            lot_id = _lot_id(conn, product, scan, now)
            count = _unit_count(scan, product, units)
            codes = [unit_code_text(receipt_id, next_seq + i) for i in range(count)]
            next_seq += count
            _check_serial_new(conn, product, scan)
            conn.execute(
                insert(Unit),
                [
                    {
                        "product_id": product.id,
                        "lot_id": lot_id,
                        "receipt_id": receipt_id,
                        "code": code,
                        "serial": _unit_serial(scan),
                        "status": "in_stock",
                        "status_changed_at": now,
                    }
                    for code in codes
                ],
            )
            line = ReceivedLine(
                scan.gtin or "",
                product.name,
                product.needle_length_um,
                scan.lot,
                scan.expiry,
                scan.serial,
                codes,
            )
            audit.record(
                conn,
                at=now,
                actor=by,
                action="receive",
                entity="lot",
                entity_id=lot_id,
                new={
                    "receipt": receipt_id,
                    "gtin": line.gtin,
                    "lot": line.lot,
                    "expiry": line.expiry,
                    "serial": line.serial,
                    "units": count,
                    "first_unit": codes[0],
                    "last_unit": codes[-1],
                    "scanned": scan.raw,
                },
            )
            lines.append(line)
        return ReceiptResult(receipt_id, lines)


def _unit_count(scan: Scan, product: ProductInfo, units: int | None) -> int:
    """One unit for a unit's own serialised code; otherwise the box's count."""
    if _unit_serial(scan) is not None:
        if units not in (None, 1):
            raise InvalidInput(
                f"This box carries the maker's serial {scan.serial}, so it is one unit; "
                "leave out the number of units."
            )
        return 1
    count = units or scan.count or product.units_per_pack
    if count > MAX_UNITS_PER_SCAN:
        raise InvalidInput(
            f"This scan would create {count} units; one scan creates at most "
            f"{MAX_UNITS_PER_SCAN}. Check the box's count, or give the number with --units."
        )
    return count


def _unit_serial(scan: Scan) -> str | None:
    """A serial names one unit only on a unit-level code; a box's serial names the box."""
    return scan.serial if scan.serial is not None and not scan.is_pack else None


def _lot_id(conn: Connection, product: ProductInfo, scan: Scan, now: object) -> int:
    """The lot's id, created on first sight; a second, different expiry is refused."""
    row = conn.execute(
        select(Lot.id, Lot.expiry, Lot.production).where(
            Lot.product_id == product.id, Lot.lot_number == scan.lot
        )
    ).first()
    if row is None:
        return conn.execute(
            insert(Lot)
            .values(
                product_id=product.id,
                lot_number=scan.lot,
                expiry=scan.expiry,
                production=scan.production,
                created_at=now,
            )
            .returning(Lot.id)
        ).scalar_one()
    if row.expiry != scan.expiry:
        raise LotExpiryConflict(
            f"Lot {scan.lot} of GTIN {product.gtin} is already recorded with expiry "
            f"{row.expiry.isoformat()}, but this box says {scan.expiry.isoformat()}. One lot "
            "has one expiry: check the box and ask the maker before receiving it."
        )
    if scan.production and row.production and row.production != scan.production:
        raise LotExpiryConflict(
            f"Lot {scan.lot} of GTIN {product.gtin} is recorded as produced on "
            f"{row.production.isoformat()}, but this box says {scan.production.isoformat()}."
        )
    return row.id


def _check_serial_new(conn: Connection, product: ProductInfo, scan: Scan) -> None:
    if _unit_serial(scan) is None:
        return
    found = conn.execute(
        select(Unit.code, Unit.receipt_id).where(
            Unit.product_id == product.id, Unit.serial == scan.serial
        )
    ).first()
    if found is not None:
        raise InvalidInput(
            f"Serial {scan.serial} of GTIN {product.gtin} was already received as unit "
            f"{found.code} (receipt {found.receipt_id}); a unit is received once."
        )
