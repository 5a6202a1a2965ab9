"""Drawing the client's aftercare sheet: one A4 page in the report fonts, any script.

Kept apart from ``reports.aftercare`` (what the sheet says, and recording that it was
printed) so the page can be looked at and tested on its own. The text is laid out here,
not by platypus: a paragraph in Arabic or Hebrew is wrapped in reading order first and
each line then drawn right to left from the right margin (``FontChain.runs(rtl=True)``),
which a left-to-right paragraph cannot do. The print shrinks until the sheet fits one
page; a text too long even then is refused (:class:`SheetTooLong`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from inventory.errors import InvalidInput
from reports import shaping
from reports.fonts import FontChain, Fonts

MARGIN = 50.0
INK = colors.HexColor("#1d2a33")
MUTED = colors.HexColor("#5b6b76")
RULE = colors.HexColor("#b8c4cc")
BOX = colors.HexColor("#eef3f6")
SIZES = (11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0)
BULLETS = ("- ", "• ", "* ", "– ")


class SheetTooLong(InvalidInput):
    """The aftercare text does not fit one page even in the smallest print."""

    code = "aftercare_too_long"


@dataclass(frozen=True)
class Sheet:
    """Everything the page shows, as text (no client name: the session number only)."""

    clinic_name: str
    contact: str
    session: int
    date: str
    area: str
    concern: str
    title: str
    body: str
    due: str  # "Due between ... and ..." or "Your series is complete."
    small_print: str


@dataclass(frozen=True)
class _Line:
    text: str
    chain: FontChain
    size: float
    indent: float = 0.0
    bullet: bool = False
    gap_before: float = 0.0
    color: object = INK


def is_rtl(text: str) -> bool:
    """The text reads right to left: its first strong character is Arabic or Hebrew."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def wrap(chain: FontChain, text: str, size: float, width: float) -> list[str]:
    """Greedy word wrap in reading (logical) order; a word wider than a line is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if chain.width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if line and chain.width(line + ch, size) > width:
                lines.append(line)
                line = ""
            line += ch
    if line:
        lines.append(line)
    return lines


def draw_sheet(sheet: Sheet, path: Path, fonts: Fonts) -> None:
    """Write the one-page sheet to ``path`` (the caller moves it into place)."""
    rtl = is_rtl(sheet.body) or is_rtl(sheet.title)
    for size in SIZES:
        if _height(sheet, fonts, size, rtl) <= _room(sheet, fonts):
            break
    else:
        raise SheetTooLong(
            "The aftercare text is too long for one page even in the smallest print. "
            "A manager can shorten it as a new version of the aftercare form; nothing "
            "was printed."
        )
    width, height = A4
    c = Canvas(
        str(path),
        pagesize=A4,
        pageCompression=1,
        initialFontName=fonts.regular.primary,
        initialFontSize=10,
        initialLeading=12,
    )
    c.setTitle(f"{sheet.title}: session {sheet.session}")
    c.setAuthor(sheet.clinic_name)
    c.setSubject("Aftercare sheet")
    c.setCreator("Sterile Ledger")
    y = height - MARGIN
    y = _draw_head(c, sheet, fonts, y, width)
    y -= 22
    y = _draw_lines(c, _title_lines(sheet, fonts, rtl), y, width, rtl)
    y -= 8
    y = _draw_facts(c, sheet, fonts, y, width)
    y -= 16
    y = _draw_lines(c, _body_lines(sheet.body, fonts, size, rtl), y, width, rtl)
    y -= 16
    y = _draw_box(c, fonts, "Your next session", sheet.due, y, width)
    y -= 10
    _draw_box(c, fonts, "Questions or concerns?", _ask(sheet), y, width)
    _draw_small_print(c, sheet, fonts, width)
    c.showPage()
    c.save()


def _ask(sheet: Sheet) -> str:
    if sheet.contact.strip():
        return f"Call {sheet.clinic_name}: {' · '.join(_parts(sheet.contact))}."
    return f"Call {sheet.clinic_name}."


def _parts(contact: str) -> list[str]:
    return [part.strip() for part in contact.splitlines() if part.strip()]


# --- measuring ------------------------------------------------------------------------


def _room(sheet: Sheet, fonts: Fonts) -> float:
    """Height the body may take: the page less the head, facts, boxes and small print."""
    width, height = A4
    inner = width - 2 * MARGIN
    fixed = _head_height(sheet, fonts, inner) + 22 + 8 + _FACTS_HEIGHT + 16 + 16 + 10
    fixed += _box_height(fonts, sheet.due, inner) + _box_height(fonts, _ask(sheet), inner)
    fixed += _SMALL_PRINT_HEIGHT + 12
    return height - 2 * MARGIN - fixed


def _height(sheet: Sheet, fonts: Fonts, size: float, rtl: bool) -> float:
    lines = [*_title_lines(sheet, fonts, rtl), *_body_lines(sheet.body, fonts, size, rtl)]
    return sum(line.gap_before + line.size * 1.35 for line in lines)


def _head_height(sheet: Sheet, fonts: Fonts, inner: float) -> float:
    contact = _contact_lines(sheet.contact, fonts, inner - 140)
    return 20 + len(contact) * 12 + 6


_FACTS_HEIGHT = 34.0
_SMALL_PRINT_HEIGHT = 24.0


def _box_height(fonts: Fonts, text: str, inner: float) -> float:
    lines = wrap(fonts.regular, text, 10, inner - 20)
    return 10 + 14 + len(lines) * 13.5 + 8


def _contact_lines(contact: str, fonts: Fonts, width: float) -> list[str]:
    return [
        line
        for part in contact.splitlines()
        if part.strip()
        for line in wrap(fonts.regular, part.strip(), 9.5, width)
    ]


# --- the parts of the page -------------------------------------------------------------


def _title_lines(sheet: Sheet, fonts: Fonts, rtl: bool) -> list[_Line]:
    inner = A4[0] - 2 * MARGIN
    return [_Line(t, fonts.bold, 15) for t in wrap(fonts.bold, sheet.title, 15, inner)]


def _body_lines(body: str, fonts: Fonts, size: float, rtl: bool) -> list[_Line]:
    """The aftercare text as lines: each text line a paragraph, "- " lines as bullets."""
    inner = A4[0] - 2 * MARGIN
    out: list[_Line] = []
    gap = 0.0
    for raw in body.splitlines():
        text = raw.strip()
        if not text:
            gap = size * 0.6
            continue
        bullet = text.startswith(BULLETS)
        if bullet:
            text = text[2:].strip()
        indent = size * 1.3 if bullet else 0.0
        for n, line in enumerate(wrap(fonts.regular, text, size, inner - indent)):
            first = n == 0
            out.append(
                _Line(
                    line,
                    fonts.regular,
                    size,
                    indent,
                    bullet and first,
                    (gap or size * 0.35) if first and out else 0.0,
                )
            )
        gap = 0.0
    return out


def _draw_lines(c: Canvas, lines: Sequence[_Line], y: float, width: float, rtl: bool) -> float:
    for line in lines:
        y -= line.gap_before + line.size * 1.35
        baseline = y + line.size * 0.3
        text_width = line.chain.width(line.text, line.size)
        if rtl:
            x = width - MARGIN - line.indent - text_width
            mark_x = width - MARGIN - line.size * 0.8
        else:
            x = MARGIN + line.indent
            mark_x = MARGIN + line.size * 0.25
        _text(c, line.chain, line.text, x, baseline, line.size, line.color, rtl)
        if line.bullet:
            c.setFillColor(INK)
            c.circle(mark_x + line.size * 0.2, baseline + line.size * 0.32, line.size * 0.16,
                     stroke=0, fill=1)  # fmt: skip
    return y


def _text(
    c: Canvas,
    chain: FontChain,
    text: str,
    x: float,
    y: float,
    size: float,
    color: object = INK,
    rtl: bool = False,
) -> None:
    c.drawText(shaping.line(c, chain.runs(text, rtl), x, y, size, color))


def _draw_head(c: Canvas, sheet: Sheet, fonts: Fonts, y: float, width: float) -> float:
    """The clinic's name and contact at the left; the session and date at the right."""
    inner = width - 2 * MARGIN
    _text(c, fonts.bold, sheet.clinic_name, MARGIN, y - 16, 17)
    line_y = y - 20
    for line in _contact_lines(sheet.contact, fonts, inner - 140):
        line_y -= 12
        _text(c, fonts.regular, line, MARGIN, line_y, 9.5, MUTED)
    right = width - MARGIN
    session = f"Session {sheet.session}"
    _text(c, fonts.bold, session, right - fonts.bold.width(session, 11), y - 14, 11)
    _text(c, fonts.regular, sheet.date, right - fonts.regular.width(sheet.date, 9.5), y - 28,
          9.5, MUTED)  # fmt: skip
    bottom = y - _head_height(sheet, fonts, inner)
    c.setStrokeColor(RULE)
    c.setLineWidth(0.8)
    c.line(MARGIN, bottom, width - MARGIN, bottom)
    return bottom


