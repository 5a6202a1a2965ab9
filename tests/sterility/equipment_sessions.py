"""Sessions for the equipment tests: opened with the pen and the room their intake names.

The equipment rules read a session's pen and room from its intake (sterility.intake).
These tests look at the equipment records, not at the warnings, so every warning the
pen or the room could raise is confirmed in advance (tests.people.clear_intake).
"""

from __future__ import annotations

from inventory.access import Actor
from inventory.db import Database
from sterility import sessions
from tests.people import CLEAR_CONFIRMATIONS, clear_intake, staff

CONFIRMED = dict(CLEAR_CONFIRMATIONS) | {"pen_cleaning_overdue": ""}


def treat(
    db: Database,
    *,
    client: str = "C-1",
    room: str = "",
    pen: str | None = None,
    by: Actor | None = None,
    area: str = "face",
    depth: str = "1.0",
) -> int:
    """Open a session at ``room`` with ``pen`` (a new sleeve fitted); returns its id."""
    intake = clear_intake(
        pen_serial=pen, sleeve_fitted=pen is not None, room=room, confirmations=CONFIRMED
    )
    return sessions.open_session(
        db, client_ref=client, area=area, depth_mm=depth, by=by or staff("Sam"), intake=intake
    ).id


def equipment_day(db: Database, session_id: int) -> None:
    """A pen cleaned, a sharps container open, a cycle whose pack went to ``session_id``
    and whose biological indicator then failed: a row in every Equipment table."""
    from sterility import pens, sharps, sterilizer

    pens.add_pen(db, "DP-1", model="Dermapen 4", by=staff("Test Manager"))
    pens.record_cleaning(db, "DP-1", method="70% alcohol wipe", by=staff("Sam"))
    sharps.open_container(db, "Room 1", label="Bin A", by=staff("Sam"))
    cycle = sterilizer.add_cycle(
        db,
        sterilizer="Autoclave 1",
        cycle_number="1",
        temperature_c=134,
        pressure_kpa=206,
        holding_minutes=4,
        load_contents="instrument packs",
        packs=["forceps", "scissors"],
        chemical="pass",
        bi="pending",
        by=staff("Sam"),
    )
    sterilizer.use_pack(db, session_id, cycle.packs[0].code, by=staff("Sam"))
    sterilizer.read_bi(db, cycle.id, "fail", by=staff("Sam"))
