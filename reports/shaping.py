"""A line of text as the PDF must draw it: bidi order, font runs and shaped glyphs.

reportlab draws glyphs left to right in the order given, one font at a time. A name may
mix scripts ("Dr محمد الأحمد (ref 12)", "प्रिया शर्मा"), so a line is cut into items:
stretches of one font at one bidi level (python-bidi's implementation of the Unicode
Bidirectional Algorithm, on a left-to-right line, as the reports are). Items are put in
visual order and each is shaped by HarfBuzz through reportlab (uharfbuzz): Arabic letters
join, Devanagari conjuncts form, a right-to-left item comes out in visual order.

What a reader copies out of the PDF matters to an inspector searching for a name: a
shaped glyph that has no character of its own (a Devanagari conjunct) carries the
item's text as ActualText, so text extraction returns the name as typed. Right-to-left
items map glyph by glyph (Arabic as its presentation forms), which extractors put back
in logical order themselves.

Optional ligatures are off, here and in paragraphs (reportlab's word shaper takes its
features from a default argument, set below): a name must not change its look (the Noto
Arabic font turns محمد into a decorated ligature with vowel marks under ``dlig``), and
"fi" drawn as one glyph comes out of the PDF as "ﬁ", which a reader's search for
"first" does not find. The ligatures a script requires (Arabic lam-alef, Devanagari
conjuncts) are HarfBuzz's required features and stay.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bidi import algorithm
from bidi.mirror import MIRRORED
from reportlab.lib.abag import ABag
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, shapeFragWord

FEATURES = {"kern": True, "liga": False, "dlig": False}
_WORD_SHAPER_DEFAULTS = shapeFragWord.__defaults__ or ()
if _WORD_SHAPER_DEFAULTS and isinstance(_WORD_SHAPER_DEFAULTS[0], dict):
    _WORD_SHAPER_DEFAULTS[0].clear()
    _WORD_SHAPER_DEFAULTS[0].update(FEATURES)  # Paragraph(shaping=1) shapes with these
_PRIVATE = range(0xE000, 0xF900)  # where reportlab puts glyphs without a character
_SHAPE_SIZE = 10.0  # shaping data is per 1000 units of em, whatever the size


@dataclass(frozen=True)
class Item:
    """Text of one font at one bidi level, in logical order."""

    font: str
    text: str
    level: int

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


def levels(text: str, rtl: bool = False) -> list[int]:
    """Each character's resolved bidi level on a left-to-right line (``rtl``: on a
    right-to-left line, as a paragraph written in Arabic or Hebrew is)."""
    storage = algorithm.get_empty_storage()
    storage["base_level"], storage["base_dir"] = (1, "R") if rtl else (0, "L")
    algorithm.get_embedding_levels(text, storage)
    algorithm.explicit_embed_and_overrides(storage, False)
    algorithm.resolve_weak_types(storage, False)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    found = [int(ch["level"]) for ch in storage["chars"]]
    return found if len(found) == len(text) else [0] * len(text)


def items(text: str, font_of: Callable[[int, str], str], rtl: bool = False) -> list[Item]:
    """The line cut into items, in visual order (Unicode rule L2 on items).

    ``font_of(index, char)`` names the font that draws the character at ``index``;
    ``rtl`` lays the line out right to left (its first word at the right).
    """
    if not text:
        return []
    per_char = levels(text, rtl)
    cut: list[Item] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or (
            font_of(i, text[i]) != font_of(start, text[start]) or per_char[i] != per_char[start]
        ):
            cut.append(Item(font_of(start, text[start]), text[start:i], per_char[start]))
            start = i
    return _visual_order(cut)


def _visual_order(cut: list[Item]) -> list[Item]:
    """Reverse every run of items at or above each odd level, highest level first."""
    ordered = list(cut)
    top = max((item.level for item in ordered), default=0)
    lowest_odd = 1
    for level in range(top, lowest_odd - 1, -1):
        i = 0
        while i < len(ordered):
            if ordered[i].level >= level:
                j = i
                while j < len(ordered) and ordered[j].level >= level:
                    j += 1
                ordered[i:j] = reversed(ordered[i:j])
                i = j
            else:
                i += 1
    return ordered


def _has_strong_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def shaped(item: Item) -> str:
    """The item ready to draw: a reportlab ShapedStr, or plain text where nothing changes.

    A ShapedStr that holds glyphs without a character of their own gets ``actual``: the
    text as typed, for :func:`text_out`'s ActualText.
    """
    text = item.text
    if item.rtl and not _has_strong_rtl(text):
        # punctuation or digits between right-to-left words: mirrored, reversed
        return "".join(MIRRORED.get(ch, ch) for ch in reversed(text))
    if text.isascii() and not item.rtl:
        return text
    font = item.font
    word = [
        pdfmetrics.stringWidth(text, font, _SHAPE_SIZE),
        (ABag(fontName=font, fontSize=_SHAPE_SIZE), text),
    ]
    out = shapeFragWord(word, features=FEATURES, force=True)
    pieces = [piece for _style, piece in out[1:]]
    result = pieces[0] if len(pieces) == 1 else sum(pieces[1:], pieces[0])
    if not isinstance(result, ShapedStr):
        return str(result)
    if not item.rtl and any(ord(ch) in _PRIVATE for ch in result):
        result.actual = text  # type: ignore[attr-defined]
    return result


def width(piece: str, font: str, size: float) -> float:
    """The drawn width of one piece at ``size`` points."""
    if isinstance(piece, ShapedStr) and piece.__shapeData__:
        return sum(d.x_advance for d in piece.__shapeData__) * size / 1000
    return pdfmetrics.stringWidth(piece, font, size)


def line(canvas: object, runs: Iterable[tuple[str, str]], x: float, y: float, size: float,
         color: object) -> object:
    """One line's text object at (x, y): each font run set and drawn, ActualText where needed.

    The one way a report draws a line of text, so the compliance report and the aftercare
    sheet shape and tag text alike."""
    text_object = canvas.beginText(x, y)  # type: ignore[attr-defined]
    text_object.setFillColor(color)
    for font, piece in runs:
        text_object.setFont(font, size)
        text_out(text_object, piece)
    return text_object


def text_out(text_object: object, piece: str) -> None:
    """One piece in the current font; a piece with ``actual`` is wrapped in ActualText."""
    actual = getattr(piece, "actual", None)
    if actual:
        code: list[str] = text_object._code  # type: ignore[attr-defined]
        code.append(f"/Span <</ActualText <FEFF{actual.encode('utf-16-be').hex()}>>> BDC")
    text_object.textOut(piece)  # type: ignore[attr-defined]
    if actual:
        code.append("EMC")


def markup_words(item: Item) -> str:
    """An item's text for Paragraph markup, whose shaping works word by word.

    A paragraph shapes each word on its own (an Arabic word comes out in visual order),
    so a right-to-left item gives its words in reverse order; neutral characters between
    right-to-left words are mirrored and reversed as :func:`shaped` does.
    """
    if not item.rtl:
        return item.text
    if not _has_strong_rtl(item.text):
        return "".join(MIRRORED.get(ch, ch) for ch in reversed(item.text))
    return " ".join(reversed(item.text.split(" ")))