def _draw_facts(c: Canvas, sheet: Sheet, fonts: Fonts, y: float, width: float) -> float:
    """Session, date, area and concern in four cells across the page."""
    facts = [
        ("Session", str(sheet.session)),
        ("Date", sheet.date),
        ("Area treated", sheet.area),
        ("Treated for", sheet.concern),
    ]
    inner = width - 2 * MARGIN
    cell = inner / len(facts)
    c.setFillColor(BOX)
    c.roundRect(MARGIN, y - _FACTS_HEIGHT, inner, _FACTS_HEIGHT, 4, stroke=0, fill=1)
    for n, (label, value) in enumerate(facts):
        x = MARGIN + n * cell + 8
        _text(c, fonts.regular, label, x, y - 12, 8, MUTED)
        shown = value
        while shown and fonts.bold.width(shown, 10.5) > cell - 14:
            shown = shown[:-1]
        if shown != value:
            shown = shown[:-1] + "…"
        _text(c, fonts.bold, shown, x, y - 26, 10.5)
    return y - _FACTS_HEIGHT


def _draw_box(c: Canvas, fonts: Fonts, heading: str, text: str, y: float, width: float) -> float:
    inner = width - 2 * MARGIN
    lines = wrap(fonts.regular, text, 10, inner - 20)
    height = 10 + 14 + len(lines) * 13.5 + 8
    c.setFillColor(BOX)
    c.roundRect(MARGIN, y - height, inner, height, 5, stroke=0, fill=1)
    _text(c, fonts.bold, heading, MARGIN + 10, y - 10 - 10, 10.5)
    line_y = y - 10 - 14
    for line in lines:
        line_y -= 13.5
        _text(c, fonts.regular, line, MARGIN + 10, line_y + 3, 10)
    return y - height


def _draw_small_print(c: Canvas, sheet: Sheet, fonts: Fonts, width: float) -> None:
    inner = width - 2 * MARGIN
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.line(MARGIN, MARGIN + _SMALL_PRINT_HEIGHT, width - MARGIN, MARGIN + _SMALL_PRINT_HEIGHT)
    y = MARGIN + _SMALL_PRINT_HEIGHT - 10
    for line in wrap(fonts.regular, sheet.small_print, 7, inner)[:2]:
        _text(c, fonts.regular, line, MARGIN, y, 7, MUTED)
        y -= 9
