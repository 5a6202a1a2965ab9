"""How values read on screen: local time with its offset, millimetres, unit statuses."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from inventory.catalog import mm_text

STATUS_WORDS = {
    "in_stock": "In stock",
    "used": "Used",
    "quarantined": "Quarantined",
    "wasted": "Wasted",
    "returned": "Returned to supplier",
}


def local_time(at: datetime | None, tz: ZoneInfo | None, *, seconds: bool = False) -> str:
    """A stored UTC time as the clinic's wall clock shows it, with the offset (DESIGN: Time)."""
    if at is None:
        return ""
    local = at.astimezone(tz) if tz is not None else at
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + " " + offset


def wall_clock(at: datetime | None, tz: ZoneInfo | None) -> str:
    """Short local time for compact lists whose heading names the zone and offset."""
    if at is None:
        return ""
    return (at.astimezone(tz) if tz is not None else at).strftime("%Y-%m-%d %H:%M")


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def mm(um: int | None) -> str:
    return "" if um is None else f"{mm_text(um)} mm"


def status(value: str | None) -> str:
    return STATUS_WORDS.get(value or "", value or "")


def count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"
