"""Needle lengths: typed in millimetres, kept in micrometres, shown as the box prints them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from inventory.errors import InvalidInput
from inventory.models import MAX_NEEDLE_UM, MIN_NEEDLE_UM


def needle_um(mm: str | float | Decimal) -> int:
    """A needle length typed in millimetres, as whole micrometres (0.25 to 2.5 mm)."""
    try:
        value = Decimal(str(mm).strip().replace(",", ".").removesuffix("mm").strip())
    except InvalidOperation as exc:
        raise InvalidInput(f"'{mm}' is not a needle length; give millimetres, like 0.5.") from exc
    um = value * 1000
    if um != um.to_integral_value() or not (MIN_NEEDLE_UM <= um <= MAX_NEEDLE_UM):
        raise InvalidInput(f"A needle length of {mm} mm is outside 0.25 to 2.5 mm; check the box.")
    return int(um)


def mm_text(um: int) -> str:
    """Micrometres shown as millimetres the way the box prints them (0.5, 1.25, 2.0)."""
    text = f"{Decimal(um) / 1000:.2f}"
    return text[:-1] if text.endswith("0") else text
