"""A model of the clinic, driven in random order, must agree with the ledger at every step.

Receive, open, use, re-scan, quarantine, release, waste, recall, close and the passing
of days, in any order: at most one use per unit; no use of an expired, recalled,
quarantined or wasted unit; one audit event per change; the chain always verifies.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from inventory import audit, receiving
from inventory.clock import FixedClock, is_expired, local_date
from inventory.errors import LedgerError
from inventory.ledger import open_ledger
from inventory.models import AuditEvent
from inventory.settings import set_value
from sterility import errors as e
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from sterility.models import UnitUse
from tests import people
from tests.conftest import BACKENDS, GTIN_05, GTIN_10, T0, add_products, box, pg_or_fail
from tests.people import clear_intake, staff

BRISBANE = "Australia/Brisbane"
BRISBANE_TZ = ZoneInfo(BRISBANE)


@dataclass
class UnitModel:
    lot: str
    gtin: str
    status: str = "in_stock"
    session: int | None = None


@dataclass
class World:
    """What the clinic expects, kept in plain Python beside the real ledger."""

    units: dict[str, UnitModel] = field(default_factory=dict)
    lots: dict[tuple[str, str], date] = field(default_factory=dict)
    recalled: set[tuple[str, str]] = field(default_factory=set)
    open_sessions: set[int] = field(default_factory=set)
    last_opened: date | None = None  # the local day of the latest session opened
    events: int = 0


def make_machine(new_url: Callable[[], str]) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        sessions_ = Bundle("sessions")

        @initialize()
        def setup(self) -> None:
            self.clock = FixedClock(T0)
            self.db = open_ledger(new_url(), clock=self.clock)
            set_value(self.db, "timezone", BRISBANE, by=staff("setup"))
            add_products(self.db)
            self.world = World(events=4 + people.SEEDED_EVENTS)

        def teardown(self) -> None:
            if hasattr(self, "db"):
                self.db.dispose()

        @rule(gtin=st.sampled_from([GTIN_05, GTIN_10]), lot=st.sampled_from(["A", "B", "C"]),
              days=st.integers(0, 40), count=st.integers(1, 3))
        def receive(self, gtin: str, lot: str, days: int, count: int) -> None:
            expiry = self.world.lots.get((gtin, lot), (T0 + timedelta(days=days)).date())
            try:
                result = receiving.receive(self.db, [box(gtin, lot, expiry)], units=count,
                                           by=staff("Manager"))
            except LedgerError as refused:
                assert refused.code == "expired"
                return
            self.world.lots[(gtin, lot)] = expiry
            for code in result.lines[0].unit_codes:
                self.world.units[code] = UnitModel(lot, gtin)
            self.world.events += 2  # the receipt and its line

        @rule(target=sessions_, depth=st.sampled_from(["0.5", "1.0"]))
        def open_session(self, depth: str) -> int:
            sid = sessions.open_session(self.db, client_ref="C-1", practitioner="Dr H",
                                        area="face", depth_mm=depth, by=staff("Dr H"),
                                        intake=clear_intake()).id
            self.world.open_sessions.add(sid)
            # The open (its event holds the intake), the confirmed "no sharps container",
            # "sooner than the series spacing" after an earlier session, and the built-in
            # screening and consent forms stored the first time.
            now = local_date(self.clock.at, BRISBANE_TZ)
            last = self.world.last_opened
            soon = last is not None and (now - last).days < 28
            self.world.events += 2 + soon + (2 if last is None else 0)
            self.world.last_opened = now
            return sid

        @rule(sid=sessions_, pick=st.integers(0, 200), deeper=st.booleans())
        def use(self, sid: int, pick: int, deeper: bool) -> None:
            if not self.world.units:
                return
            code = sorted(self.world.units)[pick % len(self.world.units)]
            unit = self.world.units[code]
            try:
                verdict = use_unit(self.db, sid, code, by=staff("Dr H"), allow_deeper=deeper)
            except e.ScanRefused as refused:
                self.world.events += 1  # every refusal is an audit event too
                self._check_refusal(sid, code, unit, refused)
                return
            if verdict.reason == "already_in_this_session":
                assert unit.status == "used" and unit.session == sid
                return
            expiry = self.world.lots[(unit.gtin, unit.lot)]
            assert sid in self.world.open_sessions
            assert unit.status == "in_stock"
            assert (unit.gtin, unit.lot) not in self.world.recalled
            assert not is_expired(expiry, self.clock.at, BRISBANE_TZ)
            unit.status, unit.session = "used", sid
            self.world.events += 1

        def _check_refusal(self, sid: int, code: str, unit: UnitModel,
                           refused: e.ScanRefused) -> None:
            expiry = self.world.lots[(unit.gtin, unit.lot)]
            expected_possible = {
                "session_closed": sid not in self.world.open_sessions,
                "already_used": unit.status == "used" and unit.session != sid,
                "wasted": unit.status == "wasted",
                "recalled": (unit.gtin, unit.lot) in self.world.recalled,
                "quarantined": unit.status == "quarantined",
                "expired": is_expired(expiry, self.clock.at, BRISBANE_TZ),
                "deeper_than_planned": unit.gtin == GTIN_10,
            }
            assert expected_possible.get(refused.code), (code, refused.code, unit)

        @rule(pick=st.integers(0, 200),
              action=st.sampled_from(["quarantine", "release", "waste"]))
        def hold(self, pick: int, action: str) -> None:
            if not self.world.units:
                return
            code = sorted(self.world.units)[pick % len(self.world.units)]
            unit = self.world.units[code]
            move = {"quarantine": holds.quarantine, "release": holds.release,
                    "waste": holds.waste}[action]
            try:
                move(self.db, code, reason="test", by=staff("Manager"))
            except LedgerError:
                allowed = {"quarantine": {"in_stock"}, "release": {"quarantined"},
                           "waste": {"in_stock", "quarantined"}}[action]
                recalled = (unit.gtin, unit.lot) in self.world.recalled
                assert unit.status not in allowed or (action == "release" and recalled)
                return
            unit.status = {"quarantine": "quarantined", "release": "in_stock",
                           "waste": "wasted"}[action]
            self.world.events += 1

        @rule(key=st.sampled_from([(GTIN_05, "A"), (GTIN_10, "B")]))
        def recall(self, key: tuple[str, str]) -> None:
            if key not in self.world.lots or key in self.world.recalled:
                return
            result = recalls.enter_recall(self.db, gtin=key[0], lots=[key[1]], reference="R",
                                          notice_text="notice", by=staff("Manager"))
            expected = sorted(c for c, u in self.world.units.items()
                              if (u.gtin, u.lot) == key and u.status == "in_stock")
            assert sorted(result.quarantined) == expected
            for code in expected:
                self.world.units[code].status = "quarantined"
            self.world.recalled.add(key)
            self.world.events += 1 + len(expected)

        @rule(sid=consumes(sessions_))
        def close(self, sid: int) -> None:
            if sid not in self.world.open_sessions:
                return
            sessions.close_session(self.db, sid, by=staff("Dr H"), adverse="none")
            self.world.open_sessions.discard(sid)
            self.world.events += 1

        @rule(hours=st.integers(1, 24 * 20))
        def time_passes(self, hours: int) -> None:
            self.clock.advance(hours=hours)

        @invariant()
        def ledger_agrees(self) -> None:
            with self.db.read() as conn:
                uses = conn.execute(select(UnitUse.unit_id, func.count())
                                    .group_by(UnitUse.unit_id)).all()
                events = conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
                chain = audit.verify(conn)
            assert all(count == 1 for _unit, count in uses)
            assert len(uses) == sum(u.status == "used" for u in self.world.units.values())
            assert events == self.world.events
            assert chain.ok, chain.sentence

    return LedgerMachine


@pytest.mark.parametrize("backend", BACKENDS)
def test_random_clinic_days_keep_the_rules(backend: str, request: pytest.FixtureRequest,
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    numbers = iter(range(10_000))
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")

        def new_url() -> str:
            path = tmp_path_factory.mktemp("ledger") / "l.sqlite3"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"
    else:
        server = pg_or_fail(request.getfixturevalue("pg_server"))

        def new_url() -> str:
            name = f"s{os.getpid()}_{next(numbers)}"
            server.create_database(name, template="ledger_template")
            return server.url(name)

    examples = 100 if os.environ.get("SOAK") else 12
    run_state_machine_as_test(
        make_machine(new_url),
        settings=settings(max_examples=examples, stateful_step_count=30, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
