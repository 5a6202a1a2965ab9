"""Tables of the treatment around the cartridge: forms, intake, confirmations, adverse events.

Every table here is append-only and bound to its audit event (inventory.bindings): a
clinic that edits a screening answer, a consent version or "no adverse event" after the
fact is caught by ``audit verify``. A form is changed by adding its next version; a
session keeps the ids of the versions it was opened under.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inventory.models import Base
from inventory.types import UTCDateTime

FORM_KINDS = ("screening", "consent", "aftercare")
CONCERNS = (
    "texture",
    "fine_lines",
    "acne_scars",
    "stretch_marks",
    "hair_loss",
    "hyperpigmentation",
)
CONFIRMATION_KINDS = (
    "screening_override",  # a positive screening answer, overridden by a manager
    "depth_outside_range",  # planned depth outside the concern's configured range
    "cartridge_outside_range",  # a cartridge's needle length outside the concern's range
    "series_spacing",  # less than the minimum spacing after the previous session
    "pen_cleaning_overdue",  # the pen was not cleaned since its last session
    "no_sharps_container",  # no sharps container open at the session's room
)


def _within(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class FormVersion(Base):
    """One version of a clinic form: the screening questions, the consent or aftercare text.

    ``body`` is the form as shown: for screening a JSON list of ``{"key", "question"}``,
    for consent and aftercare the text itself. ``language`` is empty for the clinic's
    own language, else a language name (an aftercare sheet in a client's language).
    """

    __tablename__ = "form_version"
    __table_args__ = (
        UniqueConstraint("kind", "language", "version"),
        CheckConstraint(_within("kind", FORM_KINDS), name="kind"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionIntake(Base):
    """What was asked, agreed and fitted when a session opened: one row per session."""

    __tablename__ = "session_intake"
    __table_args__ = (
        CheckConstraint(_within("concern", CONCERNS), name="concern"),
        CheckConstraint("range_min_um <= range_max_um", name="range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), unique=True)
    concern: Mapped[str] = mapped_column(String(30))
    screening_form_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    answers: Mapped[str] = mapped_column(Text)
    """JSON object: screening item key -> true (yes, a contraindication) or false."""
    screening_positive: Mapped[bool] = mapped_column(Boolean)
    consent_form_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    range_min_um: Mapped[int] = mapped_column(Integer)
    range_max_um: Mapped[int] = mapped_column(Integer)
    """The concern's configured needle-length range when the session opened."""
    room: Mapped[str] = mapped_column(String(60), default="")
    """The chair or room: a used cartridge goes to the sharps container open there."""
    pen_id: Mapped[int | None] = mapped_column(ForeignKey("pen.id"), nullable=True)
    sleeve_fitted: Mapped[bool] = mapped_column(Boolean, default=False)
    """A new barrier sleeve was fitted on the pen for this client."""
    series_number: Mapped[int] = mapped_column(Integer, default=1)
    """This session's place in the client's series on this area (1 = first)."""
    series_planned: Mapped[int] = mapped_column(Integer, default=3)
    language: Mapped[str] = mapped_column(String(40), default="")
    """The client's language for the aftercare sheet ("" = the clinic's own)."""
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionConfirmation(Base):
    """A warning shown at the chair and confirmed anyway (or a manager's override): who, why."""

    __tablename__ = "session_confirmation"
    __table_args__ = (CheckConstraint(_within("kind", CONFIRMATION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True)
    warning: Mapped[str] = mapped_column(Text)
    """The warning as it was shown."""
    reason: Mapped[str] = mapped_column(Text, default="")
    confirmed_by: Mapped[str] = mapped_column(String(120))
    confirmed_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdverseEvent(Base):
    """Adverse events of a session, or explicitly none: recorded before it closes."""

    __tablename__ = "adverse_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    none_observed: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
