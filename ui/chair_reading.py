"""What the chair reads for its session form and its session line, off the main thread.

The choices of the intake (concerns and their ranges, the current screening and consent,
the active pens, the aftercare languages), the client's series on the area with the
warnings opening would give (the same checks ``open_session`` makes, from
sterility.intake), and a recorded intake in words under the session's title. Plain
functions over a read connection: the chair runs them on its worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from inventory.errors import LedgerError
from inventory.keyring import Keyring
from inventory.needles import needle_um
from inventory.settings import clinic_tz
from inventory.text import clean
from sterility import forms, guidance, intake, pens, series
from sterility.intake import IntakeInfo, Warning
from ui import fmt
from ui.intake_form import IntakeChoices


def intake_choices(conn: Connection, now: datetime) -> IntakeChoices:
    """What the intake offers now: the concerns and their ranges, the current forms, the
    active pens and the aftercare languages."""
    screening = forms.current(conn, "screening")
    consent = forms.current(conn, "consent")
    return IntakeChoices(
        concerns={r.concern: r.concern_words for r in guidance.ranges(conn)},
        ranges={r.concern: (r.min_um, r.max_um) for r in guidance.ranges(conn)},
        screening_version=screening.version,
        screening_items=[(item.key, item.question) for item in screening.items],
        consent_version=consent.version,
        consent_title=consent.title,
        consent_text=consent.body,
        pens=[(row.serial, _pen_words(row)) for row in pens.list_pens(conn, now, active_only=True)],
        languages=forms.languages(conn, "aftercare"),
        series_sessions=series.rules(conn).planned,
    )


def _pen_words(row: pens.PenRow) -> str:
    words = row.serial + (f" ({row.pen.model})" if row.pen.model else "")
    return words + (" · cleaning overdue" if row.overdue else "")


@dataclass(frozen=True)
class SeriesView:
    """What the form shows before opening: the client's place in their series on the
    area, when the next session is due, and the warnings opening would give."""

    area: str
    place: series.SeriesPlace
    due: series.DueWindow | None
    warnings: tuple[Warning, ...] = ()

    def words(self, tz: ZoneInfo | None) -> str:
        place = self.place
        if place.previous_at is None:
            return (
                f"No earlier session on the {self.area}: this starts a series "
                f"(session 1 of {place.planned})."
            )
        last = fmt.local_time(place.previous_at, tz)[:10]
        ago = "today" if place.days_since == 0 else f"{place.days_since} days ago"
        due = f" Next due {self.due.words}." if self.due else ""
        start = (
            f"Their last series on the {self.area} is complete: this starts a new one "
            f"(session 1 of {place.planned})."
            if place.number == 1
            else f"Series on the {self.area}: this is session {place.number} of {place.planned}."
        )
        return f"{start} Last session {last} ({ago}).{due}"


def look_ahead(
    conn: Connection,
    at: datetime,
    keys: Keyring | None,
    *,
    client_ref: str,
    area: str,
    depth_mm: str,
    concern: str,
    pen_serial: str | None,
    room: str,
) -> SeriesView:
    """The client's series on the area; with a concern chosen, the warnings of opening
    (the same checks ``open_session`` makes, from sterility.intake)."""
    key = None
    if keys is not None and keys.has("data"):  # only a holder of the data key finds them
        key = keys.client_key(clean(client_ref, "client reference"))
    area = area.strip().lower()
    place = series.place_for(conn, key, area, at)
    rules = series.rules(conn)
    due = (
        series.due_after(place.previous_at, rules, clinic_tz(conn))
        if place.previous_at is not None
        else None
    )
    warnings: tuple[Warning, ...] = ()
    if concern:
        try:
            warnings = intake.checks(
                conn,
                client_key=key,
                area=area,
                depth_um=needle_um(depth_mm),
                concern=concern,
                at=at,
                pen_serial=pen_serial,
                room=room,
            ).warnings
        except LedgerError:
            warnings = ()  # what is wrong is said when the person opens
    return SeriesView(area, place, due, warnings)


def _room_words(room: str) -> str:
    if not room:
        return "no room named"
    return room if room.casefold().startswith(("room", "chair")) else f"room {room}"


def care_words(info: IntakeInfo | None, tz: ZoneInfo) -> str:
    """The intake under the session's title: concern and range, screening, consent, pen,
    room, series; and any warning confirmed or override given."""
    if info is None:
        return "Opened before the intake was recorded."
    screening = (
        "screening positive, overridden by "
        + (info.override.confirmed_by if info.override else "?")
        if info.screening_positive
        else "screening clear"
    )
    pen = info.pen_words
    parts = [
        f"{info.concern_words.capitalize()} ({info.range.words})",
        f"{screening} (v{info.screening_version})",
        f"consent v{info.consent_version}",
        pen,
        _room_words(info.room),
        info.series_words,
    ]
    confirmed = [c.kind_words for c in info.confirmations if c.kind != "screening_override"]
    if confirmed:
        parts.append("confirmed: " + ", ".join(dict.fromkeys(confirmed)))
    return "  ·  ".join(parts)
