"""The equipment records on the command line: pens, sharps containers, sterilizer cycles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commands.cli import main
from inventory.clock import FixedClock
from inventory.db import Database
from sterility.chair import use_unit
from tests.people import staff
from tests.sterility.equipment_sessions import treat
from tests.test_cli import run


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(db_url: str, db: Database, capsys: pytest.CaptureFixture[str]):
    """The command line's own entry point on the test's ledger (the clinic in Brisbane,
    UTC+10), signed in as a manager unless ``user`` says who; a usage error exits 2."""

    def invoke(*args: str, user: str = "Clinic Manager") -> Ran:
        try:
            code = main(["--db", db_url, "--user", user, *args])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)

    return invoke


def test_pens_are_added_cleaned_listed_and_retired(cli) -> None:
    added = cli("pen", "add", "DP-1001", "--model", "Dermapen 4")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Pen DP-1001 (Dermapen 4) added to the pen list."
    again = cli("pen", "add", "dp-1001")
    assert again.returncode == 3 and "already in the pen list" in again.stderr
    not_theirs = cli("pen", "add", "DP-2", user="Sam")
    assert not_theirs.returncode == 3 and "who cannot add or retire pens" in not_theirs.stderr

    listed = cli("pen", "list")
    assert "DP-1001" in listed.stdout and "never" in listed.stdout and "OVERDUE" in listed.stdout
    assert "Pen DP-1001 has no cleaning recorded." in listed.stdout

    cleaned = cli(
        "pen", "clean", "DP-1001", "--method", "70% alcohol wipe", "--at", "2026-03-09 09:05"
    )
    assert cleaned.returncode == 0, cleaned.stderr
    assert cleaned.stdout.strip() == (
        "Cleaning of pen DP-1001 recorded: 70% alcohol wipe, 2026-03-09 09:05:00 +10:00, "
        "by Clinic Manager."
    )
    bad_time = cli("pen", "clean", "DP-1001", "--method", "wipe", "--at", "yesterday")
    assert bad_time.returncode == 2 and "is not a time like" in bad_time.stderr
    data = json.loads(cli("pen", "list", "--json").stdout)
    assert data[0]["serial"] == "DP-1001" and data[0]["overdue"] is None
    assert data[0]["last_cleaning"]["method"] == "70% alcohol wipe"

    no_note = cli("pen", "retire", "DP-1001")
    assert no_note.returncode == 2 and "--note" in no_note.stderr
    retired = cli("pen", "retire", "DP-1001", "--note", "motor failed", "--json")
    assert retired.returncode == 0 and json.loads(retired.stdout)["active"] is False
    assert json.loads(cli("pen", "list", "--active", "--json").stdout) == []


def test_sharps_containers_are_opened_sealed_and_collected(
    cli, db: Database, stocked, clock: FixedClock
) -> None:
    opened = cli("sharps", "open", "--room", "Room 1", "--label", "Bin A", "--json")
    assert opened.returncode == 0, opened.stderr
    box = json.loads(opened.stdout)["id"]
    second = cli("sharps", "open", "--room", "room 1")
    assert second.returncode == 3
    assert f"Sharps container {box} (Bin A) is still open at Room 1" in second.stderr
    assert "Seal it first" in second.stderr

    clock.at = datetime.now(UTC)  # the command line ran on the real clock: keep step with it
    session = treat(db, room="Room 1")
    use_unit(db, session, "U1-001", by=staff("Sam"))

    early = cli("sharps", "collect", str(box), "--collector-ref", "DOC-7")
    assert early.returncode == 3 and "still open. Seal it first" in early.stderr
    sealed = cli("sharps", "seal", str(box))
    assert sealed.returncode == 0, sealed.stderr
    assert f"Sharps container {box} (Bin A) at Room 1 sealed" in sealed.stdout
    assert "with 1 used unit(s) in it" in sealed.stdout
    assert cli("sharps", "collect", str(box)).returncode == 2  # --collector-ref is required
    taken = cli("sharps", "collect", str(box), "--collector-ref", "DOC-7")
    assert taken.returncode == 0 and "collector's reference DOC-7" in taken.stdout
    listed = json.loads(cli("sharps", "list", "--json").stdout)
    assert [(c["id"], c["state"], c["cartridges"]) for c in listed] == [(box, "collected", 1)]
    assert "(none)" in cli("sharps", "list", "--state", "open").stdout


def test_a_failed_indicator_prints_the_quarantined_packs_and_the_exposed_sessions(
    cli, db: Database, db_url: str, tmp_path: Path
) -> None:
    def add(number: str, *, bi: str = "pending", chemical: str = "pass", packs: int = 2):
        args = ["sterilizer", "cycle", "add", "--sterilizer", "Autoclave 1", "--cycle", number]
        args += ["--temperature", "134", "--pressure", "206", "--holding", "3.5"]
        args += ["--load", "instrument packs", "--chemical", chemical, "--bi", bi]
        args += ["--at", "2026-03-09 08:00"]
        for n in range(1, packs + 1):
            args += ["--pack", f"forceps {n}"]
        return cli(*args, "--json")

    passed = add("100", bi="pass")
    assert passed.returncode == 0, passed.stderr
    pending = json.loads(add("101").stdout)
    failing = json.loads(add("102").stdout)
    assert [p["code"] for p in failing["packs"]] == [
        f"C{failing['id']}-1",
        f"C{failing['id']}-2",
    ]
    session = treat(db)
    earlier_pack = pending["packs"][0]["code"]
    used = cli("sterilizer", "use-pack", "--session", str(session), "--pack", earlier_pack)
    assert used.returncode == 0, used.stderr
    assert used.stdout.startswith(f"OK: Pack {earlier_pack} (forceps 1) opened for session")
    again = run(  # once as its own process: the exit code and the words a script sees
        db_url,
        *("sterilizer", "use-pack", "--session", str(session), "--pack", earlier_pack),
        home=tmp_path / "home",
    )
    assert again.returncode == 3
    assert again.stderr.startswith(f"REFUSED: Pack {earlier_pack} was already opened")
    unknown = cli("sterilizer", "use-pack", "--session", str(session), "--pack", "C99-9", "--json")
    assert unknown.returncode == 3 and json.loads(unknown.stdout)["reason"] == "pack_unknown"

    read = cli("sterilizer", "cycle", "bi", str(failing["id"]), "fail")
    assert read.returncode == 0, read.stderr
    out = read.stdout
    assert "Biological indicator of cycle 102 of Autoclave 1: fail" in out
    assert "FAILED biological indicator: 2 pack(s) of this load are quarantined" in out
    assert f"C{failing['id']}-1, C{failing['id']}-2" in out
    assert "1 session(s) used packs of this load, or of earlier loads" in out
    assert earlier_pack in out.split("earlier loads")[1]
    twice = cli("sterilizer", "cycle", "bi", str(failing["id"]), "pass")
    assert twice.returncode == 3 and "already read: fail" in twice.stderr
    assert cli("sterilizer", "cycle", "bi", str(failing["id"]), "maybe").returncode == 2
    quarantined = cli(
        "sterilizer", "use-pack", "--session", str(session), "--pack", f"C{failing['id']}-1"
    )
    assert quarantined.returncode == 3 and "biological indicator failed" in quarantined.stderr

    chem = add("103", chemical="fail", packs=1, bi="pending")
    data = json.loads(chem.stdout)
    assert data["failed"] is True and data["packs"][0]["state"] == "quarantined"
    hot = cli(
        "sterilizer", "cycle", "add", "--sterilizer", "A", "--cycle", "1", "--temperature",
        "150", "--pressure", "206", "--holding", "3", "--load", "x", "--chemical", "pass",
        "--bi", "pass",
    )  # fmt: skip
    assert hot.returncode == 3 and "temperature of 150 °C is outside 100 to 140 °C" in hot.stderr

    cycles = cli("sterilizer", "cycles")
    assert "Autoclave 1" in cycles.stdout and "quarantined" in cycles.stdout
    assert len(json.loads(cli("sterilizer", "cycles", "--json").stdout)) == 4
    verified = cli("audit", "verify")
    assert verified.returncode == 0 and "chain verified" in verified.stdout
