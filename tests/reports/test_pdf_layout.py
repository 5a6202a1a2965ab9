"""How the compliance PDF is drawn: words wrap whole, every font is embedded."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from inventory.db import Database
from reports.export import export_compliance
from reports.fonts import report_fonts
from reports.pdf_writer import Column, PdfReport
from tests.people import staff
from tests.reports.conftest import END, START, Month


def _table_lines(tmp_path: Path, column_width: float, text: str) -> list[str]:
    """The lines one cell of ``text`` is wrapped into, in a column this wide."""
    doc = PdfReport(
        tmp_path / "t.pdf", report_fonts(), pagesize=(400, 400), header="h", footer="f",
        title="t", subject="s", author="a",
    )  # fmt: skip
    table = doc.stream_table([Column("Reason", column_width, 0)])
    found = table._cell_lines(0, text)
    return [found] if isinstance(found, str) else found


@pytest.mark.parametrize("width", [40, 60, 72, 90])
def test_long_words_break_after_punctuation_not_inside(tmp_path: Path, width: float) -> None:
    lines = _table_lines(tmp_path, width, "deeper_than_planned (deeper_than_planned)")
    assert "".join(lines).replace(" ", "") == "deeper_than_planned(deeper_than_planned)"
    for line in lines:  # each line ends a word or after a "_": never mid-word
        assert line.endswith(("_", "d", ")")), lines


def test_every_font_is_embedded_and_no_page_names_helvetica(
    db: Database, month: Month, tmp_path: Path
) -> None:
    assert shutil.which("pdffonts"), "poppler-utils is needed"
    named = export_compliance(
        db, START, END, pdf=tmp_path / "r.pdf", csv=None, by=staff("Test Manager"),
        with_client_names=True,
    )  # fmt: skip
    from pypdf import PdfReader

    assert named.pdf is not None
    reader = PdfReader(named.pdf)
    for number, page in enumerate(reader.pages, 1):  # the report's own pages
        fonts = page["/Resources"].get("/Font") or {}
        names = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
        assert not any("Helvetica" in n for n in names), (number, names)
    listed = subprocess.run(
        ["pdffonts", str(named.pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    unembedded = [line for line in listed if line.split()[-5] != "yes"]
    assert not unembedded, unembedded  # the signature's appearance included
