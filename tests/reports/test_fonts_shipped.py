"""Reports print names in any script on a PC with no fonts of its own, and a reader gets
the names back out of the PDF as they were typed."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NAMES = {
    "Latin": "Zoë Ångström-Núñez",
    "Cyrillic": "Мария Иванова",
    "Greek": "Γιώργος Παπαδόπουλος",
    "Arabic": "محمد الأحمد",
    "Hebrew": "דוד כהן",
    "Devanagari": "प्रिया शर्मा",
    "Thai": "สมชาย ใจดี",
    "Chinese": "李静",
    "Korean": "김민지",
}
# A fresh process with Debian's font folders pointed at nothing: only what ships is found.
DRAW = r"""
import json, sys
from pathlib import Path
from reports import fonts
fonts.SYSTEM_DIRS = {package: Path("/nonexistent") for package in fonts.SYSTEM_DIRS}
from reports.pdf_writer import PdfReport
names = json.loads(sys.argv[2])
chain = fonts.report_fonts()
used = sorted({str(p) for c in (chain.regular, chain.bold) for p in c._paths})
doc = PdfReport(Path(sys.argv[1]), chain, pagesize=(595, 842), header="Fonts", footer="",
                title="t", subject="s", author="a")
y = 760
for script, name in names.items():
    doc.text_line(chain.regular, f"{script}: {name}", 40, y, 11)
    y -= 22
doc.finish("0" * 64)
print(json.dumps(used))
"""


def _visible(text: str) -> str:
    """Extracted text without bidi marks, Arabic presentation forms as their letters."""
    return unicodedata.normalize(
        "NFKC", "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    )


def test_names_in_nine_scripts_print_with_the_shipped_fonts_only(tmp_path: Path) -> None:
    pdf = tmp_path / "names.pdf"
    drawn = subprocess.run(
        [sys.executable, "-c", DRAW, str(pdf), json.dumps(NAMES)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    used = json.loads(drawn.stdout)
    assert used and all(path.startswith(str(REPO / "resources" / "fonts")) for path in used)

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(" yes yes " in row for row in rows), fonts.stdout  # embedded, subset

    lines = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    text = {
        _visible(line).split(":", 1)[0].strip(): _visible(line) for line in lines if ":" in line
    }
    for script, name in NAMES.items():
        assert script in text, f"{script} line missing"
        assert text[script].split(":", 1)[1].strip() == _visible(name), (script, text[script])


def test_devanagari_is_shaped_not_drawn_letter_by_letter(tmp_path: Path) -> None:
    """प्रि: the conjunct and the vowel sign come out as HarfBuzz glyphs, not the four letters."""
    from reports.fonts import report_fonts

    runs = report_fonts().regular.runs("प्रिया")
    drawn = "".join(piece for _font, piece in runs)
    assert drawn != "प्रिया"  # shaped glyphs (reordered i-matra, the pra conjunct)
    assert getattr(runs[0][1], "actual", None) == "प्रिया"  # and the text as typed, for readers
