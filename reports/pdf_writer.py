"""The PDF page machinery: running header and footer, "page x of y", flowing and streamed tables.

Long tables (one row per use: 100,000 rows, 2,000 pages) are drawn row by row with
canvas text objects: platypus tables cost 4 to 15 times as much (see DESIGN "Known
costs"). Platypus is kept for the cover, summaries and charts. The total page count,
the report digest, the pages where sections start and the banner of a named export
are only known at the end, so pages refer to small PDF forms ("total", "digest",
"page-<key>", "banner") that are filled in just before the file is saved.

Every font is embedded: the canvas starts each page in the report's own font, not in
reportlab's default Helvetica (which a PDF reader would have to substitute).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, LongTable, Paragraph, TableStyle
from reportlab.platypus.tables import CellStyle

from reports import pdf_ops, shaping
from reports.cells import RISKY
from reports.fonts import FontChain, Fonts
from reports.pdf_ops import PlainCells

MARGIN = 36.0
HEADER_GAP = 26.0
FOOTER_GAP = 24.0
INK = colors.HexColor("#1d2a33")
MUTED = colors.HexColor("#5b6b76")
RULE = colors.HexColor("#b8c4cc")
BAND = colors.HexColor("#eef3f6")
HEAD_FILL = colors.HexColor("#d9e4ea")
ALERT = colors.HexColor("#9b1c1c")
ALERT_FILL = colors.HexColor("#fbe3e0")
# Where a word too long for its column may break: after these characters.
_BREAKS = re.compile(r"(?<=[_\-/.,;:)\]])")


@dataclass(frozen=True)
class Column:
    """A printed column: its title, width in points, and the CSV cells it shows."""

    title: str
    width: float
    source: int | tuple[int, ...]
    wrap: bool = True
    template: str = ""
    """How several cells read as one ("{0} ({1})"); by default the filled ones joined by " / "."""


class FormRef(Flowable):
    """A flowable that shows a PDF form defined later (the digest on the cover)."""

    def __init__(self, name: str, width: float, height: float, dy: float = 0.0) -> None:
        super().__init__()
        self.name, self.width, self.height, self.dy = name, width, height, dy

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        if self.dy:
            self.canv.translate(0, self.dy)
        self.canv.doForm(self.name)


class PdfReport:
    """One PDF being written page by page."""

    def __init__(
        self,
        path: Path,
        fonts: Fonts,
        *,
        pagesize: tuple[float, float],
        header: str,
        footer: str,
        title: str,
        subject: str,
        author: str,
    ) -> None:
        self.fonts = fonts
        self.width, self.height = pagesize
        # Each page starts in an embedded font (reportlab's default is Helvetica, not embedded).
        self.c = Canvas(
            str(path),
            pagesize=pagesize,
            pageCompression=1,
            initialFontName=fonts.regular.primary,
            initialFontSize=8,
            initialLeading=10,
        )
        # A platypus table sets its cells' font even when they hold paragraphs; its default
        # is Helvetica. Tables built elsewhere (the cover's layout) get the embedded font too.
        CellStyle.fontname = fonts.regular.primary
        pdf_ops.compress_each_page(self.c)
        self._lines: dict[tuple[object, ...], str] = {}
        self.c.setTitle(title)
        self.c.setSubject(subject)
        self.c.setAuthor(author)
        self.c.setCreator("Sterile Ledger")
        self.header, self.footer = header, footer
        self.section = ""
        self.page = 0
        self.banner = ""
        """Printed in every page's footer when set (e.g. an export with client names)."""
        self.marks: dict[str, int] = {}
        self._page_refs: set[str] = set()
        self.top = self.height - MARGIN - HEADER_GAP
        self.bottom = MARGIN + FOOTER_GAP
        self.frame_width = self.width - 2 * MARGIN
        self.y = self.top
        self._start_page()

    # --- pages ------------------------------------------------------------------------

    def _start_page(self) -> None:
        self.page += 1
        c = self.c
        regular, bold = self.fonts.regular, self.fonts.bold
        top = self.height - MARGIN
        self.text_line(bold, self.header, MARGIN, top - 10, 8.5, INK)
        if self.section:
            width = regular.width(self.section, 8)
            self.text_line(regular, self.section, self.width - MARGIN - width, top - 10, 8, MUTED)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.line(MARGIN, top - 16, self.width - MARGIN, top - 16)
        c.line(MARGIN, MARGIN + 14, self.width - MARGIN, MARGIN + 14)
        self.text_line(regular, self.footer, MARGIN, MARGIN + 3, 7, MUTED)
        label = f"Page {self.page} of "
        label_width = regular.width(label, 8)
        x = self.width - MARGIN - label_width - 24
        self.text_line(regular, label, x, MARGIN + 3, 8, INK, again=False)
        c.saveState()
        c.translate(x + label_width, MARGIN + 3)
        c.doForm("total")
        c.restoreState()
        c.saveState()
        c.translate(x - 14, MARGIN + 3)  # the banner ends left of "Page x of y"
        c.doForm("banner")
        c.restoreState()
        self.y = self.top

    def new_page(self) -> None:
        self.c.showPage()
        self._start_page()

    def new_section(self, title: str, key: str | None = None) -> None:
        """Start a subject on a fresh page, its name in the running header.

        With a ``key``, the page is remembered for a contents list (:meth:`page_ref`).
        """
        self.section = title
        if self.page > 1 or self.y < self.top:
            self.new_page()
        if key is not None:
            self.marks[key] = self.page
        self.heading(title)

    def page_ref(self, key: str, size: float = 8.5) -> FormRef:
        """The page number where the section ``key`` starts, filled in at the end."""
        self._page_refs.add(key)
        return FormRef(f"page-{key}", 24, size * 1.3, dy=size * 0.25)

    def heading(self, title: str, size: float = 14) -> None:
        if self.y - size * 2.2 < self.bottom:
            self.new_page()
        self.text_line(self.fonts.bold, title, MARGIN, self.y - size, size, INK, again=False)
        self.y -= size * 1.9

    def text_line(
        self,
        chain: FontChain,
        text: str,
        x: float,
        y: float,
        size: float,
        color: object = INK,
        *,
        again: bool = True,
    ) -> None:
        """One line of text. A line that comes ``again`` at the same place (the running
        header and footer of every page) is written from its operators, not laid out anew."""
        key = (id(chain), text, x, y, size, color)
        code = self._lines.get(key) if again else None
        if code is None:
            code = shaping.line(self.c, chain.runs(text), x, y, size, color).getCode()
            if again and len(self._lines) < 1000:
                self._lines[key] = code
        self.c._code.append(code)

    def finish(self, digest: str) -> None:
        """Fill in the deferred page total, digest, section pages and banner; write the file."""
        c = self.c
        c.showPage()
        self._number_form("total", str(self.page), 8)
        for key in sorted(self._page_refs):
            self._number_form(f"page-{key}", str(self.marks.get(key, "-")), 8.5)
        c.beginForm("digest")
        self._digest_lines(digest)
        c.endForm()
        self._banner_form()
        c.save()

    def _number_form(self, name: str, value: str, size: float) -> None:
        c = self.c
        c.beginForm(name)
        t = c.beginText(0, 0)
        t.setFont(self.fonts.regular.primary, size)
        t.setFillColor(INK)
        t.textOut(value)
        c.drawText(t)
        c.endForm()

    def _banner_form(self) -> None:
        """The footer banner, right-aligned at the form's origin (empty when not set)."""
        c = self.c
        size = 7.5
        bold = self.fonts.bold
        width = bold.width(self.banner, size) if self.banner else 0.0
        c.beginForm("banner", lowerx=-width - 8, lowery=-4, upperx=1, uppery=size + 4)
        if self.banner:
            c.setFillColor(ALERT)
            c.rect(-width - 6, -2.5, width + 6, size + 3.5, stroke=0, fill=1)
            c.drawText(shaping.line(c, bold.runs(self.banner), -width - 3, 0, size, colors.white))
        c.endForm()

    def _digest_lines(self, digest: str) -> None:
        """The digest in two lines of four groups: it fits a narrow column."""
        groups = [digest[i : i + 8] for i in range(0, 64, 8)]
        t = self.c.beginText(0, 13)
        t.setFont(self.fonts.regular.primary, 9)
        t.setFillColor(INK)
        t.setLeading(11.5)
        t.textLine(" ".join(groups[:4]))
        t.textLine(" ".join(groups[4:]))
        self.c.drawText(t)

    # --- flowing platypus content -----------------------------------------------------

    def flow(self, flowables: Sequence[Flowable]) -> None:
        """Place flowables one under another, splitting or breaking pages as needed."""
        pending = list(flowables)
        while pending:
            item = pending.pop(0)
            available = self.y - self.bottom
            _w, h = item.wrapOn(self.c, self.frame_width, available)
            if h <= available:
                item.drawOn(self.c, MARGIN, self.y - h)
                self.y -= h
                continue
            parts = item.splitOn(self.c, self.frame_width, available) if available > 40 else []
            if len(parts) > 1:
                pending[:0] = parts
            elif self.y < self.top:
                self.new_page()
                pending.insert(0, item)
            else:  # taller than a whole page and cannot split: draw what fits
                item.drawOn(self.c, MARGIN, self.bottom)
                self.new_page()

    def space(self, height: float) -> None:
        self.y -= height

    def paragraph(
        self, text: str, size: float = 9, bold: bool = False, color: object = INK
    ) -> Paragraph:
        chain = self.fonts.bold if bold else self.fonts.regular
        return Paragraph(chain.markup(text), self.style(size, bold, color))

    def style(self, size: float = 9, bold: bool = False, color: object = INK) -> ParagraphStyle:
        chain = self.fonts.bold if bold else self.fonts.regular
        return ParagraphStyle(
            f"s{size}{bold}",
            fontName=chain.primary,
            fontSize=size,
            leading=size * 1.3,
            textColor=color,
            alignment=TA_LEFT,
            shaping=1,  # HarfBuzz, word by word (FontChain.markup orders the words)
        )

    def small_table(
        self,
        header: Sequence[str] | None,
        rows: Sequence[Sequence[object]],
        widths: Sequence[float],
        size: float = 8,
    ) -> LongTable:
        """A platypus table for summaries: wrapped cells, header repeated on every page.

        A cell is text, or a flowable drawn as it is (a page number filled in later).
        """

        def shown(cell: object) -> Flowable:
            return cell if isinstance(cell, Flowable) else self.paragraph(str(cell), size)

        body = [[shown(cell) for cell in row] for row in rows]
        if not body:
            body = [[self.paragraph("(none)", size, color=MUTED)] + [""] * (len(widths) - 1)]
        if header is None:
            table = LongTable(body, colWidths=list(widths))
            first = [("ROWBACKGROUNDS", (0, 0), (-1, -1), [colors.white, BAND])]
        else:
            head = [self.paragraph(h, size, bold=True) for h in header]
            table = LongTable([head, *body], colWidths=list(widths), repeatRows=1)
            first = [
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ]
        table.setStyle(
            TableStyle(
                [
                    *first,
                    ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular.primary),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def stream_table(
        self, columns: Sequence[Column], size: float = 7, alert: int | None = None
    ) -> StreamTable:
        """A long table drawn row by row; a row whose CSV cell ``alert`` is set is marked."""
        return StreamTable(self, columns, size, alert)


class StreamTable:
    """A long table drawn straight onto the canvas, a row at a time.

    Cells wrap at word boundaries (a word longer than its column breaks after a "_",
    "-", "/" or the like, and only then between letters); the header is drawn again at
    the top of every page. Repeated values (practitioners, products, lots) are measured
    once. A row whose ``alert`` cell is not empty is drawn on a red band.
    """

    PAD = 2.0

    def __init__(
        self, doc: PdfReport, columns: Sequence[Column], size: float, alert: int | None = None
    ) -> None:
        self.doc, self.columns, self.size = doc, list(columns), size
        self.alert = alert
        self.leading = size * 1.25
        self.xs: list[float] = []
        x = MARGIN
        for column in self.columns:
            self.xs.append(x)
            x += column.width
        self.total_width = x - MARGIN
        regular = doc.fonts.regular
        self.regular = regular
        # Any ASCII text at most this long fits its column without measuring.
        em = max(regular.width(ch, size) for ch in "MW@%_")
        self.safe = [int((c.width - 2 * self.PAD) // em) for c in self.columns]
        self._ascii = {chr(i): regular.width(chr(i), size) for i in range(32, 127)}
        self._wrapped: dict[tuple[int, str], list[str]] = {}
        self._plain = PlainCells(doc.c, regular.primary, size)
        self._x = [pdf_ops.number(x + self.PAD) for x in self.xs]
        self.rows = 0
        self._band = False
        self._text = None
        bold = doc.fonts.bold
        self._head = [self._wrap(bold, c.title, c.width - 2 * self.PAD) for c in self.columns]
        self._head_height = max(len(ls) for ls in self._head) * self.leading + 2 * self.PAD
        self._head_code: dict[float, str] = {}
        self._draw_header()

    def _draw_header(self) -> None:
        """The column titles; on every page after the first they are at the same place, so
        their operators are written again rather than laid out anew."""
        doc = self.doc
        height = self._head_height
        if doc.y - height - self.leading * 2 < doc.bottom:
            doc.new_page()
        c = doc.c
        c.setFillColor(HEAD_FILL)
        c.rect(MARGIN, doc.y - height, self.total_width, height, stroke=0, fill=1)
        code = self._head_code.get(doc.y)
        if code is None:
            bold = doc.fonts.bold
            t = c.beginText()
            t.setFillColor(INK)
            for x, column_lines in zip(self.xs, self._head, strict=True):
                y = doc.y - self.PAD - self.size
                for line in column_lines:
                    t.setTextOrigin(x + self.PAD, y)
                    for font, piece in bold.runs(line):
                        t.setFont(font, self.size)
                        shaping.text_out(t, piece)
                    y -= self.leading
            code = self._head_code[doc.y] = t.getCode()
        c._code.append(code)
        doc.y -= height
        self._band = False

    def _ascii_width(self, text: str) -> float | None:
        """Printable ASCII measured with the regular font's width table; None for other text."""
        try:
            return sum(map(self._ascii.__getitem__, text))
        except KeyError:
            return None

    def _width(self, chain: FontChain, text: str) -> float:
        """Printable ASCII in the regular font from the width table, other text from the font."""
        if chain is self.regular and text.isascii():
            width = self._ascii_width(text)
            if width is not None:
                return width
        return chain.width(text, self.size)

    def _wrap(self, chain: FontChain, text: str, width: float) -> list[str]:
        """Greedy word wrap; a word longer than the column is split (:meth:`_split`)."""
        if self._width(chain, text) <= width:
            return [text]
        lines: list[str] = []
        line = ""
        for word in text.split(" "):
            candidate = f"{line} {word}" if line else word
            if self._width(chain, candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            if self._width(chain, word) <= width:
                line = word
                continue
            *whole, line = self._split(chain, word, width)
            lines.extend(whole)
        if line:
            lines.append(line)
        return lines or [""]

    def _split(self, chain: FontChain, word: str, width: float) -> list[str]:
        """A word too long for the column: broken after punctuation where it can be
        ("deeper_than_" / "planned"), between letters only where a piece still does not fit."""
        lines: list[str] = []
        line = ""
        for piece in _BREAKS.split(word):
            if self._width(chain, line + piece) <= width:
                line += piece
                continue
            if line:
                lines.append(line)
                line = ""
            for ch in piece:
                if line and self._width(chain, line + ch) > width:
                    lines.append(line)
                    line = ""
                line += ch
        return [*lines, line]

    def _cell_lines(self, index: int, value: str) -> list[str] | str:
        if value[:1] == "'" and value[1:2] in RISKY:
            value = value[1:]  # the CSV's formula guard; the PDF prints what was typed
        if value.isascii() and (len(value) <= self.safe[index] or self._fits(index, value)):
            return value
        key = (index, value)
        found = self._wrapped.get(key)
        if found is None:
            found = self._wrap(self.regular, value, self.columns[index].width - 2 * self.PAD)
            if len(self._wrapped) > 100_000:
                self._wrapped.clear()
            self._wrapped[key] = found
        return found

    def _fits(self, index: int, value: str) -> bool:
        """Whether printable ASCII fits its column on one line (no cache: times all differ)."""
        width = self._ascii_width(value)
        return width is not None and width <= self.columns[index].width - 2 * self.PAD

    def row(self, cells: Sequence[str]) -> None:
        values = []
        for column in self.columns:
            source = column.source
            if isinstance(source, int):
                values.append(cells[source])
            elif column.template and all(cells[i] for i in source):
                values.append(column.template.format(*(cells[i] for i in source)))
            else:
                values.append(" / ".join(cells[i] for i in source if cells[i]))
        lines = [self._cell_lines(i, v) for i, v in enumerate(values)]
        count = max(1 if isinstance(ls, str) else len(ls) for ls in lines)
        height = count * self.leading + self.PAD
        doc = self.doc
        if doc.y - height < doc.bottom:
            self.flush()
            doc.new_page()
            self._draw_header()
        c = doc.c
        if self.alert is not None and cells[self.alert]:
            c.setFillColor(ALERT_FILL)
            c.rect(MARGIN, doc.y - height, self.total_width, height, stroke=0, fill=1)
        elif self._band:
            c.setFillColor(BAND)
            c.rect(MARGIN, doc.y - height, self.total_width, height, stroke=0, fill=1)
        self._band = not self._band
        if self._text is None:
            self._text = c.beginText()
            self._text.setFillColor(INK)
            self._font = ""
        t = self._text
        primary = self.regular.primary
        y0 = doc.y - self.size
        y0_text = pdf_ops.number(y0)
        for x, x_text, cell in zip(self.xs, self._x, lines, strict=True):
            x += self.PAD
            if isinstance(cell, str):
                if not cell:
                    continue
                if self._font != primary:
                    t.setFont(primary, self.size)
                    self._font = primary
                self._plain.write(t, x_text, y0_text, cell)
                continue
            y = y0
            for line in cell:
                if line.isascii() and line.isprintable():
                    if self._font != primary:
                        t.setFont(primary, self.size)
                        self._font = primary
                    self._plain.write(t, x_text, pdf_ops.number(y), line)
                    y -= self.leading
                    continue
                t.setTextOrigin(x, y)
                for font, piece in self.regular.runs(line):
                    if font != self._font:
                        t.setFont(font, self.size)
                        self._font = font
                    shaping.text_out(t, piece)
                y -= self.leading
        doc.y -= height
        self.rows += 1

    def note(self, text: str, *, bold: bool = False, alert: bool = False) -> None:
        """A full-width line inside the table (a group heading, a flag, or "no rows")."""
        self.flush()
        doc = self.doc
        chain = doc.fonts.bold if bold or alert else doc.fonts.regular
        lines = self._wrap(chain, text, self.total_width - 2 * self.PAD)
        height = len(lines) * self.leading + self.PAD * 2
        if doc.y - height - self.leading < doc.bottom:
            doc.new_page()
            self._draw_header()
        y = doc.y - self.PAD - self.size
        color = ALERT if alert else INK if bold else MUTED
        for line in lines:
            doc.text_line(chain, line, MARGIN + self.PAD, y, self.size, color, again=False)
            y -= self.leading
        doc.y -= height
        self._band = False

    def flush(self) -> None:
        """Draw the page's pending text (one text object per page keeps the PDF small)."""
        if self._text is not None:
            self.doc.c.drawText(self._text)
            self._text = None

    def close(self) -> None:
        self.flush()
        self.doc.y -= 6
