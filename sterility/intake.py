"""The session intake: screening, consent, concern, pen, room and series, checked at open.

Every new session is screened. What is asked and checked when a session opens lives here
once, for ``sessions.open_session`` and for the chair's preview (what the chair shows
before the practitioner opens):

- the screening answers cover every question of the current screening form; a "yes" is a
  contraindication: the session is refused (and the refusal recorded) unless a manager
  overrides it with a reason;
- the consent version the client signed is the current one;
- warnings to confirm, all raised together (:class:`NeedsConfirmation`): the planned
  depth outside the concern's range, a session sooner than the series spacing after the
  client's previous one on the area (a reason is needed), a pen not cleaned since its last
  session, no sharps container open at the session's room.

Each confirmed warning, and a manager's override, is kept as a ``session_confirmation``
row with the warning as shown, the reason, who and when; the intake itself as one
``session_intake`` row. Adverse events (or "none") are recorded before a session closes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from inventory import audit
from inventory.access import Actor, NotAllowed
from inventory.bindings import binding
from inventory.clock import clinic_tz, local_date
from inventory.db import Database
from inventory.errors import InvalidInput, LedgerError, NotFound
from inventory.keyring import Keyring
from inventory.models import Unit
from inventory.needles import mm_text, needle_um
from inventory.text import clean
from sterility import forms, guidance, series
from sterility.care_models import AdverseEvent, SessionConfirmation, SessionIntake
from sterility.equipment_checks import SharpsContainerRow, open_container, pen_cleaning_overdue
from sterility.equipment_models import Pen
from sterility.errors import OutsideRange, ScreeningPositive
from sterility.forms import FormInfo
from sterility.guidance import DepthRange
from sterility.models import TreatmentSession
from sterility.pens import PenInfo, pen_by_serial

__all__ = [
    "OPEN_KINDS",
    "Confirmation",
    "Intake",
    "IntakeInfo",
    "NeedsConfirmation",
    "OutsideRange",
    "Preview",
    "ScreeningPositive",
    "Warning",
    "adverse_of",
    "intake_of",
    "preview",
    "record_adverse",
]

# The warnings confirmed when a session opens; series_spacing needs a reason.
OPEN_KINDS = (
    "depth_outside_range",
    "series_spacing",
    "pen_cleaning_overdue",
    "no_sharps_container",
)
REASON_NEEDED = frozenset({"series_spacing"})
KIND_WORDS = {
    "screening_override": "screening override",
    "depth_outside_range": "planned depth outside the range",
    "cartridge_outside_range": "cartridge outside the range",
    "series_spacing": "sooner than the series spacing",
    "pen_cleaning_overdue": "pen not cleaned since its last session",
    "no_sharps_container": "no sharps container open",
}


@dataclass(frozen=True)
class Intake:
    """What the practitioner records when a session opens."""

    concern: str
    answers: Mapping[str, bool]
    """Every question of the current screening form: key -> yes (True) or no."""
    consent_version: int
    pen_serial: str | None = None
    """None: no pen (a derma roller session)."""
    sleeve_fitted: bool = False
    room: str = ""
    language: str = ""
    series_planned: int | None = None
    override_reason: str = ""
    confirmations: Mapping[str, str] = field(default_factory=dict)
    """Warnings confirmed: kind -> reason (may be empty except for series_spacing)."""


@dataclass(frozen=True)
class Warning:
    """A warning shown before a session opens, to confirm (kind) or act on."""

    kind: str
    message: str

    @property
    def needs_reason(self) -> bool:
        return self.kind in REASON_NEEDED

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "needs_reason": self.needs_reason}


class NeedsConfirmation(LedgerError):
    """Warnings to confirm before the session opens; nothing was written."""

    code = "needs_confirmation"

    def __init__(self, warnings: list[Warning]) -> None:
        self.warnings = list(warnings)
        text = " ".join(w.message for w in self.warnings)
        super().__init__(f"Confirm to open the session: {text} Nothing was saved.")


@dataclass(frozen=True)
class Preview:
    """The open-time checks: the range, the series place, the equipment, the warnings."""

    concern: str
    range: DepthRange
    screening: FormInfo
    consent: FormInfo
    series: series.SeriesPlace
    pen: PenInfo | None
    sharps: SharpsContainerRow | None
    warnings: tuple[Warning, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "concern": self.concern,
            "range": self.range.as_dict(),
            "screening_version": self.screening.version,
            "screening_items": [asdict(i) for i in self.screening.items],
            "consent_version": self.consent.version,
            "series_number": self.series.number,
            "series_planned": self.series.planned,
            "pen": self.pen.serial if self.pen else None,
            "sharps_container": self.sharps.label if self.sharps else None,
            "warnings": [w.as_dict() for w in self.warnings],
        }


def checks(
    conn: Connection,
    *,
    client_key: str | None,
    area: str,
    depth_um: int,
    concern: str,
    at: datetime,
    pen_serial: str | None = None,
    room: str = "",
    series_planned: int | None = None,
) -> Preview:
    """Everything checked when a session opens, without writing anything."""
    concern = guidance.check_concern(concern)
    depth_range = guidance.range_for(conn, concern)
    place = series.place_for(conn, client_key, area, at, series_planned)
    pen = pen_by_serial(conn, pen_serial) if pen_serial is not None else None
    room = clean(room, "room", max_len=60, required=False)
    sharps = open_container(conn, room, at)
    warnings: list[Warning] = []
    if not depth_range.contains(depth_um):
        side = "deeper" if depth_um > depth_range.max_um else "shallower"
        warnings.append(
            Warning(
                "depth_outside_range",
                f"The planned depth of {mm_text(depth_um)} mm is {side} than the clinic's "
                f"range for {depth_range.concern_words} ({depth_range.words}).",
            )
        )
    if place.too_soon and place.previous_at is not None:
        tz = clinic_tz(conn)
        days = place.days_since
        when = "earlier today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
        warnings.append(
            Warning(
                "series_spacing",
                f"The client's previous session on the {area} was {when} "
                f"({local_date(place.previous_at, tz).isoformat()}); sessions of a series are "
                f"at least {series.rules(conn).min_days} days apart. Give the reason for "
                "treating sooner.",
            )
        )
    if pen is not None:
        overdue = pen_cleaning_overdue(conn, pen.id, at)
        if overdue:
            warnings.append(Warning("pen_cleaning_overdue", overdue))
    if sharps is None:
        warnings.append(
            Warning(
                "no_sharps_container",
                f"No sharps container is open at {room}: open one there before the first "
                "cartridge goes in."
                if room
                else "No room is named for this session, so no sharps container is matched "
                "to it: name the room where the used cartridges go.",
            )
        )
    screening = forms.current(conn, "screening")
    consent = forms.current(conn, "consent")
    return Preview(concern, depth_range, screening, consent, place, pen, sharps, tuple(warnings))


def preview(
    conn: Connection,
    *,
    area: str,
    depth_mm: str | float,
    concern: str,
    at: datetime,
    client_ref: str | None = None,
    client_key: str | None = None,
    keys: Keyring | None = None,
    pen_serial: str | None = None,
    room: str = "",
    series_planned: int | None = None,
) -> Preview:
    """What the chair shows before a session opens: the same checks ``open_session`` makes.

    The client is named by reference (with the keys of the signed-in person, to find
    their series) or by blind index.
    """
    if client_key is None and client_ref and keys is not None and keys.has("data"):
        client_key = keys.client_key(clean(client_ref, "client reference"))
    return checks(
        conn,
        client_key=client_key,
        area=area.strip().lower(),
        depth_um=needle_um(depth_mm),
        concern=concern,
        at=at,
        pen_serial=pen_serial,
        room=room,
        series_planned=series_planned,
    )


def missing_answers(form: FormInfo, answers: Mapping[str, bool]) -> list[forms.ScreeningItem]:
    """The questions of the form not answered."""
    return [item for item in form.items if item.key not in answers]


def check_answers(form: FormInfo, answers: Mapping[str, bool]) -> dict[str, bool]:
    """The answers, one per question of the form, or a sentence naming what is missing."""
    keys = [item.key for item in form.items]
    unknown = [k for k in answers if k not in keys]
    if unknown:
        raise InvalidInput(
            f"The screening form (version {form.version}) has no question "
            f"{', '.join(repr(k) for k in unknown)}. Its questions: {', '.join(keys)}."
        )
    missing = missing_answers(form, answers)
    if missing:
        raise InvalidInput(
            "Answer every screening question before the session opens; not answered: "
            + "; ".join(f"{i.key} ({i.question})" for i in missing)
            + "."
        )
    return {k: bool(answers[k]) for k in keys}


def check_consent(consent: FormInfo, signed: int) -> None:
    if signed != consent.version:
        raise InvalidInput(
            f"The current consent form is version {consent.version}; the client signed "
            f"version {signed}. Have the client read and sign version {consent.version} "
            "before this session."
        )


def check_confirmations(confirmations: Mapping[str, str]) -> dict[str, str]:
    unknown = [k for k in confirmations if k not in OPEN_KINDS]
    if unknown:
        raise InvalidInput(
            f"'{unknown[0]}' is not a warning confirmed at open. Those are: "
            f"{', '.join(OPEN_KINDS)}."
        )
    return {
        k: clean(v, f"reason for {KIND_WORDS[k]}", max_len=500, required=False)
        for k, v in confirmations.items()
    }


def unconfirmed(warnings: tuple[Warning, ...], confirmed: Mapping[str, str]) -> list[Warning]:
    return [
        w
        for w in warnings
        if w.kind not in confirmed or (w.needs_reason and not confirmed[w.kind].strip())
    ]


def positive_words(form: FormInfo, answers: Mapping[str, bool]) -> str:
    return "; ".join(i.question for i in form.items if answers.get(i.key))


def overrider(by: Actor, override_by: Actor | None, positive: str) -> Actor:
    """The manager who overrides a positive screening (``override_by`` when given)."""
    person = override_by or by
    if not person.can("override"):
        raise NotAllowed(
            f"{person.name} cannot override a positive screening answer ({positive}); a "
            "manager can, with a reason. Nothing was saved."
        )
    return person


def screening_refusal(form: FormInfo, answers: Mapping[str, bool]) -> ScreeningPositive:
    return ScreeningPositive(
        f"The client answered yes on the screening form (version {form.version}): "
        f"{positive_words(form, answers)} The session cannot be opened unless a manager "
        "overrides it with a reason."
    )


def write_intake(
    conn: Connection,
    session_id: int,
    *,
    checked: Preview,
    screening: FormInfo,
    consent: FormInfo,
    answers: Mapping[str, bool],
    language: str,
    sleeve_fitted: bool,
    room: str,
    by: Actor,
    at: datetime,
) -> tuple[int, dict[str, Any]]:
    """The session's intake row (its audit event is the session's open event)."""
    assert screening.id is not None and consent.id is not None
    values = {
        "session_id": session_id,
        "concern": checked.concern,
        "screening_form_id": screening.id,
        "answers": json.dumps(dict(answers), sort_keys=True),
        "screening_positive": any(answers.values()),
        "consent_form_id": consent.id,
        "range_min_um": checked.range.min_um,
        "range_max_um": checked.range.max_um,
        "room": room,
        "pen_id": checked.pen.id if checked.pen else None,
        "sleeve_fitted": bool(sleeve_fitted and checked.pen),
        "series_number": checked.series.number,
        "series_planned": checked.series.planned,
        "language": language,
        "recorded_by": by.name,
        "recorded_by_id": by.staff_id or None,
        "recorded_at": at,
    }
    intake_id = conn.execute(
        insert(SessionIntake).values(**values).returning(SessionIntake.id)
    ).scalar_one()
    return int(intake_id), values


def write_confirmation(
    conn: Connection,
    session_id: int,
    kind: str,
    warning: str,
    reason: str,
    *,
    by: Actor,
    at: datetime,
    unit_id: int | None = None,
) -> int:
    """One confirmed warning (or override), with its audit event, in the caller's write."""
    values = {
        "session_id": session_id,
        "kind": kind,
        "unit_id": unit_id,
        "warning": warning,
        "reason": reason,
        "confirmed_by": by.name,
        "confirmed_by_id": by.staff_id or None,
        "confirmed_at": at,
    }
    confirmation_id = conn.execute(
        insert(SessionConfirmation).values(**values).returning(SessionConfirmation.id)
    ).scalar_one()
    new: dict[str, object] = {"kind": kind, "reason": reason}
    if unit_id is not None:
        new["unit"] = unit_id
    audit.record(
        conn,
        at=at,
        by=by,
        action="confirm",
        entity="session",
        entity_id=session_id,
        new=new,
        row=binding("session_confirmation", confirmation_id, values),
    )
    return int(confirmation_id)


