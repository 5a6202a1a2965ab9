"""The demo clinic's equipment through its months: pens, sharps containers, the steriliser.

commands.demo_cmd runs the clinic's days; this keeps the equipment's part of each day,
through the services (never raw SQL) and on the demo's clock, which only moves forward:
in the morning the weekly steriliser cycle and the reading of its biological indicator,
between clients the pen's cleaning, in the evening the rooms' sharps containers sealed
when full and handed to the waste collector. One cycle's indicator fails, a day after
it ran: its packs are quarantined, and the sessions that opened its packs are exposed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from inventory.access import Actor
from inventory.clock import FixedClock
from inventory.db import Database
from sterility import pens, sharps, sterilizer

ROOMS = ("Room 1", "Room 2")
# (serial, model, room): one pen per room; the first is retired late and replaced.
PENS = [
    ("LG3-004217", "Lumina Glide P3", "Room 1"),
    ("LG3-004218", "Lumina Glide P3", "Room 2"),
]
REPLACEMENT = ("AM8-11902", "Aurel Micro M8", "Room 1")
RETIRE_NOTE = (
    "Motor stalled twice at speed 4 during treatment; returned to the supplier for warranty repair."
)
FIRST_CLEANING = "New pen: detergent wipe, then hospital-grade disinfectant, before first use"
CLEANINGS = [
    "Wiped with 70% isopropyl alcohol, then hospital-grade disinfectant (2 minutes' contact)",
    "Wiped with 70% isopropyl alcohol, then hospital-grade disinfectant (2 minutes' contact)",
    "Wiped with 70% isopropyl alcohol, then hospital-grade disinfectant (2 minutes' contact)",
    "Detergent wipe, then hospital-grade disinfectant wipe (2 minutes' contact)",
]
STERILISER = "Autoclave 1 (Class B)"
FIRST_CYCLE = 1041
PACKS = [
    "Gallipot and dressing forceps",
    "Tweezers and comedone extractor",
    "Stainless bowl and mixing spatula",
    "Dressing forceps (pair)",
]
COLLECTOR = "CleanAway docket"


@dataclass
class Equipment:
    """The equipment's state as the demo's days go by, and the counts for its summary."""

    db: Database
    manager: Actor
    doctor: Actor
    clock: FixedClock
    rng: random.Random
    at: Callable[[int, int, int], datetime]
    """The demo's day n at a local hour and minute, in UTC."""
    pen_of_room: dict[str, str] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    """Pens used and not cleaned since: the next session confirms."""
    containers: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    """Room -> (container id, day opened, days until it is full)."""
    sealed: list[int] = field(default_factory=list)
    packs: list[tuple[int, str]] = field(default_factory=list)
    """Sterilized packs on the shelf, oldest first: (cycle id, code)."""
    pending_bi: list[int] = field(default_factory=list)
    cycle_number: int = FIRST_CYCLE
    bin_number: int = 0
    docket: int = 48213
    next_collection: int = 30
    fail_day: int = 65
    """The first Monday cycle from this day fails its biological indicator."""
    failed_cycle: int | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def move(self, when: datetime) -> None:
        """The demo's clock to ``when``: never backwards."""
        if when < self.clock.at:
            raise RuntimeError(f"The demo's time ran backwards: {when} < {self.clock.at}.")
        self.clock.at = when

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    # --- the first morning ------------------------------------------------------------

    def set_up(self, day: int) -> None:
        """The clinic's pens (each cleaned before first use) and a container per room."""
        self.move(self.at(day, 7, 10))
        for serial, model, room in PENS:
            self._add_pen(serial, model, room)
        for room in ROOMS:
            self._open_container(room, day)

    def _add_pen(self, serial: str, model: str, room: str) -> None:
        pens.add_pen(self.db, serial, model=model, by=self.manager)
        self.clock.advance(minutes=2)
        pens.record_cleaning(self.db, serial, method=FIRST_CLEANING, by=self.manager)
        self.clock.advance(minutes=1)
        self.pen_of_room[room] = serial
        self.count("pens")
        self.count("pen_cleanings")

    def _open_container(self, room: str, day: int) -> None:
        self.bin_number += 1
        info = sharps.open_container(
            self.db, room, label=f"5 L sharps bin #{self.bin_number}", by=self.manager
        )
        self.containers[room] = (info.id, day, self.rng.randint(18, 25))
        self.count("sharps_containers")

    # --- every morning ----------------------------------------------------------------

    def morning(self, day: int, weekday: int) -> None:
        """The biological indicators read after a day's incubation; Monday's cycle."""
        if self.pending_bi:
            self.move(self.at(day, 7, 20))
            for cycle_id in self.pending_bi:
                self._read_bi(cycle_id)
            self.pending_bi = []
        if weekday == 0:
            self.move(self.at(day, 7, 40))
            cycle = self._run_cycle(self.rng.randint(3, 4))
            if day >= self.fail_day and self.failed_cycle is None:
                self.failed_cycle = cycle.id

    def _run_cycle(self, n_packs: int, reprocessed: str = "") -> sterilizer.Cycle:
        descriptions = [PACKS[i % len(PACKS)] for i in range(n_packs)]
        load = (
            f"{n_packs} instrument packs, pouched, a chemical indicator strip in each; "
            "BI test pack on the lower tray."
        )
        if reprocessed:
            load = reprocessed + " " + load
        cycle = sterilizer.add_cycle(
            self.db,
            sterilizer=STERILISER,
            cycle_number=self.cycle_number,
            temperature_c=134,
            pressure_kpa=self.rng.choice([206, 208, 210, 210, 212]),
            holding_minutes=4,
            load_contents=load,
            packs=descriptions,
            chemical="pass",
            bi="pending",
            by=self.doctor,
        )
        self.cycle_number += 1
        self.count("sterilizer_cycles")
        self.pending_bi.append(cycle.id)
        self.packs.extend((cycle.id, p.code) for p in cycle.packs)
        return cycle

    def _read_bi(self, cycle_id: int) -> None:
        failed = cycle_id == self.failed_cycle
        cycle = sterilizer.read_bi(self.db, cycle_id, "fail" if failed else "pass", by=self.doctor)
        if not failed:
            return
        # The load's packs still on the shelf are quarantined (the state follows from the
        # failed reading); the load is reprocessed, its own indicator read tomorrow.
        shelf = [(c, code) for c, code in self.packs if c != cycle_id]
        self.count("packs_quarantined", len(self.packs) - len(shelf))
        self.packs = shelf
        self.clock.advance(minutes=15)
        self._run_cycle(
            len(cycle.packs),
            reprocessed=f"Cycle {cycle.cycle_number}'s load reprocessed (its biological "
            "indicator failed; steriliser checked by the technician).",
        )

    # --- at the chair -----------------------------------------------------------------

    def pen_for(self, room: str) -> str:
        return self.pen_of_room[room]

    def take_pack(self, session_id: int, by: Actor, *, newest: bool = False) -> bool:
        """Open a sterilized pack for the session (the oldest on the shelf; ``newest``:
        from the load that came out of the steriliser this morning)."""
        if not self.packs:
            return False
        if newest:
            last_cycle = self.packs[-1][0]
            index = next(i for i, (c, _code) in enumerate(self.packs) if c == last_cycle)
        else:
            index = 0
        _cycle, code = self.packs.pop(index)
        sterilizer.use_pack(self.db, session_id, code, by=by)
        self.count("packs_used")
        return True

    def clean(self, serial: str, by: Actor) -> None:
        """The pen cleaned between clients."""
        pens.record_cleaning(self.db, serial, method=self.rng.choice(CLEANINGS), by=by)
        self.dirty.discard(serial)
        self.count("pen_cleanings")

    def replace_pen(self, day: int) -> None:
        """The stalling pen retired before the day's first client; its replacement added."""
        self.move(self.at(day, 7, 10))
        serial, model, room = REPLACEMENT
        pens.retire_pen(self.db, self.pen_of_room[room], note=RETIRE_NOTE, by=self.manager)
        self.clock.advance(minutes=1)
        self._add_pen(serial, model, room)

    # --- every evening ----------------------------------------------------------------

    def evening(self, day: int) -> None:
        """The collector takes the sealed containers; full ones are sealed and replaced."""
        if day >= self.next_collection and self.sealed:
            self.move(self.at(day, 16, 30))
            for container_id in self.sealed:
                sharps.collect(
                    self.db,
                    container_id,
                    collector_ref=f"{COLLECTOR} {self.docket}",
                    by=self.manager,
                )
                self.count("sharps_collected")
            self.docket += self.rng.randint(300, 900)
            self.sealed = []
            self.next_collection = day + 28
        for room in ROOMS:
            container_id, opened, full_after = self.containers[room]
            if day - opened < full_after:
                continue
            self.move(max(self.clock.at, self.at(day, 17, 30)))
            sharps.seal(self.db, container_id, by=self.manager)
            self.count("sharps_sealed")
            self.sealed.append(container_id)
            self.clock.advance(minutes=1)
            self._open_container(room, day)
