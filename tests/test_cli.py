"""The command line as a clinic manager uses it: exit codes, plain words, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import people
from tests.conftest import GTIN_05, box
from tests.people import clear_intake_args

ROOT = Path(__file__).resolve().parent.parent


def run(
    db_url: str,
    *args: str,
    home: Path,
    user: str = "Clinic Manager",
    password: str = people.PASSWORD,
) -> subprocess.CompletedProcess[str]:
    """``python main.py ...`` signed in as ``user`` (a manager of the tests' clinic)."""
    env = os.environ | {
        "STERILE_LEDGER_DB": db_url,
        "STERILE_LEDGER_HOME": str(home),
        "STERILE_LEDGER_USER": user,
        "STERILE_LEDGER_PASSWORD": password,
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def cli(db_url: str, tmp_path: Path):
    return lambda *args: run(db_url, *args, home=tmp_path / "home")


ADD = [
    "catalog",
    "add",
    "--gtin",
    GTIN_05,
    "--maker",
    "Lumina",
    "--name",
    "12-pin 0.5 mm",
    "--kind",
    "pen_cartridge",
    "--needles",
    "12",
    "--length-mm",
    "0.5",
    "--sterilization",
    "EO",
    "--units-per-pack",
    "10",
]


def test_receive_then_use_then_refuse(cli) -> None:
    assert cli(*ADD).returncode == 0
    received = cli("receive", "--scan", box(GTIN_05, "A1"), "--supplier", "MedSupply", "--json")
    assert received.returncode == 0, received.stderr
    data = json.loads(received.stdout)
    assert data["units"] == 10
    code = data["lines"][0]["unit_codes"][0]

    listing = json.loads(cli("units", "--lot", "A1", "--json").stdout)
    assert len(listing) == 10 and listing[0]["gtin"] == GTIN_05

    opened = cli(
        "session",
        "open",
        "--client",
        "C-1",
        "--practitioner",
        "Dr H",
        "--area",
        "face",
        "--depth",
        "0.5",
        *clear_intake_args(),
    )
    assert opened.returncode == 0
    session = opened.stdout.strip()
    assert session.isdigit()
    ok = cli("session", "use", session, "--scan", code)
    assert ok.returncode == 0 and ok.stdout.startswith("OK:")

    other = cli(
        "session",
        "open",
        "--client",
        "C-2",
        "--practitioner",
        "Dr H",
        "--area",
        "face",
        "--depth",
        "0.5",
        *clear_intake_args(),
    ).stdout.strip()
    refused = cli("session", "use", other, "--scan", code)
    assert refused.returncode == 3
    assert f"already used in session {session}" in refused.stderr

    verified = cli("audit", "verify")
    assert verified.returncode == 0 and "chain verified" in verified.stdout


def test_usage_error_exits_2_and_refusal_exits_3(cli) -> None:
    usage = cli("receive")
    assert usage.returncode == 2 and "--scan" in usage.stderr
    refused = cli("receive", "--scan", "garbage")
    assert refused.returncode == 3
    assert refused.stderr.startswith("Refused: ")
    assert "Traceback" not in refused.stderr


def test_unknown_product_names_the_command(cli) -> None:
    result = cli("receive", "--scan", box(GTIN_05))
    assert result.returncode == 3
    assert f"python main.py catalog add --gtin {GTIN_05}" in result.stderr


def test_deeper_needs_allow_deeper(cli) -> None:
    cli(*ADD)
    code = json.loads(cli("receive", "--scan", box(GTIN_05), "--json").stdout)["lines"][0][
        "unit_codes"
    ][0]
    session = cli(
        "session",
        "open",
        "--client",
        "C-1",
        "--practitioner",
        "Dr H",
        "--area",
        "face",
        "--depth",
        "0.25",
        *clear_intake_args(),
    ).stdout.strip()
    refused = cli("session", "use", session, "--scan", code)
    assert refused.returncode == 3 and "deeper than the 0.25 mm" in refused.stderr
    assert cli("session", "use", session, "--scan", code, "--allow-deeper").returncode == 0


def demo_cli(url: str, home: Path):
    """The CLI signed in as the demo clinic's manager."""
    return lambda *args: run(url, *args, home=home, user="Demo Manager", password="demo")


def demo_intake_args() -> list[str]:
    """A clear intake under the demo's current forms: its manager added a consent version 2
    and a screening version 2 with one more question."""
    from commands.demo_treatment import SCREENING_V2
    from sterility.forms import SCREENING_V1

    added = [key for key, _question in SCREENING_V2 if (key, _question) not in SCREENING_V1]
    args = clear_intake_args(*[a for key in added for a in ("--screen", f"{key}=no")])
    args[args.index("--consent-version") + 1] = "2"
    return args


def test_demo_fills_a_realistic_clinic(empty_db_url: str, tmp_path: Path) -> None:
    cli = demo_cli(empty_db_url, tmp_path / "home")
    result = cli("demo", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["products"] >= 5 and summary["units"] >= 200
    assert summary["sessions"] >= 50 and summary["refusals"] >= 2
    # The treatment around the cartridge (tests/test_demo_clinical.py reads each back).
    for record in (
        "pens",
        "pen_cleanings",
        "sharps_sealed",
        "sharps_collected",
        "sterilizer_cycles",
        "packs_used",
        "packs_quarantined",
        "screenings_overridden",
        "screenings_refused",
        "adverse_events",
        "series_completed",
        "series_in_progress",
        "series_overdue",
    ):
        assert summary[record] > 0, record
    cast = {(p["name"], p["role"], p["password"], p["max_depth_mm"]) for p in summary["staff"]}
    assert cast == {
        ("Demo Manager", "manager", "demo", None),
        ("Dr Amira Haddad", "practitioner", "demo", None),
        ("李静 (Li Jing)", "practitioner", "demo", "0.5"),
        ("Demo Inspector", "inspector", "demo", None),
    }
    recalls_listed = json.loads(cli("recalls", "--json").stdout)
    assert len(recalls_listed) == 1
    assert len(json.loads(cli("pen", "list", "--json").stdout)) == 3
    cycles = json.loads(cli("sterilizer", "cycles", "--json").stdout)
    assert [c["bi_result"] for c in cycles].count("fail") == 1
    assert cli("audit", "verify").returncode == 0
    again = cli("demo")
    assert again.returncode == 3 and "empty" in again.stderr


def test_lot_filters_mean_the_same_as_on_screen(cli, db_url: str) -> None:
    """--lot is exact, --lot-contains searches: the Inventory screen's two meanings."""
    assert cli(*ADD).returncode == 0
    for lot in ("A100", "A1000", "B100"):
        assert cli("receive", "--scan", box(GTIN_05, lot)).returncode == 0
    exact = json.loads(cli("units", "--lot", "A100", "--json").stdout)
    assert {u["lot"] for u in exact} == {"A100"}
    found = cli("units", "--lot-contains", "100", "--status", "in_stock", "--json")
    found = json.loads(found.stdout)
    assert {u["lot"] for u in found} == {"A100", "A1000", "B100"}

    from inventory import stock
    from inventory.ledger import open_ledger

    db = open_ledger(db_url)
    try:
        with db.read() as conn:
            _context, rows = stock.UNITS.page(conn, db.clock, {"lot_contains": "100"}, limit=500)
    finally:
        db.dispose()
    assert len(rows) == len(found)  # the screen's listing, the same rows


def test_audit_list_filters_like_the_audit_screen(cli) -> None:
    assert cli(*ADD).returncode == 0
    assert cli("receive", "--scan", box(GTIN_05, "A1")).returncode == 0
    events = json.loads(cli("audit", "list", "--action", "receive", "--json").stdout)
    assert [e["action"] for e in events] == ["receive"]
    by_name = json.loads(cli("audit", "list", "--actor", "manager", "--json").stdout)
    assert len(by_name) >= 3 and all("Manager" in e["actor"] for e in by_name)
