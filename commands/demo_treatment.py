"""The demo's clients and their treatment: series, intakes, forms and adverse events.

Clients come for a series on one area (3 to 6 sessions, 29 to 41 days apart), each with
their concern and planned depths, seen by the same practitioner in the same room; each
session is screened, consented, done with the room's pen in a new sleeve, closed with its
adverse events (almost always none) and followed by the pen's cleaning. A few stories are
told once, on their day: a gentle first session below the concern's range, a series
brought forward, a series left overdue, a positive screening overridden by the manager
and one refused, new versions of the consent and screening forms and an aftercare sheet
in Spanish, a cartridge outside the range, a pen not cleaned between clients, and three
adverse events (one reported by phone days after the session).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from commands.demo_equipment import Equipment
from inventory.access import Actor
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.needles import needle_um
from sterility import forms, holds, intake, sessions
from sterility.chair import use_unit
from sterility.errors import ScanRefused, UnitExpired
from sterility.forms import CONSENT_V1, SCREENING_V1
from sterility.intake import Intake, ScreeningPositive

# (area, concern, planned depth in mm, share of clients treated with a derma roller,
# weight): the demo clinic's usual treatments, each depth within the concern's range.
KINDS = [
    ("face", "texture", "0.5", 0.15, 5),
    ("face", "fine_lines", "1.0", 0.0, 4),
    ("face", "acne_scars", "1.5", 0.0, 3),
    ("face", "hyperpigmentation", "0.5", 0.0, 2),
    ("neck", "fine_lines", "0.5", 0.0, 2),
    ("decolletage", "hyperpigmentation", "0.5", 0.0, 2),
    ("scalp", "hair_loss", "1.5", 0.5, 2),
    ("body", "stretch_marks", "2.0", 0.0, 2),
]
PLANNED = [3] * 11 + [4] * 5 + [5] * 2 + [6] * 2
GAP_DAYS = (29, 40)
BOOKED = (1, 1, 2, 2)  # clients a day, new ones filling after those returning

CONSENT_V2 = (
    CONSENT_V1
    + "\n\nI agree that before-and-after photographs of the treated area may be taken for "
    "my clinical record. They are kept with my record and are not shared or published "
    "without my separate written permission."
)
SCREENING_V2 = [*SCREENING_V1, ("pregnant", "Pregnant or breastfeeding?")]
SPANISH = "Español"
AFTERCARE_ES = (
    "Cuidados de la piel después del microneedling",
    "Durante las primeras 24 horas: no se exponga al sol, no use maquillaje ni productos "
    "agresivos para la piel. Evite el ejercicio intenso durante 24 horas.\n\n"
    "Cada día: use un limpiador suave, una crema hidratante sin perfume y un protector "
    "solar de amplio espectro con FPS 30 o más.\n\n"
    "Durante 5 a 7 días: no use exfoliantes, retinoides ni otros ingredientes activos.\n\n"
    "Lo normal: enrojecimiento, calor y tirantez como una quemadura solar leve, que pasan "
    "en 24 a 48 horas; descamación o pelado entre los días 3 y 5.\n\n"
    "Llame a la clínica si el enrojecimiento dura más de 3 días, o si nota una hinchazón "
    "que aumenta, pus, fiebre o dolor intenso.",
)
DEPTH_REASON = (
    "First session for acne scars: starting at 0.5 mm to see how the skin responds; "
    "1.0 mm planned for the next sessions."
)
SPACING_REASON = (
    "The client moves interstate next month; the last session of the series brought "
    "forward, skin fully settled since the previous one."
)
PEN_REASON = (
    "Pen wiped with 70% alcohol between clients but the cleaning was not recorded in the "
    "rush; checked visibly clean, new sleeve fitted."
)
OVERRIDE_REASON = (
    "Mild rosacea on the nose only, not flaring today; treating the cheeks and forehead, "
    "well away from it. Discussed with the client."
)
BLEEDING = (
    "Pinpoint bleeding beyond what is expected on the left cheek; settled with gentle "
    "pressure and sterile gauze in 5 minutes. Treatment finished at the planned depth."
)
FAINT = (
    "Client felt faint and light-headed when the numbing cream was removed; lay flat with "
    "legs raised and recovered within 10 minutes. Treatment went ahead after water and a rest."
)
PHONE = (
    "Client reported prolonged redness on day 4 by phone; no swelling, pus or fever. "
    "Advised a cool compress, a bland moisturiser and no active products; follow-up call "
    "booked for day 6."
)


@dataclass
class Client:
    """A client of the demo clinic and their series on one area."""

    ref: str
    area: str
    concern: str
    depths: tuple[str, ...]
    """The planned depth of each session (the last repeats)."""
    planned: int
    practitioner: Actor
    room: str
    roller: bool = False
    language: str = ""
    positive: tuple[str, ...] = ()
    """Screening questions the client answers yes."""
    override: bool = False

    def depth(self, number: int) -> str:
        return self.depths[min(number, len(self.depths)) - 1]


@dataclass(frozen=True)
class Visit:
    client: Client
    number: int
    spacing_reason: str = ""


@dataclass
class Schedule:
    """Who comes on which day of the story: each client's series booked at the first visit."""

    rng: random.Random
    is_open: Callable[[int], bool]
    last_day: int
    by_day: dict[int, list[Visit]] = field(default_factory=lambda: defaultdict(list))
    refs: set[str] = field(default_factory=set)

    def new_ref(self) -> str:
        while True:
            ref = f"C-{self.rng.randint(1101, 1999)}"
            if ref not in self.refs:
                self.refs.add(ref)
                return ref

    def book(
        self, client: Client, first_day: int, *, gaps: list[int] | None = None, visits: int = 0
    ) -> None:
        """The client's visits from ``first_day``, ``gaps`` days apart (29 to 41 when not
        given), up to ``visits`` (their series when 0) or the end of the story."""
        days = [first_day]
        wanted = visits or client.planned
        while len(days) < wanted:
            given = gaps[len(days) - 1] if gaps and len(days) <= len(gaps) else None
            day = days[-1] + (given or self.rng.randint(*GAP_DAYS))
            while not self.is_open(day):
                day += 1
            if day > self.last_day:
                break
            days.append(day)
        for number, day in enumerate(days, start=1):
            soon = number > 1 and day - days[number - 2] < 28
            self.by_day[day].append(Visit(client, number, SPACING_REASON if soon else ""))


