"""Receiving a delivery: each box scan creates its lot (once) and its units.

One call is one transaction: every scan is checked (readable, known product, one
expiry per lot, not expired, serial not seen before) before any unit is saved, by the
same :func:`check_boxes` that the Receive screen's preview calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, insert, select

from inventory import audit
from inventory.access import Actor
from inventory.barcode import Scan, parse_for_receiving, unit_code_text
from inventory.bindings import binding
from inventory.catalog import ProductInfo, product_by_gtin
from inventory.clock import clinic_tz, is_expired
from inventory.db import Database
from inventory.errors import (
    InvalidInput,
    LedgerError,
    LotExpired,
    LotExpiryConflict,
    UnknownProduct,
)
from inventory.ids import next_id
from inventory.models import Box, Lot, Receipt, Unit
from inventory.rawsql import Raw, Statement
from inventory.text import clean

MAX_UNITS_PER_SCAN = 10_000
_UNIT_COLUMNS = ("product_id", "lot_id", "receipt_id", "code", "serial", "status",
                 "status_changed_at")  # fmt: skip
_INSERT_UNITS = Statement(
    insert(Unit.__table__).values({name: bindparam(name) for name in _UNIT_COLUMNS})
)  # a delivery's units through the driver: only their codes differ


@dataclass(frozen=True)
class ReceivedLine:
    """One box scanned in: its product, lot and the units it created."""

    gtin: str
    product: str
    needle_length_um: int
    lot: str | None
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


@dataclass(frozen=True)
class BoxCheck:
    """What receiving would do with one scanned box: its product, units, or its refusal."""

    scan: Scan
    product: ProductInfo | None
    units: int | None
    problem: LedgerError | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def message(self) -> str:
        return "" if self.problem is None else self.problem.message


def check_boxes(
    conn: Connection, scans: Sequence[Scan], *, now: datetime, tz: ZoneInfo, units: int | None
) -> list[BoxCheck]:
    """Every check ``receive`` makes, read-only, box by box in the order given.

    The one receiving rule: the Receive screen's preview and :func:`receive` both call
    it, so the preview can never say yes where receiving says no. Boxes earlier in the
    list count, as they will once received (a lot's expiry, a serial scanned twice).
    """
    seen_lots: dict[tuple[int, str | None], date] = {}
    seen_serials: set[tuple[int, str]] = set()
    checks = []
    for scan in scans:
        try:
            product = product_by_gtin(conn, scan.gtin or "")
        except UnknownProduct as unknown:
            checks.append(BoxCheck(scan, None, None, unknown))
            continue
        count: int | None = None
        try:
            count = _unit_count(scan, product, units)
            _check_box(conn, product, scan, now, tz, seen_lots, seen_serials)
        except LedgerError as problem:
            checks.append(BoxCheck(scan, product, count, problem))
            continue
        seen_lots[(product.id, scan.lot)] = scan.expiry  # type: ignore[assignment]
        if _unit_serial(scan, product) is not None:
            seen_serials.add((product.id, scan.serial))  # type: ignore[arg-type]
        elif scan.serial is not None:
            seen_serials.add((product.id, f"box:{scan.serial}"))
        checks.append(BoxCheck(scan, product, count))
    return checks


def preview(db: Database, scans: Sequence[Scan], *, units: int | None = None) -> list[BoxCheck]:
    """The checks of :func:`check_boxes` in one read transaction, for a screen."""
    _check_override(units)
    with db.read() as conn:
        return check_boxes(conn, scans, now=db.now(conn), tz=clinic_tz(conn), units=units)


def receive(
    db: Database,
    scans: list[str],
    *,
    by: Actor,
    supplier: str = "",
    invoice: str = "",
    units: int | None = None,
    separator: str | None = None,
) -> ReceiptResult:
    """Record a delivery: a new receipt with one line per scanned box."""
    by.require("receive")
    if not scans:
        raise InvalidInput("Scan at least one box barcode.")
    _check_override(units)
    supplier = clean(supplier, "supplier", max_len=200, required=False)
    invoice = clean(invoice, "invoice number", max_len=100, required=False)
    parsed = [parse_for_receiving(text, separator=separator) for text in scans]
    with db.write() as conn:
        now = db.now(conn)
        checks = check_boxes(conn, parsed, now=now, tz=clinic_tz(conn), units=units)
        for check in checks:
            if check.problem is not None:
                raise check.problem
        values = {
            "supplier": supplier,
            "invoice": invoice,
            "received_by": by.name,
            "received_by_id": by.staff_id or None,
            "received_at": now,
        }
        wanted = {"id": chosen} if (chosen := next_id(conn, Receipt.__table__)) else {}
        receipt_id = conn.execute(
            insert(Receipt).values(**values, **wanted).returning(Receipt.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            by=by,
            action="create",
            entity="receipt",
            entity_id=receipt_id,
            new={"supplier": supplier, "invoice": invoice},
            row=binding("receipt", receipt_id, values),
        )
        lines: list[ReceivedLine] = []
        next_seq = 1
        for check in checks:
            scan, product, count = check.scan, check.product, check.units
            assert product is not None and count is not None and scan.expiry is not None
            lot_id = _lot_id(conn, product, scan, now)
            if is_box(scan, product) and scan.serial is not None:  # the box: received once
                conn.execute(
                    insert(Box).values(
                        product_id=product.id, serial=scan.serial, receipt_id=receipt_id
                    )
                )
            codes = [unit_code_text(receipt_id, next_seq + i) for i in range(count)]
            next_seq += count
            Raw(conn).many(
                _INSERT_UNITS,
                [{"code": code} for code in codes],
                same={
                    "product_id": product.id,
                    "lot_id": lot_id,
                    "receipt_id": receipt_id,
                    "serial": _unit_serial(scan, product),
                    "status": "in_stock",
                    "status_changed_at": now,
                },
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
                by=by,
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


def _check_override(units: int | None) -> None:
    if units is not None and not (1 <= units <= MAX_UNITS_PER_SCAN):
        raise InvalidInput(f"The number of units must be between 1 and {MAX_UNITS_PER_SCAN}.")


def _unit_count(scan: Scan, product: ProductInfo, units: int | None) -> int:
    """One unit for a unit's own serialised code; otherwise the box's count."""
    if _unit_serial(scan, product) is not None:
        if units not in (None, 1):
            raise InvalidInput(
                f"This label carries the maker's serial {scan.serial} of one unit, so it is "
                "one unit; leave the number of units per box empty."
            )
        return 1
    count = units or scan.count or product.units_per_pack
    if count > MAX_UNITS_PER_SCAN:
        raise InvalidInput(
            f"This scan would create {count} units; one scan creates at most "
            f"{MAX_UNITS_PER_SCAN}. Check the box's count, or give the number of units in "
            "the box."
        )
    return count


def is_box(scan: Scan, product: ProductInfo) -> bool:
    """A box, not one unit: the barcode says so (indicator digit, count), or the catalogue
    does (its product comes more than one to a pack).

    A maker may print the pack's serial under the same GTIN as its cartridges; read by
    the barcode alone, a 10-per-pack box would become 1 unit named by the box's serial.
    """
    return scan.is_pack or product.units_per_pack > 1


def _unit_serial(scan: Scan, product: ProductInfo) -> str | None:
    """A serial names one unit only on a unit's own code; a box's serial names the box."""
    return scan.serial if scan.serial is not None and not is_box(scan, product) else None


def _check_box(
    conn: Connection,
    product: ProductInfo,
    scan: Scan,
    now: datetime,
    tz: ZoneInfo,
    seen_lots: dict[tuple[int, str | None], date],
    seen_serials: set[tuple[int, str]],
) -> None:
    """Raise what receiving this box would be refused for; the database is only read."""
    assert scan.expiry is not None  # parse_for_receiving
    what = f"Lot {scan.lot}" if scan.lot else f"Serial {scan.serial}"
    if is_expired(scan.expiry, now, tz):
        raise LotExpired(
            f"{what} of {product.name} expired on {scan.expiry.isoformat()}: it cannot be "
            "received. Return it to the supplier."
        )
    if scan.lot is not None:
        recorded = seen_lots.get((product.id, scan.lot))
        row = conn.execute(
            select(Lot.expiry, Lot.production).where(
                Lot.product_id == product.id, Lot.lot_number == scan.lot
            )
        ).first()
        expiry = row.expiry if row is not None else recorded
        if expiry is not None and expiry != scan.expiry:
            raise LotExpiryConflict(
                f"Lot {scan.lot} of GTIN {product.gtin} is already recorded with expiry "
                f"{expiry.isoformat()}, but this box says {scan.expiry.isoformat()}. One lot "
                "has one expiry: check the box and ask the maker before receiving it."
            )
        if scan.production and row is not None and row.production not in (None, scan.production):
            raise LotExpiryConflict(
                f"Lot {scan.lot} of GTIN {product.gtin} is recorded as produced on "
                f"{row.production.isoformat()}, but this box says {scan.production.isoformat()}."
            )
    if scan.lot is None and is_box(scan, product):
        raise InvalidInput(
            f"{product.name} comes {product.units_per_pack} to a pack, so this barcode, with "
            f"a serial number ({scan.serial}) but no lot, is the box's: the serial names "
            "the box, not each unit inside it, and a recall could not find these units. "
            "Scan the other GS1 barcode on the box; if none carries (10), return the box "
            "to the supplier."
        )
    if is_box(scan, product) and scan.serial is not None:
        box = conn.execute(
            select(Box.receipt_id).where(Box.product_id == product.id, Box.serial == scan.serial)
        ).scalar()
        if box is not None or (product.id, f"box:{scan.serial}") in seen_serials:
            first = f"receipt {box}" if box is not None else "this delivery"
            raise InvalidInput(
                f"The box with serial {scan.serial} of GTIN {product.gtin} was already "
                f"received on {first}; a box is received once. Check the box: its units "
                "are already on the shelf."
            )
    serial = _unit_serial(scan, product)
    if serial is None:
        return
    if (product.id, serial) in seen_serials:
        raise InvalidInput(
            f"Serial {serial} of GTIN {product.gtin} is on this delivery twice; a unit is "
            "received once. Remove one of the two scans."
        )
    found = conn.execute(
        select(Unit.code, Unit.receipt_id).where(
            Unit.product_id == product.id, Unit.serial == serial
        )
    ).first()
    if found is not None:
        raise InvalidInput(
            f"Serial {serial} of GTIN {product.gtin} was already received as unit "
            f"{found.code} (receipt {found.receipt_id}); a unit is received once."
        )


def _lot_id(conn: Connection, product: ProductInfo, scan: Scan, now: datetime) -> int:
    """The lot's id, created on first sight (checked by :func:`check_boxes` before).

    A label with a serial but no lot (a UDI may carry either) files its unit under the
    product's lot-less batch of that expiry, so expiry checks work the same for it.
    """
    if scan.lot is None:
        where = (Lot.lot_number.is_(None), Lot.expiry == scan.expiry)
    else:
        where = (Lot.lot_number == scan.lot,)
    found = conn.execute(select(Lot.id).where(Lot.product_id == product.id, *where)).scalar()
    if found is not None:
        return found
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
