"""Sharps containers: one open per room, sealed, collected; each used cartridge found in one."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from inventory import audit
from inventory.access import NotAllowed
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.errors import InvalidInput, NotFound
from inventory.models import Unit
from sterility import sharps
from sterility.chair import use_unit
from sterility.equipment_checks import open_container
from sterility.models import UnitUse
from tests.people import staff
from tests.sterility.equipment_sessions import treat

SAM = staff("Sam")


def verify(db: Database) -> audit.ChainReport:
    with db.read() as conn:
        return audit.verify(conn)


def use_id(db: Database, code: str) -> int:
    with db.read() as conn:
        return conn.execute(
            select(UnitUse.id).join(Unit, Unit.id == UnitUse.unit_id).where(Unit.code == code)
        ).scalar_one()


def test_one_container_is_open_at_a_room_until_it_is_sealed(
    db: Database, clock: FixedClock
) -> None:
    first = sharps.open_container(db, "Room 1", label="Bin A", by=SAM)
    assert (first.room, first.label, first.state, first.opened_by) == (
        "Room 1",
        "Bin A",
        "open",
        "Sam",
    )
    clock.advance(minutes=5)
    with pytest.raises(InvalidInput) as refused:
        sharps.open_container(db, "room 1", by=SAM)
    assert refused.value.message == (
        f"Sharps container {first.id} (Bin A) is still open at Room 1 (opened 2026-03-10 "
        "11:30:00 +10:00 by Sam). Seal it first, then open the new one."
    )
    other = sharps.open_container(db, "Room 2", by=SAM)  # another room: its own container
    sealed = sharps.seal(db, first.id, by=SAM)
    assert sealed.state == "sealed" and sealed.sealed_at == clock.at
    with pytest.raises(InvalidInput, match="already sealed"):
        sharps.seal(db, first.id, by=SAM)
    second = sharps.open_container(db, "Room 1", label="Bin B", by=SAM)
    with db.read() as conn:
        now = db.now(conn)
        found = open_container(conn, "ROOM 1", now)
        assert found is not None and found.id == second.id
        assert open_container(conn, "Room 3", now) is None
        assert open_container(conn, "", now) is None
        listed = sharps.list_containers(conn)
        assert [(c.id, c.state) for c in listed] == [
            (second.id, "open"),
            (first.id, "sealed"),
            (other.id, "open"),
        ]
        assert [c.id for c in sharps.list_containers(conn, room="room 1", state="open")] == [
            second.id
        ]
    with pytest.raises(NotAllowed):
        sharps.open_container(db, "Room 4", by=staff("Inspector"))
    with pytest.raises(NotFound, match="no sharps container 99"):
        sharps.seal(db, 99, by=SAM)
    assert verify(db).ok


def test_only_a_sealed_container_is_collected_with_the_collectors_reference(db: Database) -> None:
    box = sharps.open_container(db, "Room 1", by=SAM)
    with pytest.raises(InvalidInput, match="still open. Seal it first"):
        sharps.collect(db, box.id, collector_ref="DOC-1", by=SAM)
    sharps.seal(db, box.id, by=SAM)
    with pytest.raises(InvalidInput, match="collector's reference"):
        sharps.collect(db, box.id, collector_ref=" ", by=SAM)
    taken = sharps.collect(db, box.id, collector_ref="CLEANAWAY 55120", by=SAM)
    assert (taken.state, taken.collector_ref, taken.collected_by) == (
        "collected",
        "CLEANAWAY 55120",
        "Sam",
    )
    with pytest.raises(InvalidInput, match="already collected.*CLEANAWAY 55120"):
        sharps.collect(db, box.id, collector_ref="again", by=SAM)
    with db.read() as conn:
        assert [c.state for c in sharps.list_containers(conn, state="collected")] == ["collected"]
    assert verify(db).ok  # each change's event holds the whole row as it is now
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE sharps_container SET collector_ref = 'other'"))
    report = verify(db)
    assert not report.ok and f"sharps_container row {box.id} was changed" in report.problem


def test_each_used_cartridge_is_counted_in_the_container_open_at_its_room(
    db: Database, stocked, clock: FixedClock
) -> None:
    first = sharps.open_container(db, "Room 1", by=SAM)
    clock.advance(minutes=1)
    one = treat(db, client="C-1", room="Room 1")
    use_unit(db, one, "U1-001", by=SAM)
    use_unit(db, one, "U1-002", by=SAM)
    elsewhere = treat(db, client="C-2", room="Room 2")  # no container there
    use_unit(db, elsewhere, "U1-003", by=SAM)
    nowhere = treat(db, client="C-3")  # no room named
    use_unit(db, nowhere, "U1-004", by=SAM)
    clock.advance(minutes=1)
    sharps.seal(db, first.id, by=SAM)
    second = sharps.open_container(db, "room 1", by=SAM)  # same room, any case
    use_unit(db, one, "U1-005", by=SAM)  # the session goes on: into the new container
    with db.read() as conn:
        counts = {c.id: c.cartridges for c in sharps.list_containers(conn)}
        went = {
            code: sharps.container_for_use(conn, use_id(db, code))
            for code in ("U1-001", "U1-002", "U1-003", "U1-004", "U1-005")
        }
        with pytest.raises(NotFound):
            sharps.container_for_use(conn, 999)
        assert sharps.get_container(conn, first.id).cartridges == 2
    assert counts == {first.id: 2, second.id: 1}
    assert {code: c.id if c else None for code, c in went.items()} == {
        "U1-001": first.id,
        "U1-002": first.id,
        "U1-003": None,
        "U1-004": None,
        "U1-005": second.id,
    }
    assert verify(db).ok
