"""The signature shows on the cover: the reader draws its box from the appearance stream."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from inventory.db import Database
from reports.export import ExportResult, export_compliance, export_usage
from reports.verify import verify_file
from tests.people import staff
from tests.reports.conftest import END, START, Month, pdf_text

DPI = 72  # one pixel per PDF point: the field's box is its pixels


def _field(pdf: Path) -> tuple[int, tuple[float, float, float, float], float]:
    """(0-based page, box in points, page height) of the signed field, read by pyHanko."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with pdf.open("rb") as handle:
        reader = PdfFileReader(handle, strict=False)
        signature = reader.embedded_signatures[-1]
        field = signature.sig_field
        rect = [float(v) for v in field["/Rect"]]
        page_ref = field.raw_get("/P")
        for index in range(len(reader.root["/Pages"]["/Kids"])):
            page, _ = reader.find_page_for_modification(index)
            if page.idnum == page_ref.idnum:
                box = [float(v) for v in page.get_object()["/MediaBox"]]
                return index, (rect[0], rect[1], rect[2], rect[3]), box[3]
    raise AssertionError("the signature field is on no page")


def _render(pdf: Path, page: int, out: Path, *extra: str) -> Image.Image:
    assert shutil.which("pdftoppm"), "poppler-utils is needed (scripts/system-deps.sh)"
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-f", str(page + 1), "-l", str(page + 1),
         "-singlefile", *extra, str(pdf), str(out)],
        check=True,
    )  # fmt: skip
    return Image.open(f"{out}.png").convert("RGB")


@pytest.fixture
def exported(db: Database, month: Month, tmp_path: Path) -> ExportResult:
    return export_compliance(
        db, START, END, pdf=tmp_path / "report.pdf", csv=tmp_path / "csv", by=staff("Test Manager")
    )


def test_the_reader_draws_the_signature_box(exported: ExportResult, tmp_path: Path) -> None:
    assert exported.pdf is not None
    page, (x1, y1, x2, y2), height = _field(exported.pdf)
    assert page == 0, "the signature is on the cover"
    assert (x2 - x1) > 150 and (y2 - y1) > 40, "a box a person can read, not 0x0"
    shown = _render(exported.pdf, page, tmp_path / "shown")
    hidden = _render(exported.pdf, page, tmp_path / "hidden", "-hide-annotations")
    crop = (round(x1), round(height - y2), round(x2), round(height - y1))
    inside = ImageChops.difference(shown.crop(crop), hidden.crop(crop))
    changed = sum(1 for px in inside.get_flattened_data() if max(px) > 40)
    area = (crop[2] - crop[0]) * (crop[3] - crop[1])
    assert changed > area * 0.2, f"only {changed} of {area} pixels differ inside the box"
    outside = ImageChops.difference(shown, hidden)
    outside.paste((0, 0, 0), crop)
    assert outside.getbbox() is None, "the appearance draws only inside its box"


def test_the_box_names_signer_time_and_fingerprint(exported: ExportResult) -> None:
    assert exported.pdf is not None
    from pyhanko.pdf_utils.reader import PdfFileReader

    with exported.pdf.open("rb") as handle:
        reader = PdfFileReader(handle, strict=False)
        field = reader.embedded_signatures[-1].sig_field
        assert "/N" in field["/AP"], "the field carries a normal appearance stream"
    cover = pdf_text(exported.pdf).split("\f")[0]
    # pdftotext reads the annotation's appearance too: what the box says.
    groups = exported.fingerprint.split()
    assert "Harbour Skin Clinic" in cover and "Test Manager" in cover
    assert " ".join(groups[:8]) in cover and " ".join(groups[8:]) in cover
    assert "Total document signed" in cover and "Signature is Valid" in cover


def test_pdfsig_and_verify_accept_the_visible_signature(exported: ExportResult) -> None:
    assert exported.pdf is not None
    shown = subprocess.run(["pdfsig", str(exported.pdf)], capture_output=True, text=True)
    assert "Signature is Valid" in shown.stdout, shown.stdout
    assert "Total document signed" in shown.stdout
    assert "Signing Time: Mar" in shown.stdout or "2026" in shown.stdout
    result = verify_file(exported.pdf)
    assert result.ok, result.sentence


def test_the_usage_report_cover_shows_it_too(
    db: Database, month: Month, tmp_path: Path
) -> None:
    result = export_usage(db, START, END, pdf=tmp_path / "u.pdf", csv=None, by=staff("M"))
    assert result.pdf is not None
    page, (x1, y1, x2, y2), height = _field(result.pdf)
    shown = _render(result.pdf, page, tmp_path / "u-shown")
    hidden = _render(result.pdf, page, tmp_path / "u-hidden", "-hide-annotations")
    crop = (round(x1), round(height - y2), round(x2), round(height - y1))
    assert ImageChops.difference(shown.crop(crop), hidden.crop(crop)).getbbox() is not None
