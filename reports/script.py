"""Right-to-left text for a PDF: Arabic letter joining and a visual order.

reportlab draws glyphs one after another, left to right, in the order given. An Arabic
or Hebrew name drawn that way comes out reversed and (for Arabic) as unjoined letters.
This module turns a logical string into the visual string to draw: Arabic letters take
their joined forms (Unicode Arabic Presentation Forms, which the Noto Arabic font
carries) and right-to-left runs are reversed, with numbers and Latin kept readable.
It covers names and short references, not full paragraph layout; the CSV keeps the text
exactly as typed.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from itertools import chain

_FORMS = ("isolated", "final", "initial", "medial")
_TATWEEL = "\u0640"
_LAM = "\u0644"
# Lam followed by an alef is written as one mandatory ligature.
_LAM_ALEF = {"\u0622": "\ufef5", "\u0623": "\ufef7", "\u0625": "\ufef9", "\u0627": "\ufefb"}
_MIRROR = dict(zip("()[]{}<>«»", ")(][}{><»«", strict=True))


@cache
def _form_table() -> dict[str, dict[str, str]]:
    """Base letter -> its positional forms, read from the Unicode database itself."""
    table: dict[str, dict[str, str]] = {}
    for cp in chain(range(0xFE70, 0xFEFF), range(0xFB50, 0xFDFF)):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and parts[0][1:-1] in _FORMS:
            table.setdefault(chr(int(parts[1], 16)), {}).setdefault(parts[0][1:-1], chr(cp))
    return table


def needs_layout(text: str) -> bool:
    """True when the text holds right-to-left characters (the only case we change)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _joins_forward(ch: str | None) -> bool:
    forms = _form_table().get(ch or "")
    return ch == _TATWEEL or bool(forms and "initial" in forms)


def _joins_backward(ch: str | None) -> bool:
    forms = _form_table().get(ch or "")
    return ch == _TATWEEL or bool(forms and "final" in forms)


def shape_arabic(text: str) -> str:
    """Replace Arabic letters by their joined presentation forms (logical order kept)."""
    table = _form_table()
    letters = list(text)
    out: list[str] = []
    i = 0
    while i < len(letters):
        ch = letters[i]
        if ch not in table:
            out.append(ch)
            i += 1
            continue
        prev = _neighbour(letters, i, -1)
        nxt_index = _neighbour_index(letters, i, 1)
        nxt = letters[nxt_index] if nxt_index is not None else None
        joined_before = _joins_forward(prev) and _joins_backward(ch)
        if ch == _LAM and nxt in _LAM_ALEF and nxt_index == i + 1:
            ligature = _LAM_ALEF[nxt]
            out.append(chr(ord(ligature) + 1) if joined_before else ligature)
            i += 2
            continue
        joins_after = _joins_forward(ch) and _joins_backward(nxt)
        forms = table[ch]
        form = (
            "medial"
            if joined_before and joins_after
            else "final"
            if joined_before
            else "initial"
            if joins_after
            else "isolated"
        )
        out.append(forms.get(form) or forms.get("isolated") or ch)
        i += 1
    return "".join(out)


def _neighbour_index(letters: list[str], i: int, step: int) -> int | None:
    """The next letter that takes part in joining (harakat are transparent)."""
    j = i + step
    while 0 <= j < len(letters) and unicodedata.category(letters[j]) == "Mn":
        j += step
    return j if 0 <= j < len(letters) else None


def _neighbour(letters: list[str], i: int, step: int) -> str | None:
    j = _neighbour_index(letters, i, step)
    return letters[j] if j is not None else None


def _levels(text: str) -> list[int]:
    """Embedding levels by a simplified Unicode bidi algorithm (no explicit embeddings)."""
    kinds = [unicodedata.bidirectional(ch) for ch in text]
    strong = next((k for k in kinds if k in ("L", "R", "AL")), "L")
    base = 0 if strong == "L" else 1
    # Brackets take the paragraph's direction (a short form of the bracket-pair rule),
    # so "Ahmed (أحمد) 42" keeps its brackets around the name.
    kinds = [
        ("L" if base == 0 else "R") if ch in _MIRROR else k
        for ch, k in zip(text, kinds, strict=True)
    ]
    resolved: list[str] = []
    last_strong = "L" if base == 0 else "R"
    for kind in kinds:
        if kind in ("R", "AL"):
            last_strong = "R"
            resolved.append("R")
        elif kind == "L":
            last_strong = "L"
            resolved.append("L")
        elif kind in ("EN", "AN"):
            resolved.append("N#" if last_strong == "R" or kind == "AN" else "L")
        else:
            resolved.append("")
    # Neutrals between two characters of one direction take it; otherwise the base's.
    directions = ["R" if r in ("R", "N#") else r for r in resolved]
    for i, value in enumerate(directions):
        if value:
            continue
        before = next((d for d in reversed(directions[:i]) if d), "R" if base else "L")
        after = next((d for d in directions[i + 1 :] if d), "R" if base else "L")
        resolved[i] = before if before == after else ("R" if base else "L")
    return [(2 if base else 0) if v == "L" else 2 if v == "N#" else 1 for v in resolved]


def visual(text: str) -> str:
    """The string in the order to draw it left to right, Arabic joined, brackets mirrored."""
    if not needs_layout(text):
        return text
    shaped = shape_arabic(unicodedata.normalize("NFC", text))
    levels = _levels(shaped)
    chars = [
        _MIRROR.get(ch, ch) if level % 2 else ch for ch, level in zip(shaped, levels, strict=True)
    ]
    for level in range(max(levels), 0, -1):
        i = 0
        while i < len(chars):
            if levels[i] >= level:
                j = i
                while j < len(chars) and levels[j] >= level:
                    j += 1
                chars[i:j] = chars[i:j][::-1]
                levels[i:j] = levels[i:j][::-1]
                i = j
            else:
                i += 1
    return "".join(chars)