@dataclass(frozen=True)
class Answer:
    key: str
    question: str
    yes: bool


@dataclass(frozen=True)
class Confirmation:
    """A warning confirmed anyway, or a manager's override: what was shown, who, why."""

    id: int
    kind: str
    unit_id: int | None
    unit_code: str | None
    warning: str
    reason: str
    confirmed_by: str
    confirmed_at: datetime

    @property
    def kind_words(self) -> str:
        return KIND_WORDS.get(self.kind, self.kind.replace("_", " "))

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "kind_words": self.kind_words,
            "confirmed_at": self.confirmed_at.isoformat(),
        }


@dataclass(frozen=True)
class IntakeInfo:
    """A session's intake as recorded: for the chair, the command line and the reports."""

    session_id: int
    concern: str
    screening_form_id: int
    screening_version: int
    answers: tuple[Answer, ...]
    screening_positive: bool
    consent_form_id: int
    consent_version: int
    range: DepthRange
    room: str
    pen_id: int | None
    pen_serial: str | None
    sleeve_fitted: bool
    series_number: int
    series_planned: int
    language: str
    recorded_by: str
    recorded_at: datetime
    confirmations: tuple[Confirmation, ...]

    @property
    def concern_words(self) -> str:
        return guidance.concern_words(self.concern)

    @property
    def positive(self) -> list[Answer]:
        """The screening questions answered yes."""
        return [a for a in self.answers if a.yes]

    @property
    def override(self) -> Confirmation | None:
        """The manager's override of a positive screening (who: confirmed_by; why: reason)."""
        return next((c for c in self.confirmations if c.kind == "screening_override"), None)

    @property
    def series_words(self) -> str:
        return f"session {self.series_number} of {self.series_planned}"

    @property
    def pen_words(self) -> str:
        """The pen and its sleeve, as the chair, the command line and the reports say it."""
        if not self.pen_serial:
            return "no pen (derma roller)"
        return f"pen {self.pen_serial}" + (
            ", new barrier sleeve" if self.sleeve_fitted else ", no new sleeve"
        )

    def as_dict(self) -> dict[str, object]:
        override = self.override
        return {
            "session_id": self.session_id,
            "concern": self.concern,
            "concern_words": self.concern_words,
            "screening_version": self.screening_version,
            "answers": {a.key: a.yes for a in self.answers},
            "questions": {a.key: a.question for a in self.answers},
            "screening_positive": self.screening_positive,
            "positive": [a.key for a in self.positive],
            "override_by": override.confirmed_by if override else None,
            "override_reason": override.reason if override else None,
            "consent_version": self.consent_version,
            "range": self.range.as_dict(),
            "room": self.room,
            "pen": self.pen_serial,
            "sleeve_fitted": self.sleeve_fitted,
            "series_number": self.series_number,
            "series_planned": self.series_planned,
            "language": self.language,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
            "confirmations": [c.as_dict() for c in self.confirmations],
        }