@dataclass
class Treatment:
    """The demo's sessions through their intake, uses, packs, close and pen cleaning."""

    db: Database
    manager: Actor
    doctor: Actor
    esthetician: Actor
    clock: FixedClock
    rng: random.Random
    equipment: Equipment
    schedule: Schedule
    stock: dict[tuple[int, str], list[tuple[str, str]]]
    counts: dict[str, int]
    at: Callable[[int, int, int], datetime]
    days: int
    """The story's length in days: its beats fall at fractions of it."""
    consent_version: int = 1
    screening: list[str] = field(default_factory=lambda: [k for k, _q in SCREENING_V1])
    done: set[str] = field(default_factory=set)
    follow_ups: list[tuple[int, int, Actor]] = field(default_factory=list)
    exposed: int = 0

    def day_of(self, fraction: float) -> int:
        return max(1, int(self.days * fraction))

    def due(self, beat: str, day: int, fraction: float) -> bool:
        """A story beat told once, on the first fitting session from its day."""
        return beat not in self.done and day >= self.day_of(fraction)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    # --- clients ------------------------------------------------------------------------

    def client(
        self, kind: tuple[str, str, str, float, int] | None = None, **given: object
    ) -> Client:
        area, concern, depth, roller_share, _weight = (
            kind or self.rng.choices(KINDS, weights=[k[4] for k in KINDS])[0]
        )
        esthetician = float(depth) <= 0.5 and self.rng.random() < 0.5  # within her scope
        values: dict[str, object] = {
            "ref": self.schedule.new_ref(),
            "area": area,
            "concern": concern,
            "depths": (depth,),
            "planned": self.rng.choice(PLANNED),
            "practitioner": self.esthetician if esthetician else self.doctor,
            "room": "Room 2" if esthetician else "Room 1",
            "roller": self.rng.random() < roller_share,
        }
        return Client(**(values | given))  # type: ignore[arg-type]

    def plan_story(self) -> None:
        """The clients whose series tell a story, booked from the start."""
        book = self.schedule.book
        face_scars = KINDS[2]
        # A gentle first session below the acne-scar range, then within it.
        book(self.client(face_scars, depths=("0.5", "1.0"), planned=3), self.day_of(0.06))
        # A series that stops after two sessions: overdue by the end.
        book(self.client(KINDS[1], planned=4), self.day_of(0.08), visits=2)
        # The last session brought forward (the spacing confirmed with its reason).
        book(self.client(KINDS[0], planned=3), self.day_of(0.12), gaps=[35, 21])
        # The client who reads the aftercare sheet in Spanish.
        spanish = self.client(KINDS[3], planned=3, language=SPANISH)
        book(spanish, self.day_of(0.28))

    def new_clients(self, day: int) -> None:
        """The day's new clients: they fill the book to one or two a day (those coming back
        first); the story's screening clients come on their day."""
        book = self.schedule.book
        for _ in range(max(0, self.rng.choice(BOOKED) - len(self.schedule.by_day[day]))):
            book(self.client(), day)
        doctor = {"practitioner": self.doctor, "room": "Room 1"}
        if self.due("refused", day, 0.33):
            # Active acne in the area: refused today, rebooked once it has settled.
            self.done.add("refused")
            refused = self.client(KINDS[0], positive=("acne",), **doctor)
            self.schedule.by_day[day].append(Visit(refused, 1))
            again = day + 33
            book(
                Client(**(vars(refused) | {"positive": ()})),
                again + (not self.schedule.is_open(again)),
            )
        if self.due("override", day, 0.8):
            self.done.add("override")
            book(
                self.client(KINDS[0], positive=("rosacea",), override=True, **doctor), day, visits=1
            )

    # --- forms --------------------------------------------------------------------------

    def forms_morning(self, day: int) -> None:
        """The manager's new form versions, each on its day before the first client."""
        for beat, fraction in (("aftercare_es", 0.25), ("consent_v2", 0.38), ("screening_v2", 0.5)):
            if not self.due(beat, day, fraction):
                continue
            self.done.add(beat)
            self.equipment.move(self.at(day, 8, 0))
            if beat == "aftercare_es":
                title, body = AFTERCARE_ES
                forms.add_version(
                    self.db, "aftercare", title, body, by=self.manager, language=SPANISH
                )
            elif beat == "consent_v2":
                info = forms.add_version(
                    self.db, "consent", "Consent to microneedling", CONSENT_V2, by=self.manager
                )
                self.consent_version = info.version
            else:
                body = json.dumps(
                    [{"key": k, "question": q} for k, q in SCREENING_V2], ensure_ascii=False
                )
                forms.add_version(
                    self.db, "screening", "Screening before microneedling", body, by=self.manager
                )
                self.screening = [k for k, _q in SCREENING_V2]
            self.count("form_versions")

    # --- a session ----------------------------------------------------------------------

    def visit(self, day: int, visit: Visit) -> None:
        """One client's session, from the intake to the pen's cleaning."""
        client, number = visit.client, visit.number
        depth = client.depth(number)
        um = needle_um(depth)
        roller = client.roller and bool(self.stock.get((um, "roller")))
        pen = None if roller else self.equipment.pen_for(client.room)
        confirmations: dict[str, str] = {}
        if client.concern == "acne_scars" and um < 1000:  # the gentle first session
            confirmations["depth_outside_range"] = DEPTH_REASON
        if visit.spacing_reason:
            confirmations["series_spacing"] = visit.spacing_reason
        if pen in self.equipment.dirty:
            confirmations["pen_cleaning_overdue"] = PEN_REASON
        by = client.practitioner
        try:
            info = sessions.open_session(
                self.db,
                client_ref=client.ref,
                area=client.area,
                depth_mm=depth,
                device="" if pen else "Derma roller",
                by=by,
                intake=Intake(
                    concern=client.concern,
                    answers={k: k in client.positive for k in self.screening},
                    consent_version=self.consent_version,
                    pen_serial=pen,
                    sleeve_fitted=pen is not None,
                    room=client.room,
                    language=client.language,
                    series_planned=client.planned if number == 1 else None,
                    override_reason=OVERRIDE_REASON if client.override else "",
                    confirmations=confirmations,
                ),
                override_by=self.manager if client.override else None,
            )
        except ScreeningPositive:
            self.count("refusals")
            self.count("screenings_refused")
            self.clock.advance(minutes=15)
            return
        self.count("sessions")
        self.count("confirmations", len(confirmations) + (1 if client.override else 0))
        self.count("screenings_overridden", 1 if client.override else 0)
        self._packs(info.id, by)
        self._uses(day, info.id, by, um, "roller" if roller else "pen_cartridge", client)
        self._close(day, info.id, by, client, depth)
        self.clock.advance(minutes=3)
        if pen is None:
            return
        for beat, fraction in (("skip_clean_1", 0.22), ("skip_clean_2", 0.68)):
            if client.room == "Room 1" and self.due(beat, day, fraction):
                # A busy morning: the cleaning is not recorded; the next client confirms.
                self.done.add(beat)
                self.equipment.dirty.add(pen)
                return
        self.equipment.clean(pen, by)

    def _packs(self, session_id: int, by: Actor) -> None:
        """Sterilized instruments for about a third of sessions; on the failing cycle's
        day, the first two sessions open packs of that morning's load (they are exposed)."""
        failing = self.equipment.failed_cycle in self.equipment.pending_bi
        wants = self.rng.random() < 0.3
        if failing and self.exposed < 2:
            self.exposed += int(self.equipment.take_pack(session_id, by, newest=True))
        elif wants:
            self.equipment.take_pack(session_id, by)

    def _uses(
        self, day: int, session_id: int, by: Actor, um: int, kind: str, client: Client
    ) -> None:
        pool = self.stock.get((um, kind), [])
        for _ in range(2 if self.rng.random() < 0.12 else 1):  # a jammed cartridge replaced
            self.clock.advance(minutes=self.rng.randint(2, 20))
            while pool:
                code, lot = pool.pop(0)
                try:
                    use_unit(self.db, session_id, code, by=by)
                    self.count("uses")
                    break
                except UnitExpired:
                    # The chair refused an expired cartridge: the manager discards that lot.
                    self.count("refusals")
                    holds.waste(self.db, lot, reason="expired, discarded", by=self.manager)
                    pool[:] = [(c, lt) for c, lt in pool if lt != lot]
                except ScanRefused:
                    self.count("refusals")
        if client.concern == "stretch_marks" and self.due("outside_cartridge", day, 0.47):
            # A 1.0 mm cartridge for the thin skin at the edges: outside the range, confirmed.
            shorter = self.stock.get((1000, "pen_cartridge"), [])
            if shorter:
                self.done.add("outside_cartridge")
                self.clock.advance(minutes=5)
                code, _lot = shorter.pop(0)
                use_unit(self.db, session_id, code, by=by, allow_outside_range=True)
                self.count("uses")
                self.count("confirmations")

    def _close(self, day: int, session_id: int, by: Actor, client: Client, depth: str) -> None:
        """Adverse events recorded, or none, and the session closed."""
        adverse = "none"
        if self.due("faint", day, 0.85):
            self.done.add("faint")
            self.clock.advance(minutes=5)
            intake.record_adverse(self.db, session_id, FAINT, by=by)
            self.count("adverse_events")
            adverse = ""
        elif client.concern == "acne_scars" and depth == "1.5" and self.due("bleeding", day, 0.42):
            self.done.add("bleeding")
            adverse = BLEEDING
            self.count("adverse_events")
        elif client.concern == "fine_lines" and self.due("phone", day, 0.55):
            self.done.add("phone")
            self.follow_ups.append((day + 4, session_id, by))
        self.clock.advance(minutes=40)
        sessions.close_session(self.db, session_id, by=by, adverse=adverse or None)

    def evening(self, day: int) -> None:
        """Calls from clients after their session, recorded on the session."""
        for due, session_id, by in list(self.follow_ups):
            if day < due:
                continue
            self.equipment.move(max(self.clock.at, self.at(day, 16, 0)))
            intake.record_adverse(self.db, session_id, PHONE, by=by)
            self.count("adverse_events")
            self.follow_ups.remove((due, session_id, by))

    def chair_intake(self, concern: str, room: str) -> Intake:
        """Today's intake at a room: a clear screening, the current consent, its pen."""
        return Intake(
            concern=concern,
            answers=dict.fromkeys(self.screening, False),
            consent_version=self.consent_version,
            pen_serial=self.equipment.pen_for(room),
            sleeve_fitted=True,
            room=room,
        )

    def finish(self, session_id: int, by: Actor, room: str) -> None:
        """Today's first client: a good 0.5 mm cartridge, the close, the pen cleaned."""
        pool = self.stock[(500, "pen_cartridge")]
        while pool:
            code, _lot = pool.pop(0)
            self.clock.advance(minutes=2)
            try:
                use_unit(self.db, session_id, code, by=by)
                self.count("uses")
                break
            except ScanRefused:
                self.count("refusals")
        self.clock.advance(minutes=40)
        sessions.close_session(self.db, session_id, by=by, adverse="none")
        self.clock.advance(minutes=3)
        self.equipment.clean(self.equipment.pen_for(room), by)
