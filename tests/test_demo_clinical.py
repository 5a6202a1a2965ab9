"""The demo clinic fills the treatment around the cartridge: every kind of record, in time.

Screens, the compliance report and the screenshots show what the demo made, so each kind
of record is checked here as the services read it back: pens and their cleanings, sharps
containers sealed and collected, sterilizer cycles with a failed biological indicator and
its exposed sessions, screening overridden and refused, form versions, adverse events,
series completed, in progress and overdue; and the audit trail checks out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commands.demo_cmd import SUMMARY, Cast, fill, make_staff, story_span
from inventory import settings
from inventory.audit import verify
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.ledger import open_ledger
from inventory.models import AuditEvent
from inventory.seal import key_from_text
from sterility import forms, intake, pens, series, sessions, sharps, sterilizer
from sterility.care_models import AdverseEvent, SessionConfirmation, SessionIntake
from sterility.models import Refusal, TreatmentSession

TODAY = date(2026, 3, 10)  # the UI tests' demo clinic ends on the same day


@dataclass
class Demo:
    db: Database
    cast: Cast
    summary: dict[str, int]
    start: datetime
    now: datetime


def make_demo(path: Path, today: date) -> Demo:
    start, now = story_span(today, 4)
    db = open_ledger(f"sqlite:///{path}", clock=FixedClock(now + timedelta(minutes=30)))
    cast = make_staff(db, today=today)
    return Demo(db, cast, fill(db, cast, today=today), start, now)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    made = make_demo(tmp_path_factory.mktemp("demo") / "ledger.sqlite3", TODAY)
    yield made
    made.db.dispose()


def confirmations(demo: Demo, kind: str) -> list[tuple[int, str, str]]:
    c = SessionConfirmation
    with demo.db.read() as conn:
        rows = conn.execute(
            select(c.session_id, c.reason, c.confirmed_by).where(c.kind == kind).order_by(c.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_the_summary_counts_every_new_kind_of_record(demo: Demo) -> None:
    summary = demo.summary
    assert list(summary)[: len(SUMMARY)] == list(SUMMARY)
    for key in SUMMARY:
        assert summary[key] > 0, key
    assert summary["pens"] == 3 and summary["screenings_overridden"] == 1
    assert summary["screenings_refused"] == 1 and summary["form_versions"] == 3
    assert summary["adverse_events"] == 3 and summary["series_overdue"] == 1


def test_pens_their_cleanings_and_the_two_overdue_confirmed(demo: Demo) -> None:
    with demo.db.read() as conn:
        listed = pens.list_pens(conn, demo.now)
        cleanings = pens.list_cleanings(conn)
        pen_sessions = conn.execute(
            select(func.count()).select_from(SessionIntake).where(SessionIntake.pen_id.is_not(None))
        ).scalar_one()
        sleeves = conn.execute(
            select(func.count())
            .select_from(SessionIntake)
            .where(SessionIntake.pen_id.is_not(None), SessionIntake.sleeve_fitted.is_(False))
        ).scalar_one()
    assert len(listed) == 3
    retired = [row.pen for row in listed if not row.pen.active]
    assert len(retired) == 1 and "warranty" in (retired[0].retire_note or "")
    assert retired[0].retired_at is not None and retired[0].retired_at > demo.start + timedelta(
        days=80
    )
    assert {row.pen.model for row in listed} >= {"Lumina Glide P3", "Aurel Micro M8"}
    # Cleaned between clients: one cleaning per pen session but the two missed (and
    # the session still open today), plus each pen's first.
    assert len(cleanings) >= pen_sessions - 3
    assert sleeves == 0
    assert any("70% isopropyl alcohol" in c.method for c in cleanings)
    overdue = confirmations(demo, "pen_cleaning_overdue")
    assert len(overdue) == 2 and all(reason for _s, reason, _by in overdue)


def test_sharps_containers_sealed_collected_and_one_open_at_each_room(demo: Demo) -> None:
    with demo.db.read() as conn:
        containers = sharps.list_containers(conn)
    open_rooms = sorted(c.room for c in containers if c.state == "open")
    assert open_rooms == ["Room 1", "Room 2"]
    collected = [c for c in containers if c.state == "collected"]
    assert len(collected) >= 4
    assert all((c.collector_ref or "").startswith("CleanAway docket ") for c in collected)
    assert all(c.collected_at and c.sealed_at and c.collected_at > c.sealed_at for c in collected)
    assert sum(c.cartridges for c in containers) >= demo.summary["uses"] * 0.9
    with demo.db.read() as conn:
        no_room = conn.execute(
            select(func.count()).select_from(SessionIntake).where(SessionIntake.room == "")
        ).scalar_one()
    assert no_room == 0 and not confirmations(demo, "no_sharps_container")


def test_weekly_cycles_one_failed_bi_read_a_day_later_quarantines_and_exposes(demo: Demo) -> None:
    with demo.db.read() as conn:
        cycles = sterilizer.list_cycles(conn)
        failed = [c for c in cycles if c.bi_result == "fail"]
        assert len(failed) == 1
        exposed = sterilizer.failed_bi_exposure(conn, failed[0].id)
    assert len(cycles) >= 12
    for cycle in cycles:
        assert (cycle.temperature_c, cycle.holding_minutes) == (134, 4)
        assert 200 <= cycle.pressure_kpa <= 220 and cycle.chemical_result == "pass"
        assert 3 <= len(cycle.packs) <= 4 and cycle.sterilizer == "Autoclave 1 (Class B)"
    bad = failed[0]
    assert bad.bi_read_at is not None
    assert timedelta(hours=12) < bad.bi_read_at - bad.run_at < timedelta(hours=36)
    assert bad.quarantined == list(bad.packs)
    assert len(exposed) == 2 and {e.cycle_id for e in exposed} == {bad.id}
    used = [p for c in cycles for p in c.packs if p.session_id is not None]
    assert len(used) == demo.summary["packs_used"] >= 20
    # The load was reprocessed: the next cycle says so.
    assert any("reprocessed" in c.load_contents for c in cycles)


def test_screening_override_refusal_forms_and_languages(demo: Demo) -> None:
    with demo.db.read() as conn:
        positive = conn.execute(
            select(SessionIntake.session_id).where(SessionIntake.screening_positive.is_(True))
        ).scalars()
        infos = [intake.intake_of(conn, s) for s in positive]
        refused = conn.execute(
            select(Refusal.message).where(Refusal.reason == "screening_positive")
        ).scalars()
        refused = list(refused)
        consent = forms.versions(conn, "consent")
        screening = forms.versions(conn, "screening")
        languages = forms.languages(conn)
        spanish = conn.execute(
            select(func.count())
            .select_from(SessionIntake)
            .where(SessionIntake.language == "Español")
        ).scalar_one()
        contact = settings.read_all(conn)["clinic_contact"]
    assert len(infos) == 1 and infos[0] is not None
    override = infos[0].override
    assert override is not None and override.confirmed_by == "Demo Manager" and override.reason
    assert [a.key for a in infos[0].positive] == ["rosacea"]
    assert len(refused) == 1 and "Active acne" in refused[0]
    assert [f.version for f in consent] == [1, 2]
    assert [f.version for f in screening] == [1, 2]
    assert "pregnant" in [i.key for i in screening[-1].items]
    assert languages == ["Español"] and spanish >= 2
    assert "02 9555 0142" in contact and "Sydney" in contact
    with demo.db.read() as conn:
        versions = conn.execute(
            select(SessionIntake.consent_form_id, func.count()).group_by(
                SessionIntake.consent_form_id
            )
        ).all()
    assert len(versions) == 2  # sessions under consent version 1, then version 2


def test_depth_cartridge_and_spacing_each_confirmed_once(demo: Demo) -> None:
    for kind in ("depth_outside_range", "cartridge_outside_range", "series_spacing"):
        assert len(confirmations(demo, kind)) == 1, kind
    [(_session, reason, _by)] = confirmations(demo, "series_spacing")
    assert reason


def test_adverse_events_none_on_every_close_but_a_few(demo: Demo) -> None:
    with demo.db.read() as conn:
        closed = list(
            conn.execute(
                select(TreatmentSession.id, TreatmentSession.closed_at).where(
                    TreatmentSession.closed_at.is_not(None)
                )
            )
        )
        real = conn.execute(
            select(AdverseEvent.session_id, AdverseEvent.recorded_at).where(
                AdverseEvent.none_observed.is_(False)
            )
        ).all()
        missing = [s for s, _at in closed if not intake.adverse_of(conn, s)]
    assert missing == []
    assert len(real) == demo.summary["adverse_events"] == 3
    closed_at = dict(closed)
    assert any(at > closed_at[s] + timedelta(days=3) for s, at in real)  # reported by phone


def test_series_completed_in_progress_and_one_overdue(demo: Demo) -> None:
    with demo.db.read() as conn:
        counts = series.series_counts(conn, demo.start, demo.now)
        session_count = len(sessions.list_sessions(conn, limit=10_000))
    assert counts.completed >= 10 and counts.in_progress >= 10 and counts.overdue == 1
    assert demo.summary["series_completed"] == counts.completed
    assert demo.summary["series_overdue"] == 1
    assert session_count == demo.summary["sessions"]


def test_every_time_is_in_order_and_none_in_the_future(demo: Demo) -> None:
    with demo.db.read() as conn:
        times = list(conn.execute(select(AuditEvent.at).order_by(AuditEvent.id)).scalars())
        report = verify(conn, key=key_from_text(demo.cast.verification_key))
    assert times == sorted(times) and times[-1] <= demo.now
    assert report.ok and report.seals_checked, report.problem


@pytest.mark.parametrize("today", [date(2026, 5, 20), date(2026, 11, 3)])
def test_the_story_holds_on_other_dates(tmp_path: Path, today: date) -> None:
    """Across a daylight-saving change and other weekdays, the story runs and checks out."""
    made = make_demo(tmp_path / "ledger.sqlite3", today)
    try:
        with made.db.read() as conn:
            assert verify(conn).ok
            counts = series.series_counts(conn, made.start, made.now)
        assert counts.overdue == 1 and made.summary["screenings_overridden"] == 1
        assert all(made.summary[key] > 0 for key in SUMMARY)
    finally:
        made.db.dispose()
