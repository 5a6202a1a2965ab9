"""The ground floor's tables: catalogue, lots, receipts, units, audit trail, settings.

Typed SQLAlchemy models declare the schema; alembic migrations create it. Services
use these classes in Core statements on a Connection (one short transaction each).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from inventory.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("manager", "practitioner", "inspector")
PRODUCT_KINDS = ("pen_cartridge", "roller")
STERILIZATION_METHODS = ("EO", "gamma", "e-beam", "steam")
UNIT_STATUSES = ("in_stock", "used", "quarantined", "wasted", "returned")
# Needle lengths are kept in micrometres: exact, and the same on every database.
MIN_NEEDLE_UM, MAX_NEEDLE_UM = 250, 2500


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Staff(Base):
    """A person who signs in: every record names one. Deactivated, never deleted."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint(
            f"max_depth_um IS NULL OR max_depth_um BETWEEN {MIN_NEEDLE_UM} AND {MAX_NEEDLE_UM}",
            name="max_depth",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), unique=True)
    """The name case-folded: "Sam Okafor" and "sam okafor" are one account."""
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    max_depth_um: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Scope of practice: the deepest needles this person may use (None: no limit)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class KeyWrap(Base):
    """One secret wrapped for one holder (an account, or the recovery code)."""

    __tablename__ = "key_wrap"

    holder: Mapped[str] = mapped_column(String(40), primary_key=True)
    secret: Mapped[str] = mapped_column(String(20), primary_key=True)
    salt: Mapped[str] = mapped_column(String(40))
    wrapped: Mapped[str] = mapped_column(Text)


class SignInGuard(Base):
    """Failed sign-ins per name tried, for the growing delay (reset by a success)."""

    __tablename__ = "sign_in_guard"

    name_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Product(Base):
    """A catalogue entry, known by the GTIN printed on its box."""

    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint(f"kind IN {PRODUCT_KINDS!r}", name="kind"),
        CheckConstraint(
            f"needle_length_um BETWEEN {MIN_NEEDLE_UM} AND {MAX_NEEDLE_UM}", name="needle_length"
        ),
        CheckConstraint(f"sterilization IN {STERILIZATION_METHODS!r}", name="sterilization"),
        CheckConstraint("units_per_pack >= 1", name="units_per_pack"),
        CheckConstraint("needle_count >= 1", name="needle_count"),
        CheckConstraint("reorder_level >= 0", name="reorder_level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    maker: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    needle_count: Mapped[int] = mapped_column(Integer)
    needle_config: Mapped[str] = mapped_column(String(60), default="")
    needle_length_um: Mapped[int] = mapped_column(Integer)
    sterilization: Mapped[str] = mapped_column(String(10))
    units_per_pack: Mapped[int] = mapped_column(Integer)
    reorder_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Lot(Base):
    """A maker's batch of one product. One lot has one expiry."""

    __tablename__ = "lot"
    __table_args__ = (
        UniqueConstraint("product_id", "lot_number"),
        UniqueConstraint("id", "product_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """None for a serial-only label's batch (one per product and expiry)."""
    expiry: Mapped[date] = mapped_column(Date, index=True)
    production: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Receipt(Base):
    """A delivery scanned in: supplier, invoice, who and when."""

    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier: Mapped[str] = mapped_column(String(200), default="")
    invoice: Mapped[str] = mapped_column(String(100), default="")
    received_by: Mapped[str] = mapped_column(String(120))
    received_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Unit(Base):
    """One sterile cartridge or roller: the thing used once.

    ``code`` is assigned by the app and printed on a label (``U<receipt>-<n>``);
    ``serial`` is the maker's, where the maker prints one.
    """

    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint(f"status IN {UNIT_STATUSES!r}", name="status"),
        UniqueConstraint("product_id", "serial"),
        ForeignKeyConstraint(["lot_id", "product_id"], ["lot.id", "lot.product_id"]),
        Index("ix_unit_lot_id_status", "lot_id", "status"),
        Index("ix_unit_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int] = mapped_column(Integer)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    serial: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="in_stock")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """One append-only line of the audit trail, chained to the one before by hash.

    ``id`` is assigned by the writer (previous id + 1) under the write lock, so the
    chain has no gaps and the number is part of what the hash covers.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The signed-in account (None: the app itself, or a ledger from before accounts)."""
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60))
    old_values: Mapped[str] = mapped_column(Text, default="null")
    new_values: Mapped[str] = mapped_column(Text, default="null")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    row_table: Mapped[str | None] = mapped_column(String(30), nullable=True)
    """The record this event created or changed, and the SHA-256 of its content then:
    ``audit verify`` checks both ways that rows and events agree (inventory.bindings)."""
    row_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    row_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seal: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """HMAC of the event hash under the sealing key of its position (inventory.seal)."""


class SealState(Base):
    """Where the forward-secure seal stands: the key for the next event, and nothing older."""

    __tablename__ = "seal_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_sealed: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(BigInteger)
    """The number of the last sealed event; ``key`` seals event position + 1."""
    key: Mapped[str] = mapped_column(String(64))


class IdFloor(Base):
    """The lowest number a new receipt or session may take: numbers are never reused,
    even after a restore or a lost write put older rows back (labels would collide)."""

    __tablename__ = "id_floor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_id: Mapped[int] = mapped_column(BigInteger)


class BoundFrom(Base):
    """The first row of each bound table written with its binding (an upgraded ledger's
    older rows were written before events carried bindings)."""

    __tablename__ = "bound_from"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    first_id: Mapped[int] = mapped_column(BigInteger)


class Box(Base):
    """A box (pack) that carried its own serial: received once, ever."""

    __tablename__ = "box"
    __table_args__ = (UniqueConstraint("product_id", "serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    serial: Mapped[str] = mapped_column(String(20))
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"))


class Setting(Base):
    """One clinic setting (name, licence, time zone...): changed only with an audit event."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LedgerLock(Base):
    """The ledger's write lock on PostgreSQL: one row, locked FOR UPDATE by every write.

    A row lock needs UPDATE privilege, so a read-only login cannot take it (inventory.db).
    The row is never changed or removed; triggers refuse both.
    """

    __tablename__ = "ledger_lock"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
