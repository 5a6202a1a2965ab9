"""Sterility tables: sessions, uses, refusals, recalls, body areas.

``unit_use.unit_id`` is unique: the database itself makes a second use of a unit
impossible, whatever any workstation's code does. Uses and refusals are append-only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inventory.models import MAX_NEEDLE_UM, MIN_NEEDLE_UM, Base
from inventory.types import UTCDateTime

DEFAULT_BODY_AREAS = ("face", "neck", "decolletage", "scalp", "body")


class BodyArea(Base):
    """Where a session treats; the clinic can add its own."""

    __tablename__ = "body_area"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)


class TreatmentSession(Base):
    """One treatment of one client by one practitioner."""

    __tablename__ = "treatment_session"
    __table_args__ = (
        CheckConstraint(
            f"planned_depth_um BETWEEN {MIN_NEEDLE_UM} AND {MAX_NEEDLE_UM}", name="planned_depth"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)
    """In clear only in a ledger from before staff accounts, until its first manager."""
    client_cipher: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The client reference, AES-256-GCM under the clinic's data key."""
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    """The client's blind index (HMAC): finds a client's sessions without decrypting."""
    practitioner: Mapped[str] = mapped_column(String(120), index=True)
    practitioner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    area: Mapped[str] = mapped_column(ForeignKey("body_area.name"))
    planned_depth_um: Mapped[int] = mapped_column(Integer)
    device: Mapped[str] = mapped_column(String(120), default="")
    opened_by: Mapped[str] = mapped_column(String(120))
    opened_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class UnitUse(Base):
    """Unit U was used in session S, by whom, when. At most one per unit, ever."""

    __tablename__ = "unit_use"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    used_by: Mapped[str] = mapped_column(String(120))
    used_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    deeper_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)


class Refusal(Base):
    """A scan refused at the chair: what was scanned, where, why, who, when."""

    __tablename__ = "refusal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment_session.id"), nullable=True, index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True)
    scanned: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    refused_by: Mapped[str] = mapped_column(String(120))
    refused_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class UnitHold(Base):
    """A unit quarantined, released or wasted: by whom, when, why. Append-only."""

    __tablename__ = "unit_hold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    held_by: Mapped[str] = mapped_column(String(120))
    held_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Recall(Base):
    """A maker's or regulator's notice against lots (or serials) of one product."""

    __tablename__ = "recall"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(120))
    gtin: Mapped[str] = mapped_column(String(14), index=True)
    notice_text: Mapped[str] = mapped_column(Text)
    notice_date: Mapped[date] = mapped_column(Date)
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    close_note: Mapped[str | None] = mapped_column(Text, nullable=True)


CONTACT_METHODS = ("phone", "sms", "email", "letter", "in_person")


class RecallContact(Base):
    """An affected client told of a recall: how, when, by whom, and what was said.

    The client is named by a session of theirs that used a recalled unit (a report
    prints the client's pseudonym; the reference itself stays encrypted). Append-only:
    a second attempt (no answer, then a call back) is a second row.
    """

    __tablename__ = "recall_contact"
    __table_args__ = (
        CheckConstraint(
            "method IN (" + ", ".join(f"'{m}'" for m in CONTACT_METHODS) + ")", name="method"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recall.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    reached: Mapped[bool] = mapped_column(Boolean, default=True)
    """False for an attempt that did not reach the client (no answer, letter returned)."""
    note: Mapped[str] = mapped_column(Text, default="")
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the client was contacted (may be earlier than the record, e.g. a call made
    before it was entered; never later)."""
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RecallItem(Base):
    """One lot (or one serial of a lot) named by a recall notice."""

    __tablename__ = "recall_item"
    __table_args__ = (
        Index("ix_recall_item_gtin_lot_number", "gtin", "lot_number"),
        CheckConstraint("lot_number IS NOT NULL OR serial IS NOT NULL", name="lot_or_serial"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recall.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14))
    lot_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """None when the notice names serials of units received without a lot."""
    serial: Mapped[str | None] = mapped_column(String(20), nullable=True)


# The treatment and equipment tables live in their own modules; importing them here
# registers them wherever the sterility tables are.
from sterility import care_models, equipment_models  # noqa: E402, F401
