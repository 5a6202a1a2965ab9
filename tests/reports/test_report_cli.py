"""report and verify from the command line: exit codes and plain words."""

from __future__ import annotations

import json
from pathlib import Path

from inventory.clock import FixedClock
from inventory.db import Database
from tests.reports.conftest import flip_byte
from tests.test_cli import run


def test_report_then_verify_then_tamper(db_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
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