def confirmations_of(conn: Connection, session_id: int) -> list[Confirmation]:
    c = SessionConfirmation
    rows = conn.execute(
        select(
            c.id, c.kind, c.unit_id, Unit.code, c.warning, c.reason, c.confirmed_by, c.confirmed_at
        )
        .outerjoin(Unit, Unit.id == c.unit_id)
        .where(c.session_id == session_id)
        .order_by(c.id)
    )
    return [Confirmation(*row) for row in rows]


def intake_of(conn: Connection, session_id: int) -> IntakeInfo | None:
    """The session's intake and confirmations (None for a session opened before intakes)."""
    i = SessionIntake
    row = conn.execute(
        select(i.__table__, Pen.serial.label("pen_serial"))
        .outerjoin(Pen, Pen.id == i.pen_id)
        .where(i.session_id == session_id)
    ).first()
    if row is None:
        return None
    screening = forms.get_form(conn, row.screening_form_id)
    consent = forms.get_form(conn, row.consent_form_id)
    given: dict[str, bool] = json.loads(row.answers)
    questions = {item.key: item.question for item in screening.items}
    answers = tuple(Answer(k, questions.get(k, k), bool(v)) for k, v in given.items())
    order = list(questions)
    answers = tuple(
        sorted(answers, key=lambda a: order.index(a.key) if a.key in order else len(order))
    )
    return IntakeInfo(
        session_id,
        row.concern,
        row.screening_form_id,
        screening.version,
        answers,
        bool(row.screening_positive),
        row.consent_form_id,
        consent.version,
        DepthRange(row.concern, row.range_min_um, row.range_max_um),
        row.room,
        row.pen_id,
        row.pen_serial,
        bool(row.sleeve_fitted),
        row.series_number,
        row.series_planned,
        row.language,
        row.recorded_by,
        row.recorded_at,
        tuple(confirmations_of(conn, session_id)),
    )


