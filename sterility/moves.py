"""Recording a unit's move off or back onto the shelf: the hold row, its status, its event.

Quarantine, release, waste and return to the supplier (sterility.holds) and a recall's
quarantine (sterility.recalls) all move units through here, so each move is one
``unit_hold`` row (append-only; its action is the verb: quarantine, release, waste,
return), the unit's new status, and one audit event bound to that row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, update

from inventory import audit
from inventory.access import Actor
from inventory.bindings import binding
from inventory.models import Unit
from sterility.models import UnitHold


def move_units(
    conn: Connection,
    units: Sequence[tuple[int, str, str]],
    *,
    action: str,
    to_status: str,
    reason: str,
    by: Actor,
    now: datetime,
) -> list[str]:
    """Move each (unit id, code, old status) to ``to_status``; returns the codes moved.

    The caller holds the write lock and has checked every unit may move.
    """
    if not units:
        return []
    rows = [
        {
            "unit_id": unit_id,
            "action": action,
            "reason": reason,
            "held_by": by.name,
            "held_by_id": by.staff_id or None,
            "held_at": now,
        }
        for unit_id, _code, _old in units
    ]
    ids = conn.execute(insert(UnitHold).returning(UnitHold.id, sort_by_parameter_order=True), rows)
    for hold_id, row, (_unit_id, code, old) in zip(ids.scalars(), rows, units, strict=True):
        audit.record(
            conn,
            at=now,
            by=by,
            action=action,
            entity="unit",
            entity_id=code,
            old={"status": old},
            new={"status": to_status, "reason": reason},
            row=binding("unit_hold", hold_id, row),
        )
    # One statement for all of them; the write lock means no status moved since they were read.
    conn.execute(
        update(Unit)
        .where(Unit.id.in_([unit_id for unit_id, _code, _old in units]))
        .values(status=to_status, status_reason=reason, status_changed_at=now)
    )
    return [code for _unit_id, code, _old in units]
