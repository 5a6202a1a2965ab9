"""Opening a session with its intake: screening, consent, the warnings to confirm, adverse
events before closing. Every test runs on SQLite and on PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from inventory import audit
from inventory.access import NotAllowed
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.models import AuditEvent
from sterility import forms, intake, pens, sessions, sharps
from sterility.care_models import AdverseEvent, FormVersion, SessionConfirmation, SessionIntake
from sterility.errors import ScreeningPositive
from sterility.intake import NeedsConfirmation
from sterility.models import Refusal, TreatmentSession
from sterility.sessions import SessionInfo
from tests.people import clear_intake, staff

SAM, JO, MANAGER = staff("Sam"), staff("Jo"), staff("Test Manager")
ROOM = "Room 1"
ACNE = {"acne": True, "eczema": False, "rosacea": False, "keloid": False}


@pytest.fixture
def room(db: Database) -> str:
    """Room 1 with its sharps container open, so a session there has no sharps warning."""
    sharps.open_container(db, ROOM, label="Bin A", by=MANAGER)
    return ROOM


def _open(
    db: Database,
    *,
    by=SAM,
    client: str = "C-1",
    area: str = "face",
    depth: str = "0.5",
    practitioner: str | None = None,
    override_by=None,
    **given: object,
) -> SessionInfo:
    """A session of texture and pores (0.5 to 1.0 mm) at Room 1, nothing confirmed ahead."""
    values: dict[str, object] = {"concern": "texture", "room": ROOM, "confirmations": {}}
    return sessions.open_session(
        db,
        client_ref=client,
        area=area,
        depth_mm=depth,
        by=by,
        practitioner=practitioner,
        intake=clear_intake(**(values | given)),
        override_by=override_by,
    )


def _count(db: Database, table) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _intake(db: Database, session_id: int) -> intake.IntakeInfo:
    with db.read() as conn:
        found = intake.intake_of(conn, session_id)
    assert found is not None
    return found


def _kinds(error: NeedsConfirmation) -> list[str]:
    return [w.kind for w in error.warnings]


def test_a_clear_intake_is_recorded_with_the_session(db: Database, room: str) -> None:
    info = _open(db)
    found = _intake(db, info.id)
    assert (found.concern, found.concern_words) == ("texture", "texture and pores")
    assert {a.key: a.yes for a in found.answers} == dict.fromkeys(ACNE, False)
    assert found.answers[0].question == "Active acne in the area to be treated?"
    assert not found.screening_positive and found.positive == [] and found.override is None
    assert (found.screening_version, found.consent_version) == (1, 1)
    assert (found.range.min_um, found.range.max_um) == (500, 1000)
    assert (found.room, found.series_number, found.series_planned) == (ROOM, 1, 3)
    assert found.confirmations == () and found.recorded_by == "Sam"
    with db.read() as conn:
        # The built-in forms were stored as version 1 on first use, each with its event.
        stored = conn.execute(select(FormVersion.kind, FormVersion.version)).all()
        assert sorted(stored) == [("consent", 1), ("screening", 1)]
        # The open event carries the intake row's digest.
        opened = conn.execute(
            select(AuditEvent.row_table).where(
                AuditEvent.action == "open", AuditEvent.entity == "session"
            )
        ).scalar_one()
        assert opened == "session_intake"
        assert audit.verify(conn).ok
    second = _open(db, client="C-2")
    assert _intake(db, second.id).screening_form_id == found.screening_form_id
    assert _count(db, FormVersion) == 2


def test_a_yes_on_the_screening_blocks_the_session_and_is_recorded(db: Database, room: str) -> None:
    with pytest.raises(ScreeningPositive) as refused:
        _open(db, answers=ACNE)
    assert refused.value.code == "screening_positive"
    assert "Active acne in the area to be treated?" in refused.value.message
    assert "manager" in refused.value.message
    with db.read() as conn:
        (row,) = conn.execute(select(Refusal)).all()
        assert conn.execute(select(func.count()).select_from(TreatmentSession)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(SessionIntake)).scalar() == 0
        assert audit.verify(conn).ok
    assert (row.reason, row.session_id, row.refused_by) == ("screening_positive", None, "Sam")
    assert row.id == refused.value.refusal_id and "acne" in row.scanned
    # A manager without a reason is refused the same way.
    with pytest.raises(ScreeningPositive):
        _open(db, by=MANAGER, practitioner="Sam", answers=ACNE)
    assert _count(db, Refusal) == 2


def test_a_manager_overrides_a_positive_screening_with_a_reason(db: Database, room: str) -> None:
    info = _open(
        db, by=MANAGER, practitioner="Sam", answers=ACNE, override_reason="GP letter: healed"
    )
    found = _intake(db, info.id)
    assert found.screening_positive and [a.key for a in found.positive] == ["acne"]
    assert found.override is not None
    assert (found.override.confirmed_by, found.override.reason) == (
        "Test Manager",
        "GP letter: healed",
    )
    assert "Active acne" in found.override.warning
    assert info.practitioner == "Sam"
    with db.read() as conn:
        assert audit.verify(conn).ok


def test_a_manager_signed_in_for_the_override_is_named(db: Database, room: str) -> None:
    info = _open(db, answers=ACNE, override_reason="dermatologist cleared it", override_by=MANAGER)
    found = _intake(db, info.id)
    assert found.override is not None and found.override.confirmed_by == "Test Manager"
    assert found.recorded_by == "Sam"
    with db.read() as conn:
        opened_by = conn.execute(
            select(TreatmentSession.opened_by).where(TreatmentSession.id == info.id)
        ).scalar_one()
    assert opened_by == "Sam"


@pytest.mark.parametrize("override_by", [None, "Jo"])
def test_a_practitioners_override_is_not_allowed_and_nothing_is_written(
    db: Database, room: str, override_by: str | None
) -> None:
    events = _count(db, AuditEvent)
    with pytest.raises(NotAllowed, match="manager can") as refused:
        _open(
            db,
            answers=ACNE,
            override_reason="I think it is fine",
            override_by=staff(override_by) if override_by else None,
        )
    assert (override_by or "Sam") in refused.value.message
    assert _count(db, AuditEvent) == events
    for table in (Refusal, TreatmentSession, SessionIntake, SessionConfirmation, FormVersion):
        assert _count(db, table) == 0


def test_the_consent_signed_must_be_the_current_version(db: Database, room: str) -> None:
    forms.add_version(db, "consent", "Consent (2026)", "I agree to microneedling.", by=MANAGER)
    with pytest.raises(InvalidInput, match="The current consent form is version 2") as refused:
        _open(db)
    assert "signed version 1" in refused.value.message
    assert _count(db, TreatmentSession) == 0 and _count(db, Refusal) == 0
    info = _open(db, consent_version=2)
    assert _intake(db, info.id).consent_version == 2


def test_every_screening_question_is_answered(db: Database, room: str) -> None:
    with pytest.raises(InvalidInput, match="not answered: keloid") as missing:
        _open(db, answers={"acne": False, "eczema": False, "rosacea": False})
    assert "keloid scarring" in missing.value.message
    with pytest.raises(InvalidInput, match="has no question 'smoker'"):
        _open(db, answers=dict.fromkeys(ACNE, False) | {"smoker": False})
    with pytest.raises(InvalidInput, match="not a skin concern"):
        _open(db, concern="wrinkles")
    assert _count(db, TreatmentSession) == 0


@pytest.mark.parametrize(
    ("concern", "depth", "side"),
    [("texture", "1.5", "deeper"), ("acne_scars", "0.5", "shallower")],
)
def test_a_planned_depth_outside_the_range_is_confirmed(
    db: Database, room: str, concern: str, depth: str, side: str
) -> None:
    with pytest.raises(NeedsConfirmation) as needed:
        _open(db, concern=concern, depth=depth)
    (warning,) = needed.value.warnings
    assert warning.kind == "depth_outside_range" and f"{depth} mm is {side}" in warning.message
    assert _count(db, TreatmentSession) == 0
    info = _open(
        db, concern=concern, depth=depth, confirmations={"depth_outside_range": "client's skin"}
    )
    (confirmed,) = _intake(db, info.id).confirmations
    assert (confirmed.kind, confirmed.reason, confirmed.confirmed_by) == (
        "depth_outside_range",
        "client's skin",
        "Sam",
    )
    assert confirmed.warning == warning.message


def test_a_session_sooner_than_the_series_spacing_needs_a_reason(
    db: Database, clock: FixedClock, room: str
) -> None:
    first = _open(db)
    clock.advance(days=10)
    with pytest.raises(NeedsConfirmation) as needed:
        _open(db)
    (warning,) = needed.value.warnings
    assert warning.kind == "series_spacing" and warning.needs_reason
    assert "10 days ago" in warning.message and "28 days" in warning.message
    with pytest.raises(NeedsConfirmation):  # confirmed without a reason: still asked
        _open(db, confirmations={"series_spacing": "  "})
    second = _open(db, confirmations={"series_spacing": "event on Saturday"})
    found = _intake(db, second.id)
    assert found.series_number == 2 and found.confirmations[0].reason == "event on Saturday"
    # Another area, or another client, is another series.
    assert _intake(db, _open(db, area="neck").id).series_number == 1
    assert _intake(db, _open(db, client="C-2").id).series_number == 1
    clock.advance(days=30)
    third = _open(db)
    assert _intake(db, third.id).series_number == 3
    assert _intake(db, first.id).series_number == 1


def test_a_pen_overdue_for_cleaning_is_confirmed(
    db: Database, clock: FixedClock, room: str
) -> None:
    pens.add_pen(db, "PEN-7", model="A6", by=MANAGER)
    with pytest.raises(NeedsConfirmation) as never:
        _open(db, pen_serial="PEN-7", sleeve_fitted=True)
    assert _kinds(never.value) == ["pen_cleaning_overdue"]
    assert "no cleaning recorded" in never.value.warnings[0].message
    pens.record_cleaning(db, "PEN-7", method="70% alcohol wipe", by=SAM)
    clock.advance(minutes=5)
    cleaned = _open(db, pen_serial="PEN-7", sleeve_fitted=True)
    found = _intake(db, cleaned.id)
    assert (found.pen_serial, found.sleeve_fitted, found.confirmations) == ("PEN-7", True, ())
    assert cleaned.device == "PEN-7"
    clock.advance(minutes=50)
    with pytest.raises(NeedsConfirmation) as used:
        _open(db, client="C-2", pen_serial="PEN-7", sleeve_fitted=True)
    assert _kinds(used.value) == ["pen_cleaning_overdue"]
    assert "not cleaned since" in used.value.warnings[0].message
    confirmed = _open(
        db,
        client="C-2",
        pen_serial="PEN-7",
        sleeve_fitted=True,
        confirmations={"pen_cleaning_overdue": ""},
    )
    assert [c.kind for c in _intake(db, confirmed.id).confirmations] == ["pen_cleaning_overdue"]


def test_a_pen_needs_a_new_sleeve_and_must_be_on_the_list(db: Database, room: str) -> None:
    pens.add_pen(db, "PEN-8", by=MANAGER)
    with pytest.raises(InvalidInput, match="Fit a new barrier sleeve on pen PEN-8"):
        _open(db, pen_serial="PEN-8")
    with pytest.raises(NotFound, match="no pen 'PEN-404'"):
        _open(db, pen_serial="PEN-404", sleeve_fitted=True)
    pens.retire_pen(db, "PEN-8", note="cracked housing", by=MANAGER)
    with pytest.raises(InvalidInput, match="retired"):
        _open(db, pen_serial="PEN-8", sleeve_fitted=True)
    assert _count(db, TreatmentSession) == 0


def test_no_open_sharps_container_is_confirmed(db: Database, clock: FixedClock) -> None:
    with pytest.raises(NeedsConfirmation) as needed:
        _open(db, room="Room 2")
    assert _kinds(needed.value) == ["no_sharps_container"]
    assert "No sharps container is open at Room 2" in needed.value.warnings[0].message
    with pytest.raises(NeedsConfirmation, match="No room is named"):
        _open(db, room="")
    container = sharps.open_container(db, "Room 2", by=SAM)
    clock.advance(minutes=1)
    assert _intake(db, _open(db, room="room 2").id).confirmations == ()
    sharps.seal(db, container.id, by=SAM)
    clock.advance(minutes=1)
    with pytest.raises(NeedsConfirmation):
        _open(db, client="C-2", room="Room 2")
    info = _open(db, client="C-2", room="Room 2", confirmations={"no_sharps_container": ""})
    assert [c.kind for c in _intake(db, info.id).confirmations] == ["no_sharps_container"]


def test_the_warnings_come_together_and_nothing_is_written(db: Database, clock: FixedClock) -> None:
    pens.add_pen(db, "PEN-9", by=MANAGER)
    _open(db, depth="1.0", confirmations={"no_sharps_container": ""}, room="")
    clock.advance(days=3)
    events = _count(db, AuditEvent)
    with pytest.raises(NeedsConfirmation) as needed:
        _open(db, depth="2.0", pen_serial="PEN-9", sleeve_fitted=True, room="Room 3")
    assert _kinds(needed.value) == [
        "depth_outside_range",
        "series_spacing",
        "pen_cleaning_overdue",
        "no_sharps_container",
    ]
    assert needed.value.code == "needs_confirmation"
    assert all(w.message in needed.value.message for w in needed.value.warnings)
    assert _count(db, AuditEvent) == events and _count(db, TreatmentSession) == 1
    # Confirmed in part: only the rest is asked again.
    with pytest.raises(NeedsConfirmation) as again:
        _open(
            db,
            depth="2.0",
            pen_serial="PEN-9",
            sleeve_fitted=True,
            room="Room 3",
            confirmations={"depth_outside_range": "", "no_sharps_container": ""},
        )
    assert _kinds(again.value) == ["series_spacing", "pen_cleaning_overdue"]
    with pytest.raises(InvalidInput, match="not a warning confirmed at open"):
        _open(db, confirmations={"screening_override": "x"})
    info = _open(
        db,
        depth="2.0",
        pen_serial="PEN-9",
        sleeve_fitted=True,
        room="Room 3",
        confirmations={
            "depth_outside_range": "deep scarring",
            "series_spacing": "touch-up",
            "pen_cleaning_overdue": "",
            "no_sharps_container": "bin on order",
        },
    )
    found = _intake(db, info.id)
    assert [(c.kind, c.reason) for c in found.confirmations] == [
        ("depth_outside_range", "deep scarring"),
        ("series_spacing", "touch-up"),
        ("pen_cleaning_overdue", ""),
        ("no_sharps_container", "bin on order"),
    ]
    # One event for the open (holding the intake), one per confirmation.
    assert _count(db, AuditEvent) == events + 5
    with db.read() as conn:
        assert audit.verify(conn).ok


def test_the_preview_shows_what_opening_would_ask(
    db: Database, clock: FixedClock, room: str
) -> None:
    first = _open(db)
    clock.advance(days=2)
    with db.read() as conn:
        shown = intake.preview(
            conn,
            client_ref="C-1",
            keys=SAM.keys,
            area="face",
            depth_mm="1.5",
            concern="texture",
            room=ROOM,
            at=db.now(conn),
        )
    assert [w.kind for w in shown.warnings] == ["depth_outside_range", "series_spacing"]
    assert (shown.series.number, shown.series.planned, shown.range.words) == (
        2,
        3,
        "0.5 to 1.0 mm",
    )
    assert [i.key for i in shown.screening.items] == list(ACNE)
    assert shown.consent.version == 1 and shown.sharps is not None
    assert shown.as_dict()["warnings"][1]["needs_reason"] is True
    with pytest.raises(NeedsConfirmation) as needed:
        _open(db, depth="1.5")
    assert needed.value.warnings == list(shown.warnings)
    with db.read() as conn:
        by_key = intake.preview(
            conn,
            client_key=first.client_key,
            area="face",
            depth_mm="0.5",
            concern="texture",
            room=ROOM,
            at=db.now(conn),
        )
    assert [w.kind for w in by_key.warnings] == ["series_spacing"]


def test_adverse_events_or_none_before_closing(db: Database, room: str) -> None:
    info = _open(db)
    with pytest.raises(
        InvalidInput, match=f"Record adverse events, or none, before closing session {info.id}."
    ):
        sessions.close_session(db, info.id, by=SAM)
    with db.read() as conn:
        assert sessions.get_session(conn, info.id).is_open
    closed = sessions.close_session(db, info.id, by=SAM, adverse="none")
    assert not closed.is_open
    with db.read() as conn:
        (none,) = intake.adverse_of(conn, info.id)
        # The close event carries the adverse record's digest.
        bound = conn.execute(
            select(AuditEvent.row_table).where(AuditEvent.action == "close")
        ).scalar_one()
    assert none.none_observed and none.words == "none observed" and bound == "adverse_event"

    other = _open(db, client="C-2")
    first = intake.record_adverse(db, other.id, "Pinpoint bleeding, stopped with pressure", by=SAM)
    sessions.close_session(db, other.id, by=SAM)  # recorded already
    later = intake.record_adverse(db, other.id, "Client called: swelling on day 2", by=SAM)
    with db.read() as conn:
        recorded = intake.adverse_of(conn, other.id)
        assert audit.verify(conn).ok
    assert [a.id for a in recorded] == [first, later]
    assert not recorded[0].none_observed and recorded[0].description.startswith("Pinpoint")

    third = _open(db, client="C-3")
    sessions.close_session(db, third.id, by=SAM, adverse="Mild redness")
    with db.read() as conn:
        (text,) = intake.adverse_of(conn, third.id)
    assert (text.none_observed, text.description) == (False, "Mild redness")
    with pytest.raises(InvalidInput, match="adverse event is required"):
        intake.record_adverse(db, third.id, "  ", by=SAM)
    with pytest.raises(NotFound):
        intake.record_adverse(db, 999, None, by=SAM)
    assert _count(db, AdverseEvent) == 4
