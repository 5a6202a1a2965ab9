"""The key sheet prints the codes shown once: readable text and a QR code that scans back."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import zxingcpp
from PIL import Image
from PySide6.QtPrintSupport import QPrinter

from inventory import seal
from ui.key_sheet import KeySheet, print_sheet


def test_the_printed_sheet_carries_both_codes_and_a_readable_qr(
    app: object, tmp_path: Path
) -> None:
    key = seal.key_text(bytes(range(32)))
    sheet = KeySheet(
        "Harbour Skin Clinic",
        "Amira Haddad",
        datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        "K7PQ-M2XD-9RTA-B4WN-Z8HC-3JFE",
        key,
        "AB12 " * 15 + "AB12",
    )
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # stands in for the paper
    printer.setOutputFileName(str(tmp_path / "sheet.pdf"))
    print_sheet(sheet, printer)

    words = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "sheet.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Harbour Skin Clinic" in words and "Amira Haddad" in words
    assert key in words and "K7PQ-M2XD-9RTA-B4WN-Z8HC-3JFE" in words
    assert "Keep this sheet locked away from the clinic's computer" in words
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            str(tmp_path / "sheet.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    (found,) = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    assert seal.key_from_text(found.text) == bytes(range(32))
