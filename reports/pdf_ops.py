"""Plain table cells written straight into a text object as PDF operators, and pages
compressed as soon as they are finished.

Why: a year's compliance report prints hundreds of thousands of cells, most of them
short ASCII (dates, numbers, codes, names repeated row after row). ``textOut`` encodes
each one afresh for the embedded font's subsets and measures it to move a cursor the
table never uses; here each distinct text is encoded once, through the dynamic-font
interface reportlab documents (``splitString`` and ``getSubsetInternalName``), and a cell
costs a position and its cached operators. Shaped text (scripts that need HarfBuzz) and
wrapped cells keep going through ``textOut``.

It writes into the text object's operator list and keeps its current subset in step,
which reportlab does not document; the report tests read every cell back from the PDF.

reportlab keeps every page's operators as text until it saves the file (a year's report:
tens of thousands of pages, gigabytes); :func:`compress_each_page` deflates each page when
it is finished, as the save would have, and the save then writes it as it is.
"""

from __future__ import annotations

import zlib

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

_LIMIT = 50_000  # distinct texts kept encoded (times and codes rarely repeat)


class PlainCells:
    """One font at one size: each text's ``(subset, "(...) Tj")`` operators, cached."""

    def __init__(self, canvas: Canvas, font_name: str, size: float) -> None:
        self.font_name, self.size = font_name, size
        self.font = pdfmetrics.getFont(font_name)
        self._doc = canvas._doc
        self._escape = canvas._escape
        self._select: dict[tuple[int, float], str] = {}
        self._ops: dict[str, list[tuple[int, str]]] = {}

    def write(self, text_object: PDFTextObject, x: str, y: str, text: str) -> None:
        """Draw ``text`` at ``x``, ``y`` (already formatted by :func:`number`); the text
        object's font must be this one (``setFont(font_name, size)``)."""
        ops = self._ops.get(text)
        if ops is None:
            if len(self._ops) >= _LIMIT:
                self._ops.clear()
            ops = self._ops[text] = [
                (subset, f"({self._escape(chunk)}) Tj")
                for subset, chunk in self.font.splitString(text, self._doc)
            ]
        code = text_object._code
        code.append(f"1 0 0 1 {x} {y} Tm")
        for subset, op in ops:
            if subset != text_object._curSubset:
                code.append(self._subset(subset, text_object._leading))
                text_object._curSubset = subset
            code.append(op)

    def _subset(self, subset: int, leading: float) -> str:
        found = self._select.get((subset, leading))
        if found is None:
            name = self.font.getSubsetInternalName(subset, self._doc)
            found = f"{name} {fp_str(self.size)} Tf {fp_str(leading)} TL"
            self._select[subset, leading] = found
        return found


def number(value: float) -> str:
    """A coordinate as reportlab writes it."""
    return fp_str(value)


def compress_each_page(canvas: Canvas) -> None:
    """Deflate each page's operators when the page ends, not all of them at the save."""

    def finished(_number: int) -> None:
        page = canvas._doc.Pages.pages[-1]
        if page.stream is None or page.Contents is not None:
            return
        stream = PDFStream(content=zlib.compress(page.stream.encode("utf-8")))
        stream.dictionary["Filter"] = PDFName("FlateDecode")  # the save writes it as is
        stream.__Comment__ = "page stream"
        page.Contents, page.stream = stream, None

    canvas.setPageCallBack(finished)
