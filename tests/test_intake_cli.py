"""The session intake on the command line: screening, confirmations, adverse events, forms
and depth guidance, with the exit codes of every command (0 done, 2 usage, 3 refused)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commands import cli
from inventory import audit
from inventory.db import Database
from sterility import intake, pens, sharps
from tests.people import clear_intake_args, staff

OPEN = ["session", "open", "--client", "C-1", "--area", "face", "--depth", "1.0"]
NO = ["--screen", "acne=no", "--screen", "eczema=no", "--screen", "rosacea=no"]
CLEAR = [*NO, "--screen", "keloid=no", "--concern", "fine_lines", "--consent-version", "1"]


def _run(capsys, db_url: str, *args: str, user: str | None = None) -> tuple[int, str, str]:
    argv = ["--db", db_url, *(["--user", user] if user else []), *args]
    try:
        code = cli.main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_screening_on_the_command_line(capsys, db_url: str, db: Database) -> None:
    sharps.open_container(db, "Room 1", by=staff("Sam"))
    room = ["--room", "Room 1"]
    code, _out, err = _run(
        capsys, db_url, *OPEN, *NO, "--concern", "fine_lines", "--consent-version", "1", *room
    )
    assert code == 2
    assert "missing: --screen keloid=yes|no (A history of keloid scarring?)" in err
    code, _out, err = _run(capsys, db_url, *OPEN, *CLEAR, "--screen", "smoker=no", *room)
    assert code == 2 and "it has no question smoker (its questions: acne, eczema" in err
    code, _out, err = _run(capsys, db_url, *OPEN, *CLEAR, "--screen", "acne=maybe")
    assert code == 2 and "acne=maybe" in err
    code, _out, err = _run(capsys, db_url, *OPEN, *CLEAR[:-2])
    assert code == 2 and "--consent-version" in err
    code, _out, err = _run(capsys, db_url, *OPEN, *CLEAR, "--concern", "wrinkles")
    assert code == 2 and "invalid choice" in err

    positive = [*OPEN, "--screen", "acne=yes", *CLEAR[2:], *room]
    code, _out, err = _run(capsys, db_url, *positive, "--screen", "acne=no")
    assert code == 2 and "--screen acne is answered both yes and no" in err
    code, _out, err = _run(capsys, db_url, *positive, user="Sam")
    assert code == 3 and err.startswith("REFUSED: The client answered yes")
    code, _out, err = _run(capsys, db_url, *positive, "--override-reason", "fine", user="Sam")
    assert code == 3 and "a manager can, with a reason" in err and "REFUSED" not in err
    code, out, err = _run(
        capsys, db_url, *positive, "--practitioner", "Sam", "--override-reason", "GP letter"
    )
    assert code == 0, err
    session = out.strip()
    code, out, _err = _run(capsys, db_url, "session", "show", session)
    assert code == 0
    assert "Screening (version 1): acne YES, eczema no, rosacea no, keloid no" in out
    assert "Screening overridden by Test Manager: GP letter" in out
    assert "Concern: fine lines (range 0.5 to 1.5 mm); session 1 of 3" in out
    assert "Adverse events: not recorded yet" in out
    code, out, _err = _run(capsys, db_url, "--json", "session", "show", session)
    shown = json.loads(out)
    assert shown["intake"]["positive"] == ["acne"]
    assert shown["intake"]["override_by"] == "Test Manager"


def test_warnings_are_confirmed_with_confirm(capsys, db_url: str, db: Database) -> None:
    pens.add_pen(db, "PEN-1", by=staff("Test Manager"))
    base = [*OPEN, *CLEAR, "--pen", "PEN-1", "--room", "Room 9", "--depth", "2.0"]
    code, _out, err = _run(capsys, db_url, *base)
    assert code == 3 and "barrier sleeve" in err
    code, _out, err = _run(capsys, db_url, *base, "--sleeve")
    assert code == 3
    assert "WARNING: The planned depth of 2.0 mm is deeper" in err
    assert "(--confirm depth_outside_range)" in err
    assert "(--confirm pen_cleaning_overdue)" in err
    assert "No sharps container is open at Room 9" in err
    assert "confirm with --confirm KIND=REASON" in err
    code, out, _err = _run(capsys, db_url, "--json", *base, "--sleeve")
    assert code == 3
    assert [w["kind"] for w in json.loads(out)["warnings"]] == [
        "depth_outside_range",
        "pen_cleaning_overdue",
        "no_sharps_container",
    ]
    code, _out, err = _run(capsys, db_url, *base, "--sleeve", "--confirm", "nonsense")
    assert code == 2 and "not a warning to confirm" in err
    confirmed = [
        "--confirm",
        "depth_outside_range=deep scars",
        "--confirm",
        "pen_cleaning_overdue",
        "--confirm",
        "no_sharps_container=bin on order",
    ]
    code, out, err = _run(
        capsys,
        db_url,
        *base,
        "--sleeve",
        *confirmed,
        "--series-of",
        "4",
        "--language",
        "Español",
        "--json",
    )
    assert code == 0, err
    opened = json.loads(out)
    assert opened["device"] == "PEN-1"
    code, _out, err = _run(capsys, db_url, *base, "--sleeve", *confirmed)
    assert code == 3 and "(--confirm series_spacing=REASON)" in err
    code, out, _err = _run(capsys, db_url, "session", "show", str(opened["id"]))
    assert "pen PEN-1, new barrier sleeve; room Room 9; aftercare in Español" in out
    assert "session 1 of 4" in out
    assert "planned depth outside the range, by Test Manager" in out
    assert "Reason: bin on order" in out


def test_the_chair_and_the_close_on_the_command_line(
    capsys, db_url: str, db: Database, stocked, tmp_path: Path
) -> None:
    code, out, err = _run(capsys, db_url, *OPEN, *clear_intake_args("--concern", "acne_scars"))
    assert code == 0, err
    session = out.strip()
    short = next(line.unit_codes for line in stocked.lines if line.lot == "A100")[0]
    code, _out, err = _run(capsys, db_url, "session", "use", session, "--scan", short)
    assert code == 3 and "REFUSED:" in err and "outside the clinic's range for acne scars" in err
    code, out, err = _run(
        capsys, db_url, "session", "use", session, "--scan", short, "--allow-outside-range"
    )
    assert code == 0 and out.startswith("OK:") and "confirmed" in out
    code, _out, err = _run(capsys, db_url, "session", "close", session)
    assert code == 3 and f"Record adverse events, or none, before closing session {session}" in err
    code, out, _err = _run(capsys, db_url, "session", "adverse", session, "--text", "Redness")
    assert code == 0 and "Redness" in out
    code, _out, err = _run(capsys, db_url, "session", "adverse", session)
    assert code == 2
    sheet = tmp_path / "aftercare.pdf"
    code, out, err = _run(
        capsys, db_url, "session", "close", session, "--adverse", "none", "--aftercare", str(sheet)
    )
    assert code == 0, err
    assert f"Session {session} closed." in out
    assert sheet.read_bytes().startswith(b"%PDF")
    code, out, _err = _run(capsys, db_url, "session", "show", session)
    assert "cartridge outside the range [" + short + "]" in out
    assert "Adverse events: Redness (Test Manager" in out and "; none observed (" in out
    with db.read() as conn:
        recorded = intake.adverse_of(conn, int(session))
        assert audit.verify(conn).ok
    assert [a.words for a in recorded] == ["Redness", "none observed"]
    code, out, _err = _run(capsys, db_url, "audit", "verify")
    assert code == 0 and "chain verified" in out


def test_forms_and_guidance_on_the_command_line(capsys, db_url: str, tmp_path: Path) -> None:
    code, out, _err = _run(capsys, db_url, "forms", "list")
    assert code == 0 and "screening" in out and "built in" in out
    code, out, _err = _run(capsys, db_url, "forms", "show", "screening")
    assert code == 0 and "keloid: A history of keloid scarring?" in out
    code, out, _err = _run(capsys, db_url, "forms", "show", "aftercare", "--language", "Deutsch")
    assert code == 0 and "No version in Deutsch" in out and "SPF 30" in out
    questions = tmp_path / "screening.json"
    questions.write_text(
        json.dumps([{"key": "pregnant", "question": "Pregnant or breastfeeding?"}]),
        encoding="utf-8",
    )
    add = ["forms", "add", "screening", "--title", "Screening 2", "--file", str(questions)]
    code, _out, err = _run(capsys, db_url, *add, user="Sam")
    assert code == 3 and "manager" in err
    code, out, err = _run(capsys, db_url, *add)
    assert code == 0 and "screening form version 2 is now in force" in out, err
    code, _out, err = _run(capsys, db_url, *OPEN, *CLEAR)
    assert code == 2 and "version 2" in err and "--screen pregnant=yes|no" in err
    code, out, _err = _run(capsys, db_url, "forms", "show", "screening", "--version", "1")
    assert "acne: Active acne" in out
    code, _out, err = _run(
        capsys,
        db_url,
        "forms",
        "add",
        "consent",
        "--title",
        "C",
        "--file",
        str(tmp_path / "missing.txt"),
    )
    assert code == 3 and "could not be read" in err
    code, out, _err = _run(capsys, db_url, "--json", "forms", "list")
    listed = json.loads(out)
    assert [
        (f["kind"], f["version"], f["current"]) for f in listed if f["kind"] == "screening"
    ] == [
        ("screening", 1, False),
        ("screening", 2, True),
    ]

    code, out, _err = _run(capsys, db_url, "guidance", "list")
    assert code == 0 and "acne scars" in out and "1.0 to 2.5 mm" in out
    code, out, _err = _run(capsys, db_url, "guidance", "set", "texture", "0.5", "1.25")
    assert code == 0 and "texture and pores: 0.5 to 1.25 mm" in out
    code, _out, err = _run(capsys, db_url, "guidance", "set", "texture", "1.25", "0.5")
    assert code == 3 and "shorter first" in err
    code, _out, err = _run(capsys, db_url, "guidance", "set", "texture", "0.5", "3")
    assert code == 3 and "0.25 to 2.5 mm" in err
    code, _out, err = _run(capsys, db_url, "guidance", "set", "texture", "0.5", "1", user="Sam")
    assert code == 3


@pytest.mark.parametrize("bad", ["yes", "acne", "=no", "acne=y"])
def test_a_screen_answer_is_item_equals_yes_or_no(capsys, db_url: str, bad: str) -> None:
    code, _out, err = _run(capsys, db_url, *OPEN, *CLEAR, "--screen", bad)
    assert code == 2 and "is not a screening answer like acne=no" in err
