"""Embedded fonts that print names in any script: Noto Sans first, then fallbacks.

reportlab draws each string in one font and cannot read CFF-outline fonts (the Noto CJK
collection is CFF), so a name like "李静 (Li Jing)" is split into runs, each drawn with
the first font that has its glyphs: Noto Sans (Latin, Greek, Cyrillic), the Noto
script fonts (Arabic, Hebrew, Devanagari...), WenQuanYi Micro Hei (Chinese, Japanese,
Korean; TrueType outlines) and DejaVu Sans. A character no font has is printed as its
code point ("[U+1F600]"), never as an empty box. Runs are put in bidi order and shaped
by HarfBuzz (reports.shaping).

The fonts ship with the app in resources/fonts/ (OFL, Apache and Bitstream Vera
licences beside them), so a report prints on a PC with no fonts of its own; Debian's
font folders are a fallback for a source checkout without them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from inventory.errors import LedgerError
from reports import shaping

VENDORED = Path(__file__).resolve().parent.parent / "resources" / "fonts"
SYSTEM_DIRS = {
    "fonts-noto-core": Path("/usr/share/fonts/truetype/noto"),
    "fonts-wqy-microhei": Path("/usr/share/fonts/truetype/wqy"),
    "fonts-dejavu-core": Path("/usr/share/fonts/truetype/dejavu"),
}
# (file, Debian package, required?) in the order a character looks for its glyph.
REGULAR = [
    ("NotoSans-Regular.ttf", "fonts-noto-core", True),
    ("NotoSansArabic-Regular.ttf", "fonts-noto-core", False),
    ("NotoSansHebrew-Regular.ttf", "fonts-noto-core", False),
    ("NotoSansDevanagari-Regular.ttf", "fonts-noto-core", False),
    ("NotoSansBengali-Regular.ttf", "fonts-noto-core", False),
    ("NotoSansTamil-Regular.ttf", "fonts-noto-core", False),
    ("NotoSansThai-Regular.ttf", "fonts-noto-core", False),
    ("NotoSansGeorgian-Regular.ttf", "fonts-noto-core", False),
    ("NotoSansArmenian-Regular.ttf", "fonts-noto-core", False),
    ("NotoSansEthiopic-Regular.ttf", "fonts-noto-core", False),
    ("NotoSansKhmer-Regular.ttf", "fonts-noto-core", False),
    ("wqy-microhei.ttc", "fonts-wqy-microhei", True),
    ("DejaVuSans.ttf", "fonts-dejavu-core", False),
]
BOLD = [
    ("NotoSans-Bold.ttf", "fonts-noto-core", True),
    ("NotoSansArabic-Bold.ttf", "fonts-noto-core", False),
    ("NotoSansHebrew-Bold.ttf", "fonts-noto-core", False),
    *REGULAR[3:11],
    ("wqy-microhei.ttc", "fonts-wqy-microhei", True),
    ("DejaVuSans-Bold.ttf", "fonts-dejavu-core", False),
]


class FontMissing(LedgerError):
    """A font the reports need is not installed."""

    code = "font_missing"


def find_font(filename: str, package: str) -> Path | None:
    for folder in (VENDORED, SYSTEM_DIRS[package]):
        if (folder / filename).is_file():
            return folder / filename
    return None


@dataclass
class _Face:
    """One registered font: its reportlab name and the characters it has glyphs for."""

    name: str
    chars: frozenset[int]


class FontChain:
    """An ordered list of fonts; each character is drawn with the first that has it."""

    def __init__(self, specs: list[tuple[str, str, bool]], tag: str) -> None:
        self._paths: list[Path] = []
        for filename, package, required in specs:
            path = find_font(filename, package)
            if path is None and required:
                raise FontMissing(
                    f"The report font {filename} is not installed, so names in every script "
                    f"cannot be printed. Install the Debian package {package} "
                    f"(sudo apt-get install {package}) or put {filename} in {VENDORED}."
                )
            if path is not None:
                self._paths.append(path)
        self._tag = tag
        self._faces: list[_Face | None] = [None] * len(self._paths)
        self._lock = threading.Lock()
        self.primary = self._face(0).name
        self._primary_chars = self._face(0).chars

    def _face(self, index: int) -> _Face:
        face = self._faces[index]
        if face is None:
            with self._lock:
                face = self._faces[index]
                if face is None:
                    path = self._paths[index]
                    name = f"SL{self._tag}-{path.stem}"
                    if name not in pdfmetrics.getRegisteredFontNames():
                        pdfmetrics.registerFont(TTFont(name, str(path)))
                    font = pdfmetrics.getFont(name)
                    face = _Face(name, frozenset(font.face.charToGlyph))  # type: ignore[attr-defined]
                    self._faces[index] = face
        return face

    def font_for(self, ch: str) -> str | None:
        code = ord(ch)
        for index in range(len(self._paths)):
            face = self._face(index)
            if code in face.chars:
                return face.name
        return None

    def runs(self, text: str, rtl: bool = False) -> tuple[tuple[str, str], ...]:
        """(font name, text) pieces in drawing order; ASCII is one run of the primary font.

        ``rtl``: the line is laid out right to left (a line of an Arabic paragraph).
        """
        if text.isascii() and not rtl:
            return ((self.primary, text),)
        return self._runs(text, rtl)

    def _drawable(self, text: str) -> str:
        """The text with each character no font has written as its code point."""
        if all(ch.isspace() or ord(ch) in self._primary_chars for ch in text):
            return text
        return "".join(
            ch
            if ch.isspace() or ord(ch) in self._primary_chars or self.font_for(ch)
            else f"[U+{ord(ch):04X}]"
            for ch in text
        )

    @lru_cache(maxsize=20_000)  # noqa: B019 - one chain per process, kept for its life
    def items(self, text: str, rtl: bool = False) -> tuple[shaping.Item, ...]:
        """The line's font and bidi items, in visual order (text in logical order)."""
        text = self._drawable(text)
        fonts: list[str] = []
        current = self.primary
        for ch in text:
            if ch.isspace():
                font = current  # a space stays in the font around it
            elif ord(ch) in self._primary_chars:
                font = self.primary
            else:
                font = self.font_for(ch) or self.primary
            fonts.append(font)
            current = font
        return tuple(shaping.items(text, lambda i, _ch: fonts[i], rtl))

    @lru_cache(maxsize=50_000)  # noqa: B019 - one chain per process, kept for its life
    def _runs(self, text: str, rtl: bool = False) -> tuple[tuple[str, str], ...]:
        return tuple((item.font, shaping.shaped(item)) for item in self.items(text, rtl))

    def width(self, text: str, size: float) -> float:
        return sum(shaping.width(piece, font, size) for font, piece in self.runs(text))

    def markup(self, text: str) -> str:
        """Paragraph markup that draws each run in its own font (styles shape it)."""
        if text.isascii():
            return escape(text)
        return "".join(
            escape(shaping.markup_words(item))
            if item.font == self.primary
            else f'<font name="{item.font}">{escape(shaping.markup_words(item))}</font>'
            for item in self.items(text)
        )

    def one_font(self, text: str, font: str) -> str:
        """The line in visual order with shaped glyphs, all in one font (a chart label,
        which reportlab's charts draw as one plain string: marks sit a little apart)."""
        if text.isascii():
            return text
        return "".join(
            str(shaping.shaped(shaping.Item(font, item.text, item.level)))
            for item in self.items(text)
        )

    def font_covering(self, texts: list[str]) -> str:
        """One font that has every character of all ``texts`` (chart labels take one font)."""
        wanted = {ord(ch) for text in texts for ch in text if not ch.isspace()}
        for index in range(len(self._paths)):
            face = self._face(index)
            if wanted <= face.chars:
                return face.name
        return self.primary

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` that no installed font can draw."""
        return [ch for ch in text if not ch.isspace() and self.font_for(ch) is None]


@dataclass(frozen=True)
class Fonts:
    regular: FontChain
    bold: FontChain


_fonts: Fonts | None = None
_fonts_lock = threading.Lock()


def report_fonts() -> Fonts:
    """The process's font chains, registered with reportlab once."""
    global _fonts
    with _fonts_lock:
        if _fonts is None:
            _fonts = Fonts(FontChain(REGULAR, "R"), FontChain(BOLD, "B"))
        return _fonts
