"""Depth guidance: the clinic's needle-length range for each skin concern.

The defaults follow the treatment overview (shorter needles for superficial concerns such
as texture, longer ones for scars); a manager changes them for the clinic. They are a
clinic's working guidance, not medical advice: outside the range the chair warns and asks
for a confirmation, which is recorded. Kept as settings ``depth.<concern>`` = "0.5-1.0"
(millimetres), audited like every setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from inventory.access import Actor
from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.models import Setting
from inventory.needles import mm_text, needle_um
from inventory.settings import write_settings
from sterility.care_models import CONCERNS

CONCERN_WORDS = {
    "texture": "texture and pores",
    "fine_lines": "fine lines",
    "acne_scars": "acne scars",
    "stretch_marks": "stretch marks",
    "hair_loss": "hair loss",
    "hyperpigmentation": "hyperpigmentation",
}
DEFAULT_UM: dict[str, tuple[int, int]] = {
    "texture": (500, 1000),
    "fine_lines": (500, 1500),
    "acne_scars": (1000, 2500),
    "stretch_marks": (1500, 2500),
    "hair_loss": (500, 1500),
    "hyperpigmentation": (500, 1000),
}
PREFIX = "depth."


@dataclass(frozen=True)
class DepthRange:
    concern: str
    min_um: int
    max_um: int

    @property
    def words(self) -> str:
        """ "0.5 to 1.0 mm" """
        return f"{mm_text(self.min_um)} to {mm_text(self.max_um)} mm"

    @property
    def concern_words(self) -> str:
        return concern_words(self.concern)

    def contains(self, um: int) -> bool:
        return self.min_um <= um <= self.max_um

    def as_dict(self) -> dict[str, object]:
        return {
            "concern": self.concern,
            "concern_words": self.concern_words,
            "min_mm": mm_text(self.min_um),
            "max_mm": mm_text(self.max_um),
            "min_um": self.min_um,
            "max_um": self.max_um,
        }


def concern_words(concern: str) -> str:
    return CONCERN_WORDS.get(concern, concern.replace("_", " "))


def check_concern(concern: str) -> str:
    """The concern as stored, or a sentence listing the choices."""
    key = concern.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in CONCERNS:
        choices = ", ".join(f"{c} ({CONCERN_WORDS[c]})" for c in CONCERNS)
        raise InvalidInput(f"'{concern}' is not a skin concern. Choose one of: {choices}.")
    return key


def _parse(value: str | None) -> tuple[int, int] | None:
    """A stored "0.5-1.0", or None when it does not read as a range."""
    if not value or "-" not in value:
        return None
    low, _, high = value.partition("-")
    try:
        lo, hi = needle_um(low), needle_um(high)
    except InvalidInput:
        return None
    return (lo, hi) if lo <= hi else None


def range_for(conn: Connection, concern: str) -> DepthRange:
    """The clinic's range for a concern (its default when none was set)."""
    concern = check_concern(concern)
    stored = conn.execute(select(Setting.value).where(Setting.key == PREFIX + concern)).scalar()
    lo, hi = _parse(stored) or DEFAULT_UM[concern]
    return DepthRange(concern, lo, hi)


def ranges(conn: Connection) -> list[DepthRange]:
    """Every concern's range, in the order the chair lists them."""
    stored = dict(
        conn.execute(select(Setting.key, Setting.value).where(Setting.key.like(PREFIX + "%"))).all()
    )
    return [DepthRange(c, *(_parse(stored.get(PREFIX + c)) or DEFAULT_UM[c])) for c in CONCERNS]


def set_range(
    db: Database, concern: str, min_mm: str | float, max_mm: str | float, *, by: Actor
) -> DepthRange:
    """A manager sets the clinic's range for a concern (0.25 to 2.5 mm, min <= max)."""
    by.require("forms")
    concern = check_concern(concern)
    lo, hi = needle_um(min_mm), needle_um(max_mm)
    if lo > hi:
        raise InvalidInput(
            f"The shortest needle length ({mm_text(lo)} mm) is longer than the longest "
            f"({mm_text(hi)} mm); give the shorter first."
        )
    key, value = PREFIX + concern, f"{mm_text(lo)}-{mm_text(hi)}"
    write_settings(db, {key: value}, by=by)
    return DepthRange(concern, lo, hi)
