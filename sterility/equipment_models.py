"""Tables of the clinic's equipment: pens and their cleanings, sharps containers, sterilizer.

Skin-penetration codes of practice (NSW Public Health Regulation 2022 with AS/NZS
4815:2006; the WA Code of Practice) ask for records of single-use needles going to
sharps and of every sterilisation cycle of reusable instruments. Cleanings, sterilizer
loads and instrument uses are append-only; a pen, a container and a cycle change in the
columns named in inventory.pg_roles (retired; sealed, collected; indicator read), and
their newest audit event holds the digest of the row as it is now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inventory.models import Base
from inventory.types import UTCDateTime

INDICATOR_RESULTS = ("pass", "fail")
BI_RESULTS = ("pass", "fail", "pending")


class Pen(Base):
    """A microneedling pen, by the maker's serial."""

    __tablename__ = "pen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(60), unique=True)
    model: Mapped[str] = mapped_column(String(120), default="")
    added_by: Mapped[str] = mapped_column(String(120))
    added_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    retired_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retire_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class PenCleaning(Base):
    """A pen cleaned or disinfected: when, by whom, how."""

    __tablename__ = "pen_cleaning"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pen_id: Mapped[int] = mapped_column(ForeignKey("pen.id"), index=True)
    method: Mapped[str] = mapped_column(String(200))
    cleaned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleaned_by: Mapped[str] = mapped_column(String(120))
    cleaned_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SharpsContainer(Base):
    """A sharps container at a chair or room: opened, sealed, collected.

    A used cartridge went to the container open at its session's room at the time of use
    (found by time, no scan needed).
    """

    __tablename__ = "sharps_container"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(60))
    room: Mapped[str] = mapped_column(String(60), index=True)
    opened_by: Mapped[str] = mapped_column(String(120))
    opened_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sealed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    sealed_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    collected_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    collected_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    collector_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)
    """The waste collector's reference (consignment or docket number)."""


class SterilizerCycle(Base):
    """One cycle of a steriliser (autoclave) with its load and indicator results.

    The biological indicator is read after incubation: ``pending`` until then. A failed
    indicator (chemical or biological) means the load's packs are quarantined.
    """

    __tablename__ = "sterilizer_cycle"
    __table_args__ = (
        CheckConstraint(
            "chemical_result IN (" + ", ".join(f"'{r}'" for r in INDICATOR_RESULTS) + ")",
            name="chemical_result",
        ),
        CheckConstraint(
            "bi_result IN (" + ", ".join(f"'{r}'" for r in BI_RESULTS) + ")", name="bi_result"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sterilizer: Mapped[str] = mapped_column(String(120))
    cycle_number: Mapped[str] = mapped_column(String(40))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    temperature_c: Mapped[float] = mapped_column(Float)
    pressure_kpa: Mapped[float] = mapped_column(Float)
    holding_minutes: Mapped[float] = mapped_column(Float)
    load_contents: Mapped[str] = mapped_column(Text)
    operator: Mapped[str] = mapped_column(String(120))
    operator_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    chemical_result: Mapped[str] = mapped_column(String(10))
    bi_result: Mapped[str] = mapped_column(String(10))
    bi_read_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    bi_read_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bi_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoadItem(Base):
    """One instrument pack in a sterilizer load, with the code on its pouch label.

    Its state is never stored: it is quarantined when its cycle failed an indicator, used
    once a session records it (``session_instrument``), else available.
    """

    __tablename__ = "load_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("sterilizer_cycle.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(String(200))


class SessionInstrument(Base):
    """A sterilized instrument pack opened for a session: once per pack, ever."""

    __tablename__ = "session_instrument"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    load_item_id: Mapped[int] = mapped_column(ForeignKey("load_item.id"), unique=True)
    used_by: Mapped[str] = mapped_column(String(120))
    used_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)
