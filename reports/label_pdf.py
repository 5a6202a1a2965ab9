"""Drawing unit label sheets: reportlab pages, DataMatrix or GS1-128 symbols by zxing.

Kept apart from reports.labels (what a label shows) so that importing the label API,
as the Receive and Inventory screens do, loads none of this until a sheet is printed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zxingcpp
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from inventory.catalog import mm_text
from inventory.errors import InvalidInput
from reports.labels import SYMBOLOGIES, Label, LabelSheet


@dataclass(frozen=True)
class _Layout:
    """A sheet of equal labels (millimetres), like the common A4 label stationery."""

    columns: int
    rows: int
    width: float
    height: float
    left: float
    top: float
    gap_x: float
    gap_y: float


# 3 x 7 labels of 63.5 x 38.1 mm for DataMatrix; 2 x 7 of 99.1 x 38.1 mm for the
# wider GS1-128.
_LAYOUTS = {
    "datamatrix": _Layout(3, 7, 63.5, 38.1, 7.2, 15.15, 2.5, 0.0),
    "code128": _Layout(2, 7, 99.1, 38.1, 4.65, 15.15, 2.5, 0.0),
}


def write_labels_pdf(
    labels: Iterable[Label], path: Path, *, symbology: str = "datamatrix", outlines: bool = True
) -> LabelSheet:
    """One label per unit on A4 label sheets; outlines help cutting plain paper."""
    if symbology not in SYMBOLOGIES:
        raise InvalidInput(f"Labels are printed as {' or '.join(SYMBOLOGIES)}, not {symbology}.")
    labels = list(labels)
    layout = _LAYOUTS[symbology]
    fonts = _fonts()
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    canvas.setTitle("Sterile Ledger unit labels")
    canvas.setAuthor("Sterile Ledger")
    per_page = layout.columns * layout.rows
    pages = 0
    for number, label in enumerate(labels):
        slot = number % per_page
        if slot == 0:
            if number:
                canvas.showPage()
            pages += 1
        column, row = slot % layout.columns, slot // layout.columns
        x = (layout.left + column * (layout.width + layout.gap_x)) * mm
        y = A4[1] - (layout.top + (row + 1) * layout.height + row * layout.gap_y) * mm
        _draw_label(canvas, label, x, y, layout, symbology, fonts, outlines)
    canvas.showPage()
    canvas.save()
    return LabelSheet(path, len(labels), pages)


def barcode_modules(label: Label, symbology: str) -> np.ndarray:
    """The symbol as a matrix of modules (True = dark), without quiet zone."""
    label.element_string  # noqa: B018 - refuses values that would not scan back exactly
    content = f"[01]{label.gtin}[17]{label.expiry:%y%m%d}[10]{label.lot}[21]{label.code}"
    fmt = (
        zxingcpp.BarcodeFormat.DataMatrix
        if symbology == "datamatrix"
        else zxingcpp.BarcodeFormat.Code128
    )
    symbol = zxingcpp.create_barcode(content, fmt, gs1=True)
    image = np.array(zxingcpp.write_barcode_to_image(symbol, scale=1, add_quiet_zones=False))
    return image < 128


def _draw_label(
    canvas: Canvas,
    label: Label,
    x: float,
    y: float,
    layout: _Layout,
    symbology: str,
    fonts: tuple[str, str],
    outlines: bool,
) -> None:
    regular, bold = fonts
    width, height = layout.width * mm, layout.height * mm
    if outlines:
        canvas.setStrokeGray(0.82)
        canvas.setLineWidth(0.3)
        canvas.roundRect(x + 0.6 * mm, y + 0.6 * mm, width - 1.2 * mm, height - 1.2 * mm, 2 * mm)
    modules = barcode_modules(label, symbology)
    canvas.setFillGray(0)
    pad = 3.2 * mm
    if symbology == "datamatrix":
        side = min(20 * mm, height - 2 * pad - 4 * mm)
        top = y + height - pad - side - 0.6 * mm
        _draw_matrix(canvas, modules, x + pad, top, side / modules.shape[1])
        text_x = x + pad + side + 2.8 * mm
        details = [
            *_wrap(label.product, regular, 7, x + width - pad - text_x, 2),
            f"Lot {label.lot}",
            f"Exp {label.expiry.isoformat()}",
            f"{mm_text(label.needle_length_um)} mm needles",
        ]
    else:
        module = min(0.25 * mm, (width - 2 * pad) / modules.shape[1])
        _draw_bars(canvas, modules[0], x + pad, y + pad + 3.2 * mm, module, 11 * mm)
        text_x = x + pad
        details = [
            label.product,
            f"Lot {label.lot}",
            f"Exp {label.expiry.isoformat()}   {mm_text(label.needle_length_um)} mm",
        ]
    text_width = x + width - pad - text_x
    text_top = y + height - pad - 4.2 * mm
    canvas.setFont(bold, 13)
    canvas.drawString(text_x, text_top, _fit(label.code, bold, 13, text_width))
    canvas.setFont(regular, 7)
    for number, line in enumerate(details):
        line_y = text_top - (4.0 + number * 2.9) * mm
        canvas.drawString(text_x, line_y, _fit(line, regular, 7, text_width))
    canvas.setFont(regular, 5)
    canvas.drawString(x + pad, y + pad, _fit(label.human_readable, regular, 5, width - 2 * pad))


def _draw_matrix(canvas: Canvas, modules: np.ndarray, x: float, y: float, size: float) -> None:
    """Dark modules as filled rectangles, one per horizontal run (row 0 is the top)."""
    rows = modules.shape[0]
    for r in range(rows):
        row = modules[r]
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                top = y + (rows - r - 1) * size
                canvas.rect(x + start * size, top, (c - start) * size, size, stroke=0, fill=1)
            else:
                c += 1


def _draw_bars(
    canvas: Canvas, row: np.ndarray, x: float, y: float, module: float, height: float
) -> None:
    c = 0
    while c < len(row):
        if row[c]:
            start = c
            while c < len(row) and row[c]:
                c += 1
            canvas.rect(x + start * module, y, (c - start) * module, height, stroke=0, fill=1)
        else:
            c += 1


def _wrap(text: str, font: str, size: float, width: float, lines: int) -> list[str]:
    """Break a long product name into at most ``lines`` lines, the last one shortened."""
    words, out, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(trial, font, size) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return [_fit(line, font, size, width) for line in out]


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shorten with an ellipsis so a long product name never runs off the label."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


_FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Bold.ttf"),
)


def _fonts() -> tuple[str, str]:
    """A Unicode TrueType font where one is installed (names beyond Latin-1), else Helvetica."""
    if "LabelSans" in pdfmetrics.getRegisteredFontNames():
        return "LabelSans", "LabelSans-Bold"
    for regular, bold in _FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            try:
                pdfmetrics.registerFont(TTFont("LabelSans", regular))
                pdfmetrics.registerFont(TTFont("LabelSans-Bold", bold))
            except Exception:  # a damaged font file: the built-in font still works
                continue
            return "LabelSans", "LabelSans-Bold"
    return "Helvetica", "Helvetica-Bold"
