"""The one formula guard (reports.cells): formulas made inert, plain numbers left alone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reports.cells import entered, neutral, sql_neutral
from reports.csv_writer import CsvSection


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("-46", "-46"),  # days left on an expired lot: a number, not a formula
        ("-0.25", "-0.25"),
        ("-1+1", "'-1+1"),
        ("-1e3", "'-1e3"),
        ("-", "'-"),
        ("-1.", "'-1."),
        ("-.5", "'-.5"),
        ("-1.2.3", "'-1.2.3"),
        ("-١٢", "'-١٢"),  # Arabic-Indic digits are not what a spreadsheet reads as a number
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("@x", "'@x"),
        ("\t1", "'\t1"),
        ("46", "46"),
        ("09506000100043", "09506000100043"),
    ],
)
def test_only_formulas_get_the_apostrophe(cell: str, written: str) -> None:
    assert neutral(cell) == written
    assert entered(neutral(cell)) == cell


def test_sqlite_applies_the_same_rule() -> None:
    cells = ["-46", "-0.25", "-1+1", "-1e3", "-", "-1.", "-.5", "-1.2.3", "=1+1", "+cmd", "@x"]
    cells += ["-4\n6", "46", "", None]
    con = sqlite3.connect(":memory:")
    guard = sql_neutral("?", "sqlite")
    shown = [con.execute(f"SELECT {guard}", (c,) * guard.count("?")).fetchone()[0] for c in cells]
    assert shown == [neutral(c or "") for c in cells]


def test_the_csv_file_holds_numbers_plainly(tmp_path: Path) -> None:
    path = tmp_path / "expiring.csv"
    section = CsvSection("expiring", ["lot", "days_left", "note"], path)
    section.row(["007", "-46", "=1+1"])
    section.row(["0B200", "12", "+cmd"])
    section.row(["X", "-3", "@x"])
    section.close()
    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        "lot,days_left,note",
        "007,-46,'=1+1",
        "0B200,12,'+cmd",
        "X,-3,'@x",
    ]
