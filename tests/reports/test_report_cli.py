"""report, verify and trace --csv from the command line: exit codes and plain words."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from inventory import receiving
from inventory.clock import FixedClock
from inventory.db import Database
from sterility import sessions
from sterility.chair import use_unit
from tests.conftest import GTIN_05
from tests.people import clear_intake, staff
from tests.reports.conftest import flip_byte
from tests.test_cli import run


def test_report_then_verify_then_tamper(empty_db_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    db_url = empty_db_url
    assert run(db_url, "demo", home=home).returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    done = run(
        db_url,
        "report",
        "compliance",
        "--from",
        "2020-01-01",
        "--to",
        "2030-12-31",
        "--pdf",
        str(out / "c.pdf"),
        "--csv",
        str(out / "csv"),
        "--json",
        home=home,
        user="Demo Inspector",
        password="demo",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["counts"]["uses"] > 100 and result["counts"]["refusals"] >= 4
    pdf = Path(result["pdf"])
    ok = run(db_url, "verify", str(pdf), home=tmp_path / "elsewhere")  # no clinic data here
    assert ok.returncode == 0 and result["signing_key_fingerprint"] in ok.stdout
    uses = next(Path(p) for p in result["csv_files"] if p.endswith("-uses.csv"))
    assert run(db_url, "verify", str(uses), home=tmp_path / "elsewhere").returncode == 0
    flip_byte(uses, 200)
    failed = run(db_url, "verify", str(uses), home=tmp_path / "elsewhere")
    assert failed.returncode == 3 and uses.name in failed.stderr
    flip_byte(pdf, pdf.stat().st_size // 2)
    failed = run(db_url, "verify", str(pdf), home=tmp_path / "elsewhere")
    assert failed.returncode == 3 and "changed after it was signed" in failed.stderr

    usage = run(
        db_url,
        "report",
        "usage",
        "--from",
        "2020-01-01",
        "--to",
        "2030-12-31",
        "--csv",
        str(out / "usage.csv"),
        home=home,
        user="Demo Manager",
        password="demo",
    )
    assert usage.returncode == 0, usage.stderr
    assert (out / "usage-stock_on_hand.csv").exists() and (out / "usage-manifest.json").exists()


def test_bad_period_and_missing_folder_are_refused(
    db: Database, clock: FixedClock, db_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    backwards = run(
        db_url,
        "report",
        "compliance",
        "--from",
        "2026-03-31",
        "--to",
        "2026-03-01",
        "--pdf",
        str(tmp_path / "r.pdf"),
        home=home,
    )
    assert backwards.returncode == 3 and "starts (2026-03-31) after it ends" in backwards.stderr
    assert "give a start on or before the end" in backwards.stderr
    assert "--" not in backwards.stderr  # the desktop shows the same sentence: no CLI flags
    nowhere = run(
        db_url,
        "report",
        "usage",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--pdf",
        str(tmp_path / "missing" / "r.pdf"),
        home=home,
    )
    assert nowhere.returncode == 3 and "does not exist" in nowhere.stderr
    not_a_date = run(
        db_url,
        "report",
        "usage",
        "--from",
        "March",
        "--to",
        "2026-03-31",
        "--pdf",
        str(tmp_path / "r.pdf"),
        home=home,
    )
    assert not_a_date.returncode == 2 and "not a date" in not_a_date.stderr
    missing = run(db_url, "verify", str(tmp_path / "nothing.pdf"), home=home)
    assert missing.returncode == 3 and "does not exist" in missing.stderr


def test_trace_writes_the_recall_csv_with_formulas_neutralised(
    db: Database, stocked: receiving.ReceiptResult, db_url: str, tmp_path: Path
) -> None:
    client = '=HYPERLINK("http://evil.example","x")'
    info = sessions.open_session(
        db,
        client_ref=client,
        practitioner="Dr Amira Haddad",
        area="face",
        depth_mm="0.5",
        by=staff("Manager"),
        intake=clear_intake(),
    )
    code = stocked.lines[0].unit_codes[0]  # a unit of GTIN_05 lot A100
    use_unit(db, info.id, code, by=staff("Dr Amira Haddad"))
    out = tmp_path / "out.csv"
    args = ("trace", "--gtin", GTIN_05, "--lot", "A100", "--csv", str(out))
    done = run(db_url, *args, home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Wrote 1 row to {out}."

    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for spreadsheets
    header, *rows = csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")))
    assert header == [
        "session", "used_at_local", "used_at_utc", "practitioner", "client_ref", "area",
        "unit_code", "serial", "gtin", "lot",
    ]  # fmt: skip
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["client_ref"] == "'" + client
    assert (row["session"], row["unit_code"], row["gtin"], row["lot"]) == (
        str(info.id),
        code,
        GTIN_05,
        "A100",
    )
    assert row["used_at_local"] == "2026-03-10 11:30:00 +10:00"  # the clinic's zone: Brisbane
    assert row["practitioner"] == "Dr Amira Haddad"

    as_json = run(db_url, *args, "--json", home=tmp_path / "home")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == {"csv": str(out), "rows": 1}
