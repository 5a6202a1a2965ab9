"""Unit labels: each printed barcode scans back, at the chair, to exactly its unit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from inventory import receiving
from inventory.barcode import parse_for_use
from inventory.db import Database
from inventory.errors import InvalidInput
from reports.labels import labels_for, write_labels_pdf, write_unit_labels
from sterility import sessions
from sterility.chair import use_unit
from tests.people import clear_intake, staff


def rendered(pdf: Path, tmp_path: Path, dpi: int = 300) -> list[Image.Image]:
    """The PDF as a printer would put it on paper (poppler, from make system-deps)."""
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True)
    return [Image.open(p) for p in sorted(tmp_path.glob("page-*.png"))]


@pytest.mark.parametrize("symbology", ["datamatrix", "code128"])
def test_every_label_scans_back_to_its_unit(
    ledger: Database, stocked: receiving.ReceiptResult, tmp_path: Path, symbology: str
) -> None:
    pdf = tmp_path / "labels.pdf"
    sheet = write_unit_labels(ledger, pdf, receipt_id=1, symbology=symbology)
    assert sheet.labels == 20  # the roller carries the maker's serial: no label
    assert sheet.pages == (1 if symbology == "datamatrix" else 2)
    read = [
        found.bytes.decode("ascii")
        for page in rendered(pdf, tmp_path)
        for found in zxingcpp.read_barcodes(page)
    ]
    assert len(read) == 20
    codes = sorted(parse_for_use(text).serial or "" for text in read)
    assert codes == [f"U1-{n:03d}" for n in range(1, 21)]
    assert all(text.startswith("0109506000100") for text in read)  # the GS1 GTIN (01)


def test_a_scanned_label_is_used_at_the_chair(
    ledger: Database, stocked: receiving.ReceiptResult, tmp_path: Path
) -> None:
    pdf = tmp_path / "one.pdf"
    write_unit_labels(ledger, pdf, codes=["U1-007"])
    (found,) = zxingcpp.read_barcodes(rendered(pdf, tmp_path)[0])
    assert found.format == zxingcpp.BarcodeFormat.DataMatrix
    assert found.content_type == zxingcpp.ContentType.GS1  # FNC1 first: a GS1 DataMatrix
    session = sessions.open_session(
        ledger, client_ref="C-1", practitioner="Sam", area="face", depth_mm="0.5", by=staff("Sam"),
        intake=clear_intake(),
    )
    verdict = use_unit(ledger, session.id, found.bytes.decode("ascii"), by=staff("Sam"))
    assert (verdict.unit_code, verdict.lot) == ("U1-007", "A100")


def test_the_unit_code_is_printed_as_text_too(
    ledger: Database, stocked: receiving.ReceiptResult, tmp_path: Path
) -> None:
    pdf = tmp_path / "text.pdf"
    write_unit_labels(ledger, pdf, codes=["U1-003", "U1-015"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "U1-003" in text and "U1-015" in text
    assert "Lot A100" in text and "Exp 2027-01-31" in text
    assert "(01)09506000100029(17)270131(10)A100(21)U1-003" in text


def test_units_with_a_maker_serial_need_no_label(
    ledger: Database, stocked: receiving.ReceiptResult, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="each carries the maker's serial"):
        write_unit_labels(ledger, tmp_path / "none.pdf", codes=["U1-021"])
    with ledger.read() as conn:
        assert labels_for(conn, codes=["u1-001"])[0].code == "U1-001"
    with pytest.raises(InvalidInput, match="not code39"):
        write_labels_pdf([], tmp_path / "x.pdf", symbology="code39")
