"""Two workstations scan the same 300 units at the same instant: one use each, ever."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import func, select

from inventory import audit, receiving
from inventory.db import Database
from sterility import sessions
from sterility.models import Refusal, UnitUse
from tests.conftest import GTIN_05, box
from tests.people import clear_intake, staff
from tests.sterility.race_worker import scan_all

UNITS = 300


def test_two_processes_race_for_the_same_units(db: Database, db_url: str, products) -> None:
    receipt = receiving.receive(db, [box(GTIN_05, "RACE")], units=UNITS, by=staff("Manager"))
    codes = receipt.lines[0].unit_codes
    room = {
        name: sessions.open_session(db, client_ref=f"C-{name}", area="face",
                                    depth_mm="0.5", by=staff(name), intake=clear_intake()).id
        for name in ("Sam", "Jo")  # one practitioner in each room
    }
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=scan_all, args=(db_url, sid, codes, barrier, name, results))
               for name, sid in room.items()]
    for w in workers:
        w.start()
    outcomes = dict(results.get(timeout=600) for _ in workers)
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0

    errors = {n: {c: o for c, o in out.items() if o[0] not in ("used", "already_used")}
              for n, out in outcomes.items()}
    assert errors == {"Sam": {}, "Jo": {}}
    for code in codes:
        kinds = sorted(outcomes[name][code][0] for name in room)
        assert kinds == ["already_used", "used"], (code, kinds)
    losers = [out[c] for out in outcomes.values() for c in codes if out[c][0] == "already_used"]
    assert all("already used in session" in message or "used by another workstation" in message
               for _kind, message, _id in losers)
    assert all(refusal_id is not None for _k, _m, refusal_id in losers)

    with db.read() as conn:
        uses = conn.execute(select(func.count()).select_from(UnitUse)).scalar_one()
        refused = conn.execute(
            select(func.count()).select_from(Refusal).where(Refusal.reason == "already_used")
        ).scalar_one()
        chain = audit.verify(conn)
    assert (uses, refused) == (UNITS, UNITS)
    assert chain.ok, chain.sentence