@dataclass(frozen=True)
class AdverseInfo:
    id: int
    session_id: int
    none_observed: bool
    description: str
    recorded_by: str
    recorded_at: datetime

    @property
    def words(self) -> str:
        return "none observed" if self.none_observed else self.description

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"words": self.words, "recorded_at": self.recorded_at.isoformat()}


def adverse_of(conn: Connection, session_id: int) -> list[AdverseInfo]:
    """The session's adverse event records, oldest first ("none" is one of them)."""
    a = AdverseEvent
    rows = conn.execute(
        select(a.id, a.session_id, a.none_observed, a.description, a.recorded_by, a.recorded_at)
        .where(a.session_id == session_id)
        .order_by(a.id)
    )
    return [AdverseInfo(*row) for row in rows]


def adverse_values(
    session_id: int, description: str | None, by: Actor, at: datetime
) -> dict[str, Any]:
    """An adverse event row: None is "none observed"; a description is checked."""
    if description is not None:
        description = clean(description, "adverse event", max_len=2000, multiline=True)
        if description.casefold() == "none":
            description = None
    return {
        "session_id": session_id,
        "none_observed": description is None,
        "description": description or "",
        "recorded_by": by.name,
        "recorded_by_id": by.staff_id or None,
        "recorded_at": at,
    }


def write_adverse(conn: Connection, values: Mapping[str, Any]) -> int:
    return int(
        conn.execute(insert(AdverseEvent).values(**values).returning(AdverseEvent.id)).scalar_one()
    )


def adverse_audit(values: Mapping[str, Any]) -> dict[str, object]:
    return {"none_observed": values["none_observed"], "description": values["description"]}


def record_adverse(db: Database, session_id: int, description: str | None, *, by: Actor) -> int:
    """Record an adverse event of a session, or none observed (``description`` None).

    Also after the session closed: a reaction the client reports the next day belongs to
    the session.
    """
    by.require("sessions")
    with db.write() as conn:
        found = conn.execute(
            select(TreatmentSession.id).where(TreatmentSession.id == session_id)
        ).scalar()
        if found is None:
            raise NotFound(f"There is no treatment session {session_id}.")
        now = db.now(conn)
        values = adverse_values(session_id, description, by, now)
        event_id = write_adverse(conn, values)
        audit.record(
            conn,
            at=now,
            by=by,
            action="adverse",
            entity="session",
            entity_id=session_id,
            new=adverse_audit(values),
            row=binding("adverse_event", event_id, values),
        )
        return event_id
