"""Forms in versions, the depth guidance, and treatment series with their counts."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from inventory import audit
from inventory.access import NotAllowed
from inventory.clock import FixedClock, clinic_tz
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.models import AuditEvent
from sterility import forms, guidance, intake, series, sessions
from tests.conftest import T0
from tests.people import clear_intake, staff

SAM, MANAGER = staff("Sam"), staff("Test Manager")
NEW_SCREENING = json.dumps(
    [
        {"key": "acne", "question": "Active acne where we will treat?"},
        {"key": "blood_thinners", "question": "Taking blood thinners?"},
    ]
)


def _open(db: Database, client: str = "C-1", area: str = "face", **given: object) -> int:
    return sessions.open_session(
        db,
        client_ref=client,
        area=area,
        depth_mm="1.0",
        by=SAM,
        intake=clear_intake(**given),
    ).id


def _intake(db: Database, session_id: int) -> intake.IntakeInfo:
    with db.read() as conn:
        found = intake.intake_of(conn, session_id)
    assert found is not None
    return found


def test_the_built_in_forms_are_version_one(db: Database) -> None:
    with db.read() as conn:
        screening = forms.current(conn, "screening")
        aftercare = forms.current(conn, "aftercare")
        assert forms.versions(conn, "screening") == []
        assert forms.version_of(conn, "consent", 1).version == 1
    assert not screening.stored and screening.version == 1
    assert [i.key for i in screening.items] == ["acne", "eczema", "rosacea", "keloid"]
    assert "SPF 30" in aftercare.body and "5 to 7 days" in aftercare.body
    assert "beyond 3 days" in aftercare.body


def test_a_new_version_is_used_by_the_next_session_and_old_ones_keep_theirs(
    db: Database, clock: FixedClock
) -> None:
    before = _open(db)
    added = forms.add_version(db, "screening", "Screening 2026", NEW_SCREENING, by=MANAGER)
    assert (added.version, added.words) == (2, "screening form version 2")
    with db.read() as conn:
        assert [f.version for f in forms.versions(conn, "screening")] == [1, 2]
        assert forms.current(conn, "screening").id == added.id
    clock.advance(minutes=5)
    # The old answers no longer fit the form in force.
    with pytest.raises(InvalidInput, match="has no question 'eczema'"):
        _open(db, client="C-2")
    with pytest.raises(NotAllowed):  # a practitioner's override
        _open(
            db,
            client="C-2",
            answers={"acne": False, "blood_thinners": True},
            override_reason="GP says fine",
        )
    new = _open(db, client="C-2", answers={"acne": False, "blood_thinners": False})
    old_intake, new_intake = _intake(db, before), _intake(db, new)
    assert old_intake.screening_version == 1
    assert old_intake.answers[0].question == "Active acne in the area to be treated?"
    assert new_intake.screening_version == 2
    assert [(a.key, a.question) for a in new_intake.answers] == [
        ("acne", "Active acne where we will treat?"),
        ("blood_thinners", "Taking blood thinners?"),
    ]
    with db.read() as conn:
        assert audit.verify(conn).ok


def test_a_form_version_added_before_any_session_keeps_the_built_in_as_one(
    db: Database,
) -> None:
    added = forms.add_version(db, "consent", "Consent", "I agree.", by=MANAGER)
    assert added.version == 2
    with db.read() as conn:
        first = forms.version_of(conn, "consent", 1)
        assert first.stored and first.body == forms.CONSENT_V1
        with pytest.raises(NotFound, match="no version 3"):
            forms.version_of(conn, "consent", 3)
        events = conn.execute(select(AuditEvent.entity).where(AuditEvent.entity == "form")).all()
    assert len(events) == 2
    with pytest.raises(InvalidInput, match="already; nothing was changed"):
        forms.add_version(db, "consent", "Consent", "I agree.", by=MANAGER)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("not json", "list of questions"),
        ("[]", "1 to 20 questions"),
        (json.dumps([{"key": f"q{i}", "question": "?"} for i in range(21)]), "this one has 21"),
        (json.dumps([{"key": "Acne", "question": "Acne?"}]), "lowercase letters"),
        (json.dumps([{"key": "a b", "question": "Acne?"}]), "lowercase letters"),
        (json.dumps([{"key": "a", "question": "A?"}, {"key": "a", "question": "B?"}]), "twice"),
        (json.dumps([{"key": "a", "question": " "}]), "required"),
        (json.dumps([{"key": "a"}]), "list of questions"),
    ],
)
def test_a_screening_version_is_checked(db: Database, body: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        forms.add_version(db, "screening", "Screening", body, by=MANAGER)
    with db.read() as conn:
        assert forms.versions(conn, "screening") == []


def test_only_a_manager_changes_forms_and_aftercare_has_languages(db: Database) -> None:
    with pytest.raises(NotAllowed):
        forms.add_version(db, "aftercare", "Aftercare", "Text", by=SAM)
    with pytest.raises(InvalidInput, match="Only the aftercare sheet"):
        forms.add_version(
            db, "consent", "Consentimiento", "Acepto.", by=MANAGER, language="Español"
        )
    spanish = forms.add_version(
        db,
        "aftercare",
        "Cuidados",
        "Sin sol ni maquillaje\r\ndurante 24 horas.",
        by=MANAGER,
        language="Español",
    )
    assert (spanish.version, spanish.language, spanish.body) == (
        1,
        "Español",
        "Sin sol ni maquillaje\ndurante 24 horas.",
    )
    with db.read() as conn:
        assert forms.current(conn, "aftercare", "Español").id == spanish.id
        fallback = forms.current(conn, "aftercare", "Deutsch")
        assert fallback.language == "" and fallback.body == forms.AFTERCARE_V1
        assert forms.languages(conn) == ["Español"]
        assert forms.versions(conn, "aftercare", "") == []  # the built-in not yet stored


def test_the_depth_guidance_defaults_and_a_managers_change(db: Database) -> None:
    with db.read() as conn:
        found = {r.concern: r.words for r in guidance.ranges(conn)}
    assert found == {
        "texture": "0.5 to 1.0 mm",
        "fine_lines": "0.5 to 1.5 mm",
        "acne_scars": "1.0 to 2.5 mm",
        "stretch_marks": "1.5 to 2.5 mm",
        "hair_loss": "0.5 to 1.5 mm",
        "hyperpigmentation": "0.5 to 1.0 mm",
    }
    before = _open(db)  # fine lines, 0.5 to 1.5 mm
    changed = guidance.set_range(db, "fine_lines", "0.25", "1.25", by=MANAGER)
    assert changed.words == "0.25 to 1.25 mm"
    with db.read() as conn:
        assert guidance.range_for(conn, "fine_lines").max_um == 1250
        event = conn.execute(
            select(AuditEvent.entity_id, AuditEvent.new_values)
            .where(AuditEvent.entity == "setting")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None and event.entity_id == "depth.fine_lines"
    assert "0.25-1.25" in event.new_values
    # The session keeps the range it opened under; the next one gets the new one.
    assert _intake(db, before).range.words == "0.5 to 1.5 mm"
    assert _intake(db, _open(db, client="C-2")).range.words == "0.25 to 1.25 mm"
    with pytest.raises(InvalidInput, match="outside 0.25 to 2.5 mm"):
        guidance.set_range(db, "texture", "0.2", "1.0", by=MANAGER)
    with pytest.raises(InvalidInput, match="outside 0.25 to 2.5 mm"):
        guidance.set_range(db, "texture", "0.5", "2.6", by=MANAGER)
    with pytest.raises(InvalidInput, match="give the shorter first"):
        guidance.set_range(db, "texture", "1.0", "0.5", by=MANAGER)
    with pytest.raises(InvalidInput, match="not a skin concern"):
        guidance.set_range(db, "wrinkles", "0.5", "1.0", by=MANAGER)
    with pytest.raises(NotAllowed):
        guidance.set_range(db, "texture", "0.5", "1.0", by=SAM)


def test_a_series_is_numbered_and_a_complete_one_starts_again(
    db: Database, clock: FixedClock
) -> None:
    numbers = []
    for _ in range(4):
        numbers.append(_intake(db, _open(db)).series_words)
        clock.advance(days=30)
    assert numbers == ["session 1 of 3", "session 2 of 3", "session 3 of 3", "session 1 of 3"]
    longer = _open(db, series_planned=5)  # changes the plan of the series under way
    assert _intake(db, longer).series_words == "session 2 of 5"
    with pytest.raises(InvalidInput, match="3 to 6 sessions, not 7"):
        _open(db, series_planned=7)
    assert _intake(db, _open(db)).series_words == "session 3 of 5"
    with pytest.raises(InvalidInput, match="session 4 of the client's series on the face"):
        _open(db, series_planned=3)
    with db.read() as conn:
        due = series.next_due(conn, longer)  # after session 2 of 5, opened on day 120
        assert series.next_due(conn, _first_complete(conn)) is None
    assert due is not None
    opened = T0 + timedelta(days=120)
    day = opened.astimezone(clock_tz(db)).date()
    assert (due.earliest, due.latest) == (day + timedelta(days=28), day + timedelta(days=42))


def _first_complete(conn) -> int:
    """The session that completed the first series (its third)."""
    found = series.all_series(conn, T0 + timedelta(days=1000))
    return next(s for s in found if s.complete).session_ids[-1]


def clock_tz(db: Database) -> ZoneInfo:
    with db.read() as conn:
        return clinic_tz(conn)


def test_the_usage_report_counts_series_completed_in_progress_and_overdue(
    db: Database, clock: FixedClock
) -> None:
    start = clock.at
    # A: three sessions 30 days apart, completed on day 60.
    # B: two sessions, the last on day 60: in progress at day 90.
    # C: one session on day 0, never again: overdue by day 90.
    _open(db, client="C", area="neck")
    for day in (0, 30, 60):
        clock.at = start + timedelta(days=day)
        _open(db, client="A")
        if day:
            _open(db, client="B")
    end = start + timedelta(days=90)
    with db.read() as conn:
        counts = series.series_counts(conn, start, end)
        early = series.series_counts(conn, start, start + timedelta(days=20))
        later = series.series_counts(conn, end, end + timedelta(days=30))
        a = series.series_of(conn, _key("A"), "face")
        rules_ = series.rules(conn)
        tz = clock_tz(db)
    assert counts == series.SeriesCounts(completed=1, in_progress=1, overdue=1)
    assert counts.as_dict() == {"completed": 1, "in_progress": 1, "overdue": 1}
    assert early == series.SeriesCounts(completed=0, in_progress=2, overdue=0)
    # After day 90: A was completed before, C was already overdue; B becomes overdue.
    assert later == series.SeriesCounts(completed=0, in_progress=0, overdue=1)
    assert a is not None and a.count == 3 and a.state(end, rules_, tz) == "completed"
    assert a.next_due(rules_, tz) is None


def _key(client: str) -> str:
    """The client's blind index, as the session rows keep it."""
    return SAM.keys.client_key(client)
