"""The visible signature: room kept for it on the cover, and what the PDF reader draws there.

pyHanko's signature field has no appearance of its own when it has no box, so a reader
shows nothing on the page. The cover keeps a box free (:class:`SignatureSpace`); the
signer then puts the signature field over it with an appearance stream drawn here with
the report's own fonts (any script), so that every reader that draws annotations shows
who signed, when, and the certificate's SHA-256 fingerprint.

Under the box the page itself says that the reader shows no signature there: the
appearance is opaque and covers that sentence when the reader draws it.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from reports import shaping
from reports.fonts import FontChain, Fonts

BOX_WIDTH = 258.0
BOX_HEIGHT = 66.0
PAD = 5.0
INK = colors.HexColor("#1d2a33")
MUTED = colors.HexColor("#5b6b76")
FRAME = colors.HexColor("#1f6f8b")
FILL = colors.HexColor("#f3f8fa")


@dataclass
class SignatureSlot:
    """Where the cover kept room for the signature: 0-based page and box in PDF points."""

    page: int | None = None
    box: tuple[float, float, float, float] | None = None  # x1, y1, x2, y2

    def field_box(self) -> tuple[int, int, int, int] | None:
        """The box in whole points (pyHanko's field rectangle), covering all the room kept.

        Outward rounding: the opaque appearance then hides the page's dashed outline.
        """
        if self.box is None:
            return None
        x1, y1, x2, y2 = self.box
        return (math.floor(x1), math.floor(y1), math.ceil(x2), math.ceil(y2))


@dataclass(frozen=True)
class SignatureText:
    """What the box says: the clinic, the person who exported, when, the fingerprint."""

    clinic: str
    by: str
    signed_at: str  # local time with offset and UTC, as the cover prints times
    fingerprint: str  # groups of four hex digits

    def lines(self) -> list[tuple[str, float, bool, object]]:
        """(text, size, bold, colour), top to bottom."""
        groups = self.fingerprint.split()
        half = (len(groups) + 1) // 2
        return [
            (f"Digitally signed by {self.clinic}", 8.0, True, INK),
            (f"Exported by {self.by}", 7.2, False, INK),
            (f"Signed {self.signed_at}", 7.2, False, INK),
            ("Certificate SHA-256 fingerprint", 6.4, False, MUTED),
            (" ".join(groups[:half]), 7.2, False, INK),
            (" ".join(groups[half:]), 7.2, False, INK),
        ]


class SignatureSpace(Flowable):
    """An empty box on the cover that records where it was drawn (for the signer)."""

    def __init__(self, slot: SignatureSlot, fonts: Fonts, width: float = BOX_WIDTH) -> None:
        super().__init__()
        self.slot, self.fonts = slot, fonts
        self.width, self.height = width, BOX_HEIGHT

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        x1, y1 = c.absolutePosition(0, 0)
        x2, y2 = c.absolutePosition(self.width, self.height)
        self.slot.page = c.getPageNumber() - 1
        self.slot.box = (x1, y1, x2, y2)
        # Seen only where the reader does not draw the signature's appearance over it.
        c.saveState()
        c.setStrokeColor(MUTED)
        c.setDash(2, 2)
        c.setLineWidth(0.6)
        c.rect(0.5, 0.5, self.width - 1, self.height - 1, stroke=1, fill=0)
        c.restoreState()
        _lines(
            c,
            self.fonts.regular,
            [
                ("The clinic's digital signature belongs in this box.", 7.0, False, MUTED),
                ("Your PDF reader does not draw it here: open its", 7.0, False, MUTED),
                ("signature panel, or run pdfsig on this file.", 7.0, False, MUTED),
            ],
            self.width,
            self.height,
            self.fonts.bold,
        )


def appearance_pdf(text: SignatureText, fonts: Fonts, width: float, height: float) -> bytes:
    """A one-page PDF the size of the box: the signature's appearance, opaque."""
    out = io.BytesIO()
    c = Canvas(  # each page starts in an embedded font, not reportlab's Helvetica
        out, pagesize=(width, height), pageCompression=1, initialFontName=fonts.regular.primary
    )
    c.setFillColor(FILL)
    c.setStrokeColor(FRAME)
    c.setLineWidth(1.2)
    c.rect(0.6, 0.6, width - 1.2, height - 1.2, stroke=1, fill=1)
    _lines(c, fonts.regular, text.lines(), width, height, fonts.bold)
    c.showPage()
    c.save()
    return out.getvalue()


def _lines(
    c: Canvas,
    regular: FontChain,
    lines: list[tuple[str, float, bool, object]],
    width: float,
    height: float,
    bold: FontChain,
) -> None:
    """Lines from the top, each shrunk to fit the width (never below 5 pt), then cut."""
    room = width - 2 * PAD
    y = height - PAD
    for text, size, is_bold, color in lines:
        chain = bold if is_bold else regular
        size = _fit(chain, text, size, room)
        shown = text
        while chain.width(shown, size) > room and len(shown) > 1:
            shown = shown[:-2] + "…"
        y -= size * 1.12
        t = c.beginText(PAD, y)
        t.setFillColor(color)
        for font, piece in chain.runs(shown):
            t.setFont(font, size)
            shaping.text_out(t, piece)
        c.drawText(t)
        y -= size * 0.18


def _fit(chain: FontChain, text: str, size: float, room: float) -> float:
    width = chain.width(text, size)
    return size if width <= room else max(5.0, size * room / width)
