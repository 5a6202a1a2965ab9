"""The treatment around the cartridge in the compliance report, read back from PDF and CSV:
screening and overrides, confirmed warnings, consent, adverse events, pens and cleanings,
sharps containers, sterilizer cycles and a failed biological indicator."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path

import pytest
from sqlalchemy import insert

from inventory import receiving, settings
from inventory.clock import FixedClock
from inventory.db import Database
from reports.clinical_data import NOT_KEPT
from reports.export import ExportResult, export_compliance
from reports.manifest import read_manifest
from reports.verify import verify_file
from sterility import pens, sessions, sharps, sterilizer
from sterility.chair import use_unit
from sterility.intake import record_adverse
from sterility.models import TreatmentSession
from tests.conftest import GTIN_05, GTIN_10, add_products, box
from tests.people import CLEAR_CONFIRMATIONS, clear_intake, staff
from tests.reports.conftest import pdf_text
from tests.reports.test_compliance_sections import _csv, _flat, _section

START, END = date(2026, 3, 1), date(2026, 3, 31)
MANAGER = "Test Manager"
OVERRIDE = "GP letter on file: rosacea controlled, not in the treated area"
DEPTH_REASON = "Deep scarring on the cheeks, discussed with the client"
PEN_REASON = "Wiped with 70% alcohol between clients; full clean after"
HARM = "Pinpoint bleeding at the forehead, settled within 10 minutes"
LATER = "Client phoned: redness on day 4, advised to call the GP"
METHOD = "Enzymatic clean, then 70% isopropyl wipe"


@dataclass
class Care:
    """What the scenario recorded, for the tests to look for."""

    overridden: int  # screening positive, a manager's override; an adverse event
    deep: int  # depth outside the range confirmed; pen overdue confirmed
    no_room: int  # no room, so no sharps container; a pen never cleaned
    after_seal: int  # at Room 1 after its container was sealed
    legacy: int  # opened before intakes were kept
    container: int
    failed_cycle: int
    passed_cycle: int
    pack: str  # of the failed cycle, opened for ``overridden``
    outside_unit: str  # a cartridge outside the concern's range, confirmed (``after_seal``)


def _open(db: Database, clock: FixedClock, client: str, depth: str, **intake: object) -> int:
    clock.advance(hours=1)
    override_by = intake.pop("override_by", None)
    return sessions.open_session(
        db,
        client_ref=client,
        area="face",
        depth_mm=depth,
        by=staff("Sam"),
        intake=clear_intake(**intake),
        override_by=override_by,  # type: ignore[arg-type]
    ).id


def fill_care(db: Database, clock: FixedClock) -> Care:
    manager = staff(MANAGER)
    settings.set_value(db, "clinic_name", "Harbour Skin Clinic", by=staff("setup"))
    add_products(db)
    received = receiving.receive(
        db, [box(GTIN_05, "A100"), box(GTIN_10, "B200")], by=manager, supplier="MedSupply"
    )
    fine, deep_codes = received.lines[0].unit_codes, received.lines[1].unit_codes
    pens.add_pen(db, "DP-0001", model="Dermapen 4", by=manager)
    pens.add_pen(db, "DP-0002", model="Dr. Pen M8", by=manager)
    pens.record_cleaning(db, "DP-0001", method=METHOD, by=staff("Sam"))
    container = sharps.open_container(db, "Room 1", label="Bin A", by=staff("Sam")).id
    passed = sterilizer.add_cycle(
        db,
        sterilizer="Autoclave 1",
        cycle_number=101,
        temperature_c=134,
        pressure_kpa=206,
        holding_minutes=3.5,
        load_contents="2 instrument packs",
        packs=["Comedone extractor pack"],
        chemical="pass",
        bi="pass",
        by=staff("Sam"),
    )
    clock.advance(hours=2)
    failed = sterilizer.add_cycle(
        db,
        sterilizer="Autoclave 1",
        cycle_number=102,
        temperature_c=121,
        pressure_kpa=103.5,
        holding_minutes=15,
        load_contents="Tweezers and scissors",
        packs=["Tweezers pack", "Scissors pack"],
        chemical="pass",
        bi="pending",
        by=staff("Sam"),
    )
    pack = failed.packs[0].code
    # A positive screening answer, overridden by a manager signed in for that action.
    answers = dict(clear_intake().answers) | {"rosacea": True}
    overridden = _open(
        db,
        clock,
        "C-1",
        "1.0",
        answers=answers,
        pen_serial="DP-0001",
        sleeve_fitted=True,
        room="Room 1",
        override_reason=OVERRIDE,
        override_by=manager,
    )
    use_unit(db, overridden, fine[0], by=staff("Sam"))
    sterilizer.use_pack(db, overridden, pack, by=staff("Sam"))
    sessions.close_session(db, overridden, by=staff("Sam"), adverse=HARM)
    # The planned depth outside the concern's range, and the pen not cleaned since.
    deep = _open(
        db,
        clock,
        "C-2",
        "2.0",
        concern="texture",
        pen_serial="DP-0001",
        sleeve_fitted=True,
        room="Room 1",
        confirmations=CLEAR_CONFIRMATIONS
        | {"depth_outside_range": DEPTH_REASON, "pen_cleaning_overdue": PEN_REASON},
    )
    use_unit(db, deep, deep_codes[0], by=staff("Sam"))
    sessions.close_session(db, deep, by=staff("Sam"), adverse="none")
    # No room named (no container matched); a pen never cleaned.
    no_room = _open(
        db,
        clock,
        "C-3",
        "1.0",
        pen_serial="DP-0002",
        sleeve_fitted=True,
        confirmations=CLEAR_CONFIRMATIONS | {"pen_cleaning_overdue": ""},
    )
    use_unit(db, no_room, fine[1], by=staff("Sam"))
    sessions.close_session(db, no_room, by=staff("Sam"), adverse="none")
    clock.advance(hours=20)
    record_adverse(db, no_room, LATER, by=staff("Sam"))
    # The container is sealed and collected; a session at its room afterwards.
    sharps.seal(db, container, by=staff("Sam"))
    clock.advance(hours=1)
    sharps.collect(db, container, collector_ref="CWS-88213", by=manager)
    after_seal = _open(db, clock, "C-4", "1.0", room="Room 1", concern="acne_scars")
    use_unit(db, after_seal, fine[2], by=staff("Sam"), allow_outside_range=True)
    sessions.close_session(db, after_seal, by=staff("Sam"), adverse="none")
    # The biological indicator of the second cycle is read: failed.
    clock.advance(days=1)
    sterilizer.read_bi(db, failed.id, "fail", by=staff("Sam"))
    legacy = _legacy_session(db, clock)
    return Care(
        overridden,
        deep,
        no_room,
        after_seal,
        legacy,
        container,
        failed.id,
        passed.id,
        pack,
        fine[2],
    )


def _legacy_session(db: Database, clock: FixedClock) -> int:
    """A session as a ledger from before intakes holds it (no intake row)."""
    clock.advance(hours=1)
    with db.write() as conn:
        return int(
            conn.execute(
                insert(TreatmentSession)
                .values(
                    practitioner="Sam",
                    area="face",
                    planned_depth_um=1000,
                    device="old pen",
                    opened_by="Sam",
                    opened_at=clock.at.astimezone(UTC),
                )
                .returning(TreatmentSession.id)
            ).scalar_one()
        )


@pytest.fixture
def exported(db: Database, clock: FixedClock, tmp_path: Path) -> tuple[Care, ExportResult, Path]:
    care = fill_care(db, clock)
    out = tmp_path / "out"
    out.mkdir()
    result = export_compliance(db, START, END, pdf=out / "report.pdf", csv=out, by=staff(MANAGER))
    return care, result, out / "report.pdf"


def _by(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {r[key]: r for r in rows}


def test_sessions_show_screening_override_consent_adverse_pen_and_series(
    exported: tuple[Care, ExportResult, Path],
) -> None:
    care, result, pdf = exported
    rows = _by(_csv(result, "session_care"), "session")
    row = rows[str(care.overridden)]
    assert row["screening_version"] == "1" and row["screening_positive"] == "yes"
    assert row["screening_result"] == "positive: Rosacea?"
    assert row["override_by"] == MANAGER and row["override_reason"] == OVERRIDE
    assert row["consent_version"] == "1"
    assert row["adverse_events"].startswith(f"{HARM} (Sam, 2026-03-")
    assert row["pen_serial"] == "DP-0001" and row["barrier_sleeve"] == "new sleeve fitted"
    assert row["room"] == "Room 1" and row["concern"] == "fine lines"
    assert (row["series_number"], row["series_planned"]) == ("1", "3")
    assert row["attention"] == "screening positive, overridden; adverse event"
    deep = rows[str(care.deep)]
    assert deep["screening_result"] == "clear" and deep["override_by"] == ""
    assert deep["concern"] == "texture and pores" and deep["depth_range_mm"] == "0.5 to 1.0"
    assert deep["adverse_events"].startswith("none observed (Sam, ")
    later = rows[str(care.no_room)]["adverse_events"]
    assert later.startswith("none observed") and f"; {LATER} (Sam, " in later
    legacy = rows[str(care.legacy)]
    assert legacy["screening_result"] == NOT_KEPT and legacy["consent_version"] == ""
    page = _flat(_section(pdf, "Per session: screening, consent, adverse events, pen and series"))
    for expected in (
        "v1: positive: Rosacea?",
        f"{MANAGER}: {OVERRIDE}",
        HARM,
        "DP-0001, new sleeve fitted",
        "fine lines (0.5 to 1.5 mm)",
        "1 of 3",
        NOT_KEPT,
        "screening positive, overridden; adverse event",
    ):
        assert expected in page, expected


def test_confirmed_warnings_and_overrides_say_who_and_why(
    exported: tuple[Care, ExportResult, Path],
) -> None:
    care, result, pdf = exported
    rows = _csv(result, "confirmations")
    kinds = {(r["session"], r["kind"]): r for r in rows}
    override = kinds[(str(care.overridden), "screening_override")]
    assert override["confirmed_by"] == MANAGER and override["reason"] == OVERRIDE
    assert override["warning_shown"] == "Screening answered yes: Rosacea?"
    depth = kinds[(str(care.deep), "depth_outside_range")]
    assert depth["confirmed_by"] == "Sam" and depth["reason"] == DEPTH_REASON
    assert (
        "2.0 mm is deeper than the clinic's range for texture and pores" in depth["warning_shown"]
    )
    assert depth["kind_in_words"] == "planned depth outside the range"
    assert kinds[(str(care.deep), "pen_cleaning_overdue")]["reason"] == PEN_REASON
    assert (str(care.no_room), "no_sharps_container") in kinds
    outside = kinds[(str(care.after_seal), "cartridge_outside_range")]
    assert outside["unit_code"] == care.outside_unit and outside["confirmed_by"] == "Sam"
    assert outside["kind_in_words"] == "cartridge outside the range"
    page = _flat(_section(pdf, "Warnings confirmed and overrides"))
    for expected in (
        OVERRIDE,
        DEPTH_REASON,
        PEN_REASON,
        "screening override",
        "Screening answered yes: Rosacea?",
        care.outside_unit,
    ):
        assert expected in page, expected


def test_pens_their_cleanings_and_uses_while_overdue(
    exported: tuple[Care, ExportResult, Path],
) -> None:
    care, result, pdf = exported
    cleanings = _csv(result, "pen_cleanings")
    [cleaned] = [r for r in cleanings if r["pen_serial"] == "DP-0001"]
    assert cleaned["method"] == METHOD and cleaned["cleaned_by"] == "Sam"
    assert cleaned["sessions_in_period"] == "2" and cleaned["pen_model"] == "Dermapen 4"
    [never] = [r for r in cleanings if r["pen_serial"] == "DP-0002"]
    assert never["cleaned_at_local"] == "" and never["sessions_in_period"] == "1"
    page = _flat(_section(pdf, "Pens and their cleanings"))
    assert "Pen DP-0001 · Dermapen 4 · added" in page and METHOD in page
    assert "No cleaning recorded in the period." in page
    overdue = _by(_csv(result, "pen_overdue"), "session")
    assert set(overdue) == {str(care.deep), str(care.no_room)}
    assert overdue[str(care.deep)]["reason"] == PEN_REASON
    assert overdue[str(care.deep)]["last_cleaned_local"].startswith("2026-03-10 ")
    assert overdue[str(care.no_room)]["last_cleaned_local"] == "never"
    assert "has no cleaning recorded" in overdue[str(care.no_room)]["warning"]
    page = _flat(_section(pdf, "Sessions with a pen overdue for cleaning"))
    assert PEN_REASON in page and "DP-0002" in page


def test_sharps_containers_and_where_each_used_unit_went(
    exported: tuple[Care, ExportResult, Path],
) -> None:
    care, result, pdf = exported
    [box_row] = _csv(result, "sharps_containers")
    assert box_row["container"] == str(care.container) and box_row["room"] == "Room 1"
    assert box_row["label"] == "Bin A" and box_row["state"] == "collected"
    assert box_row["opened_by"] == "Sam" and box_row["sealed_by"] == "Sam"
    assert box_row["collected_by"] == MANAGER and box_row["collector_ref"] == "CWS-88213"
    assert box_row["units_in_period"] == "2" and box_row["units_in_all"] == "2"
    page = _flat(_section(pdf, "Sharps containers"))
    assert "CWS-88213" in page and "Bin A" in page and "collected" in page
    went = _by(_csv(result, "sharps_disposal"), "session")
    assert went[str(care.overridden)]["container"] == str(care.container)
    assert went[str(care.deep)]["container_label"] == "Bin A"
    assert went[str(care.no_room)]["not_in_a_container"] == "no room recorded for the session"
    assert went[str(care.after_seal)]["not_in_a_container"] == "no container open at this room"
    page = _flat(_section(pdf, "Used units and the sharps container each went to"))
    # Summed up by room and container; the unit that went to no open container is named.
    in_bin = [r for r in went.values() if r["container"] == str(care.container)]
    assert f"Room 1 {care.container} (Bin A) {len(in_bin)} {len(in_bin)}" in page
    stray = went[str(care.after_seal)]
    assert "no container open at this room" in page
    assert f"{stray['unit_code']} in {care.after_seal}" in page
    assert "no room recorded for the session" in page


def test_sterilizer_cycles_failed_load_and_the_sessions_it_exposed(
    exported: tuple[Care, ExportResult, Path],
) -> None:
    care, result, pdf = exported
    cycles = _by(_csv(result, "sterilizer_cycles"), "cycle")
    failed, passed = cycles[str(care.failed_cycle)], cycles[str(care.passed_cycle)]
    assert (failed["temperature_c"], failed["pressure_kpa"], failed["holding_minutes"]) == (
        "121",
        "103.5",
        "15",
    )
    assert failed["chemical_indicator"] == "pass" and failed["biological_indicator"] == "fail"
    assert failed["failed"] == "FAILED (biological indicator): load quarantined"
    assert failed["bi_read_by"] == "Sam" and failed["packs"] == "2"
    assert failed["packs_used"] == "1"
    assert passed["biological_indicator"] == "pass" and passed["failed"] == ""
    assert passed["load_contents"] == "2 instrument packs" and passed["operator"] == "Sam"
    page = _flat(_section(pdf, "Sterilizer cycles and indicator results"))
    assert "FAILED (biological indicator): load quarantined" in page
    assert "Autoclave 1" in page and "Tweezers and scissors" in page
    packs = _by(_csv(result, "failed_load_packs"), "pack_code")
    assert set(packs) == {p for p in packs if p.startswith(f"C{care.failed_cycle}-")}
    assert len(packs) == 2 and packs[care.pack]["opened_for_session"] == str(care.overridden)
    assert {p["state_now"] for p in packs.values()} == {"quarantined"}
    page = _flat(_section(pdf, "Packs of failed sterilizer loads"))
    assert "Cycle 102 of Autoclave 1" in page and "Scissors pack" in page
    [exposed] = _csv(result, "bi_exposed_sessions")
    assert exposed["session"] == str(care.overridden) and exposed["pack_code"] == care.pack
    assert exposed["failed_cycle_name"] == "102 of Autoclave 1"
    assert exposed["client"].startswith("P-")  # pseudonymised, like every section
    page = _flat(_section(pdf, "Sessions exposed by a failed biological indicator"))
    assert care.pack in page and "102 of Autoclave 1" in page


def test_contents_summary_manifest_and_verify(
    exported: tuple[Care, ExportResult, Path],
) -> None:
    _care, result, pdf = exported
    new = [
        "session_care",
        "confirmations",
        "pen_cleanings",
        "pen_overdue",
        "sharps_containers",
        "sharps_disposal",
        "sterilizer_cycles",
        "failed_load_packs",
        "bi_exposed_sessions",
    ]
    contents = _flat(pdf_text(pdf).split("\f")[2])
    for line in (
        "Warnings confirmed at the chair and screening overrides: who, why",
        "Sterilizer cycles: parameters, load, operator, indicators",
        "Sessions that used packs a failed biological indicator puts in doubt",
    ):
        assert line in contents, line
    summary = {r["item"]: r["value"] for r in _csv(result, "summary")}
    assert summary["screening_overrides"] == "1"
    assert summary["adverse_events_reported"] == "2"
    assert summary["sterilizer_cycles_failed"] == "1"
    assert summary["sessions_exposed_by_failed_bi"] == "1"
    assert summary["pen_uses_while_overdue"] == "2"
    assert summary["units_used_with_no_sharps_container"] == "2"
    assert summary["rows.session_care"] == "5"
    # Every new CSV is in the signed manifest and the checksum list, and checks out.
    assert result.manifest is not None and result.pdf is not None
    document = read_manifest(result.manifest)
    assert document is not None
    listed = {f["section"] for f in document["files"]}
    assert set(new) <= listed
    sums_file = next(result.manifest.parent.glob("*-SHA256SUMS"))
    sums = sums_file.read_text(encoding="utf-8")
    for path in result.csv_files:
        assert f"  {path.name}\n" in sums
        check = verify_file(path)
        assert check.ok, check.sentence
    for path in (result.pdf, result.manifest):
        check = verify_file(path)
        assert check.ok, check.sentence
    done = subprocess.run(
        ["sha256sum", "-c", sums_file.name],
        cwd=result.manifest.parent,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # The workbook has a sheet per new section, made from its CSV.
    from openpyxl import load_workbook

    book = load_workbook(next(p for p in result.csv_files if p.suffix == ".xlsx"), read_only=True)
    assert set(new) <= set(book.sheetnames)
    sheet = book["bi_exposed_sessions"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:2] == ["failed_cycle", "failed_cycle_name"]
