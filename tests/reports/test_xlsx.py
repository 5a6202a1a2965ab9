"""The .xlsx beside the CSVs: identifiers stay text, dates are dates, counts are numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from inventory.clock import FixedClock
from inventory.db import Database
from reports.cells import neutral
from reports.csv_writer import WORKBOOK, data_digest
from reports.export import ExportResult, export_compliance, export_usage
from reports.manifest import read_manifest
from reports.verify import verify_file
from reports.xlsx_writer import typed, write_sheets
from tests.conftest import GTIN_05, GTIN_10
from tests.people import staff
from tests.reports.conftest import CLIENTS, END, START, Month


def _workbook(result: ExportResult) -> Path:
    return next(p for p in result.csv_files if p.suffix == ".xlsx")


def _sheet(path: Path, name: str) -> list[dict[str, Cell]]:
    sheet = load_workbook(path)[name]
    rows = list(sheet.iter_rows())
    header = [str(c.value) for c in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


@pytest.fixture
def compliance(db: Database, month: Month, tmp_path: Path) -> ExportResult:
    return export_compliance(
        db,
        START,
        END,
        pdf=None,
        csv=tmp_path / "csv",
        by=staff("Test Manager"),
        with_client_names=True,
    )


def test_compliance_workbook_keeps_gtins_as_text_and_dates_as_dates(
    compliance: ExportResult,
) -> None:
    path = _workbook(compliance)
    book = load_workbook(path)
    csv_sections = [
        p.name.removeprefix(f"{path.stem}-").removesuffix(".csv")
        for p in compliance.csv_files
        if p.suffix == ".csv"
    ]
    assert book.sheetnames == [s[:31] for s in csv_sections]  # one sheet per section

    uses = _sheet(path, "uses")
    assert uses
    gtins = {row["gtin"].value for row in uses}
    assert {GTIN_05} <= gtins
    for row in uses:
        gtin = row["gtin"]
        assert gtin.data_type == "s" and str(gtin.value).startswith("0950")
        assert row["expiry"].is_date and isinstance(row["expiry"].value, datetime)
        assert row["used_at_local"].is_date and isinstance(row["used_at_local"].value, datetime)
        assert row["used_at_utc"].is_date
        assert row["needle_length_mm"].data_type == "n"
        assert row["session"].data_type == "n"
    assert all(row["lot"].data_type == "s" for row in uses)
    # The CSV's apostrophe makes a formula inert; a text cell needs none: it shows as typed.
    clients = {row["client"].value for row in uses}
    assert CLIENTS[4] in clients
    hostile = next(row["client"] for row in uses if row["client"].value == CLIENTS[4])
    assert hostile.data_type == "s"
    # The local time shows its offset beside it.
    assert "+10:00" in uses[0]["used_at_local"].number_format

    summary = {str(r["item"].value): r["value"] for r in _sheet(path, "summary")}
    assert summary["licence_number"].data_type == "s"


def test_workbook_is_listed_summed_and_verified_like_the_csvs(compliance: ExportResult) -> None:
    path = _workbook(compliance)
    assert compliance.manifest is not None
    document = read_manifest(compliance.manifest)
    assert document is not None
    entry = next(f for f in document["files"] if f["name"] == path.name)
    assert entry["section"] == WORKBOOK and entry["bytes"] == path.stat().st_size
    # The data digest is the CSVs' (as on a PDF-only export's cover), the workbook aside.
    csvs = [(f["section"], f["sha256"]) for f in document["files"] if f["section"] != WORKBOOK]
    assert document["data_digest"] == data_digest(csvs) == compliance.digest
    assert verify_file(compliance.manifest).ok
    result = verify_file(path)
    assert result.ok, result.sentence
    sums = path.with_name(f"{path.stem}-SHA256SUMS")
    if sums.exists():
        assert f"  {path.name}\n" in sums.read_text(encoding="utf-8")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    assert not verify_file(compliance.manifest).ok


def test_usage_workbook_has_numbers_and_negative_days_unprefixed_in_the_csv(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    from inventory import receiving
    from tests.conftest import add_products, box

    add_products(db)
    receiving.receive(db, [box(GTIN_10, "007", date(2026, 3, 20))], by=staff("Test Manager"))
    clock.advance(days=56)  # 5 May: lot 007 expired 46 days ago, still on the shelf
    result = export_usage(db, START, END, pdf=None, csv=tmp_path, by=staff("Test Manager"))
    csv_path = next(p for p in result.csv_files if p.name.endswith("-expiring.csv"))
    text = csv_path.read_text(encoding="utf-8-sig")
    assert ",-46," in text and "'-46" not in text

    rows = _sheet(_workbook(result), "expiring")
    old = next(r for r in rows if r["lot"].value == "007")
    assert old["lot"].data_type == "s"  # leading zeros kept
    assert old["gtin"].value == GTIN_10 and old["gtin"].data_type == "s"
    assert old["days_left"].value == -46 and old["days_left"].data_type == "n"
    assert old["units"].value == 10 and old["units"].data_type == "n"
    assert old["expiry"].is_date and old["expiry"].value == datetime(2026, 3, 20)
    assert old["needle_length_mm"].value == 1.0 and old["needle_length_mm"].number_format == "0.0"
    stock = {r["gtin"].value: r for r in _sheet(_workbook(result), "stock_on_hand")}
    assert stock[GTIN_10]["expired"].value == 10


@pytest.mark.parametrize(
    ("cell", "kind", "value"),
    [
        ("5", "number", 5),
        ("-46", "number", -46),
        ("0.25", "number", 0.25),
        ("007", "text", "007"),
        ("09506000100043", "text", "09506000100043"),
        ("1234567890123456", "text", "1234567890123456"),  # more than a spreadsheet keeps
        ("2026-03-20", "date", date(2026, 3, 20)),
        ("2026-02-30", "text", "2026-02-30"),
        ("2026-03-10 14:35:00 +10:00", "time", datetime(2026, 3, 10, 14, 35)),
        ("2026-03-10T04:35:00Z", "time", datetime(2026, 3, 10, 4, 35)),
        ("'=1+1", "text", "=1+1"),
        ("'-1+1", "text", "-1+1"),
        ("no use in period", "text", "no use in period"),
    ],
)
def test_cells_are_typed_by_what_they_hold(cell: str, kind: str, value: object) -> None:
    assert typed(cell)[:2] == (kind, value)


def test_a_section_longer_than_a_sheet_goes_on_to_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reports.xlsx_writer as xw

    monkeypatch.setattr(xw, "MAX_ROWS", 3)  # header + 2 rows a sheet
    source = tmp_path / "s.csv"
    source.write_text("gtin,units\n" + "".join(f"0{i},{i}\n" for i in range(5)), "utf-8")
    empty = tmp_path / "e.csv"
    empty.write_text("gtin,units\n", "utf-8")
    sheets, rows = write_sheets(tmp_path / "w.xlsx", [("uses", source), ("none", empty)])
    assert (sheets, rows) == (4, 5)
    book = load_workbook(tmp_path / "w.xlsx")
    assert book.sheetnames == ["uses", "uses (2)", "uses (3)", "none"]
    assert [c.value for c in book["uses (3)"]["A"]] == ["gtin", "04"]
    assert neutral("04") == "04"
