"""What the compliance report says of the treatment around the cartridge: rows per section.

The sessions' screening, consent, adverse events, pen and series; the warnings confirmed
and the overrides; the pens and their cleanings; the sharps containers and where each
used unit went; the sterilizer cycles, the packs of failed loads and the sessions a
failed biological indicator puts in doubt. The rules come from their homes in
``sterility`` (the overdue pen, the container open at a room, the failed indicator's
reach); this module only reads and words them. Each section's rows are text, neutralised
for the CSV (``reports.cells``), and feed both the CSV and the PDF (``reports.pipeline``).

These sections are short (one row per session, cleaning, container, cycle), so their
rows are put together in Python. The one with a row per used unit (the sharps container
it went to) is a query streamed like the session log: 100,000 uses are one statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select, text

from inventory.clock import show_local
from inventory.models import Unit
from inventory.needles import mm_text
from reports.cells import neutral
from reports.data import KIND_WORDS, Period, Row, Sql, shown_of_sessions
from sterility import equipment_checks, forms, intake, pens, sharps, sterilizer
from sterility.care_models import AdverseEvent, FormVersion, SessionConfirmation, SessionIntake
from sterility.equipment_models import Pen
from sterility.guidance import concern_words
from sterility.models import TreatmentSession

NOT_KEPT = "not recorded (opened before screening was kept)"
"""What a session opened before this version shows for its screening, consent and pen."""

# One microsecond: a session is checked against what was recorded before it opened.


# The sharps container a used unit went to (``uu`` the use, ``si`` its session's intake):
# the one open at the session's room at the use's time, the newest should several be. The
# rule of sterility.equipment_checks.open_container (and sharps' counts), in SQL, so a
# period of 100,000 uses is one query.
def sharps_disposal_sql(sql: Sql, period: Period) -> str:
    """Each unit used in the period and the container it went to (a reason when none)."""
    lo, hi = period.start_utc, period.end_utc
    n, t = sql.neut, sql.text
    return f"""
SELECT {sql.local("uu.used_at", lo, hi)}, {t("uu.session_id")}, {n("si.room")}, u.code,
       {n("u.serial")}, {n("p.name")}, {sql.words("p.kind", KIND_WORDS)}, {t("sc.id")},
       {n("sc.label")},
       CASE WHEN sc.id IS NOT NULL THEN ''
            WHEN si.id IS NULL THEN '{NOT_KEPT}'
            WHEN si.room = '' THEN 'no room recorded for the session'
            ELSE 'no container open at this room' END
FROM unit_use uu
JOIN unit u ON u.id = uu.unit_id
JOIN product p ON p.id = u.product_id
LEFT JOIN session_intake si ON si.session_id = uu.session_id
LEFT JOIN sharps_container sc ON sc.id = ({equipment_checks.CONTAINER_OF_USE})
WHERE uu.used_at >= :start AND uu.used_at < :end
ORDER BY uu.used_at, uu.id
"""


SHARPS_DISPOSAL_COUNT = "SELECT count(*) FROM unit_use WHERE used_at >= :start AND used_at < :end"


def confirmation_words(kind: str) -> str:
    return intake.KIND_WORDS.get(kind, kind.replace("_", " "))


def _rows(rows: Iterable[Sequence[object]]) -> list[Row]:
    return [tuple(neutral("" if c is None else str(c)) for c in row) for row in rows]


@dataclass
class Clinical:
    """Every clinical section's rows for one period, and the counts the summary gives."""

    session_care: list[Row] = field(default_factory=list)
    confirmations: list[Row] = field(default_factory=list)
    pen_cleanings: list[Row] = field(default_factory=list)
    pen_overdue: list[Row] = field(default_factory=list)
    sharps_containers: list[Row] = field(default_factory=list)
    sterilizer_cycles: list[Row] = field(default_factory=list)
    failed_load_packs: list[Row] = field(default_factory=list)
    bi_exposed_sessions: list[Row] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    pen_notes: dict[str, str] = field(default_factory=dict)  # pen serial -> its heading
    cycle_notes: dict[str, str] = field(default_factory=dict)  # failed cycle id -> heading


def clinical(conn: Connection, period: Period) -> Clinical:
    """The rows of every clinical section of the period (in the clinic's time zone)."""
    reader = _Reader(conn, period)
    out = Clinical()
    out.session_care = reader.session_care()
    out.confirmations = reader.confirmations()
    out.pen_cleanings, out.pen_notes = reader.pen_cleanings()
    out.pen_overdue = reader.pen_overdue()
    per_container = reader.units_per_container()
    out.sharps_containers = reader.sharps_containers(per_container)
    cycles = reader.cycles()
    out.sterilizer_cycles = reader.cycle_rows(cycles)
    out.failed_load_packs, out.cycle_notes = reader.failed_packs(cycles)
    out.bi_exposed_sessions = reader.exposed(cycles)
    out.totals = reader.totals | {
        "sterilizer_cycles_failed": sum(1 for c in cycles if c.failed),
        "sessions_exposed_by_failed_bi": len({r[4] for r in out.bi_exposed_sessions}),
        "pen_uses_while_overdue": len(out.pen_overdue),
        "units_used_with_no_sharps_container": per_container.get(0, 0),
    }
    return out


class _Reader:
    """The period's queries; times shown in the clinic's zone."""

    def __init__(self, conn: Connection, period: Period) -> None:
        self.conn, self.period = conn, period
        self.lo, self.hi = period.start_utc, period.end_utc
        self.tz: ZoneInfo = period.tz
        self.params = period.params(conn.dialect.name)
        self.totals: dict[str, int] = {}
        self._forms: dict[int, forms.FormInfo] = {}
        self._confirmed: dict[int, list[Any]] | None = None

    def local(self, at: datetime | None) -> str:
        return "" if at is None else show_local(at, self.tz)

    def in_period(self, at: datetime | None) -> bool:
        return at is not None and self.lo <= at < self.hi

    # --- (a) sessions: screening, consent, adverse events, pen, series -------------------

    def _sessions(self) -> list[Any]:
        ts, si, pen = TreatmentSession, SessionIntake, Pen
        screening = FormVersion.__table__.alias("sf")
        consent = FormVersion.__table__.alias("cf")
        query = (
            select(
                ts.id,
                ts.opened_at,
                ts.closed_at,
                ts.practitioner,
                ts.area,
                ts.planned_depth_um,
                si.id.label("intake"),
                si.concern,
                si.answers,
                si.screening_positive,
                si.range_min_um,
                si.range_max_um,
                si.room,
                si.sleeve_fitted,
                si.series_number,
                si.series_planned,
                si.language,
                screening.c.version.label("screening_version"),
                si.screening_form_id,
                consent.c.version.label("consent_version"),
                pen.serial,
                pen.model,
            )
            .select_from(ts)
            .outerjoin(si, si.session_id == ts.id)
            .outerjoin(screening, screening.c.id == si.screening_form_id)
            .outerjoin(consent, consent.c.id == si.consent_form_id)
            .outerjoin(pen, pen.id == si.pen_id)
            .where(ts.opened_at >= self.lo, ts.opened_at < self.hi)
            .order_by(ts.opened_at, ts.id)
        )
        return list(self.conn.execute(query))

    def shown(self, session_ids: list[int]) -> dict[int, str]:
        """How the report prints each session's client (its pseudonym, or the name)."""
        return shown_of_sessions(self.conn, session_ids)

    def positive(self, form_id: int, answers: str) -> str:
        """The questions answered yes, as the client was asked them (sterility.intake)."""
        form = self._forms.get(form_id)
        if form is None:
            form = self._forms[form_id] = forms.get_form(self.conn, form_id)
        return intake.positive_words(form, json.loads(answers or "{}"))

    def _by_session(self, table: Any, order: Any) -> dict[int, list[Any]]:
        in_period = select(TreatmentSession.id).where(
            TreatmentSession.opened_at >= self.lo, TreatmentSession.opened_at < self.hi
        )
        found: dict[int, list[Any]] = {}
        for row in self.conn.execute(
            select(table).where(table.session_id.in_(in_period)).order_by(order, table.id)
        ):
            found.setdefault(int(row.session_id), []).append(row)
        return found

    def confirmed_by_session(self) -> dict[int, list[Any]]:
        """The period's sessions' confirmations, read once for every section that needs them."""
        if self._confirmed is None:
            self._confirmed = self._by_session(
                SessionConfirmation, SessionConfirmation.confirmed_at
            )
        return self._confirmed

    def session_care(self) -> list[Row]:
        sessions = self._sessions()
        shown = self.shown([int(s.id) for s in sessions])
        confirmed = self.confirmed_by_session()
        adverse = self._by_session(AdverseEvent, AdverseEvent.recorded_at)
        rows, positive, overridden, reported, kept = [], 0, 0, 0, 0
        for s in sessions:
            sid = int(s.id)
            base = (
                sid,
                self.local(s.opened_at),
                shown.get(sid, ""),
                s.practitioner,
                s.area,
                mm_text(s.planned_depth_um),
            )
            if s.intake is None:
                rows.append((*base, "", "", "", "", NOT_KEPT, *[""] * 10))
                continue
            kept += 1
            items = self.positive(int(s.screening_form_id), s.answers)
            overrides = [c for c in confirmed.get(sid, []) if c.kind == "screening_override"]
            events = adverse.get(sid, [])
            harm = [e for e in events if not e.none_observed]
            positive += bool(s.screening_positive)
            overridden += bool(overrides)
            reported += len(harm)
            attention = []
            if s.screening_positive:
                attention.append(
                    "screening positive, overridden"
                    if overrides
                    else "screening positive, no override recorded"
                )
            if harm:
                attention.append("adverse event")
            if s.closed_at is not None and not events:
                attention.append("closed with no adverse events recorded")
            rows.append(
                (
                    *base,
                    concern_words(s.concern),
                    f"{mm_text(s.range_min_um)} to {mm_text(s.range_max_um)}",
                    s.screening_version,
                    "yes" if s.screening_positive else "no",
                    f"positive: {items}" if s.screening_positive else "clear",
                    "; ".join(c.confirmed_by for c in overrides),
                    "; ".join(c.reason for c in overrides),
                    s.consent_version,
                    _adverse_text(events, self.local)
                    or ("not recorded yet" if s.closed_at is None else "not recorded"),
                    s.serial or "",
                    _sleeve(s),
                    s.room,
                    s.series_number,
                    s.series_planned,
                    "; ".join(attention),
                )
            )
        self.totals |= {
            "sessions_with_screening_kept": kept,
            "sessions_screening_positive": positive,
            "screening_overrides": overridden,
            "adverse_events_reported": reported,
        }
        return _rows(rows)

    # --- (b) warnings confirmed and overrides -------------------------------------------

    def confirmations(self) -> list[Row]:
        c = SessionConfirmation
        query = (
            select(c, Unit.code.label("unit_code"))
            .outerjoin(Unit, Unit.id == c.unit_id)
            .where(c.confirmed_at >= self.lo, c.confirmed_at < self.hi)
            .order_by(c.confirmed_at, c.id)
        )
        rows = [
            (
                self.local(r.confirmed_at),
                _utc(r.confirmed_at),
                r.session_id,
                r.kind,
                confirmation_words(r.kind),
                r.unit_code or "",
                r.warning,
                r.confirmed_by,
                r.reason,
            )
            for r in self.conn.execute(query)
        ]
        self.totals["warnings_confirmed"] = len(rows)
        return _rows(rows)

    # --- (c) pens and their cleanings ---------------------------------------------------

    def pen_cleanings(self) -> tuple[list[Row], dict[str, str]]:
        """One row per cleaning in the period, grouped by pen; a pen with none gets one row."""
        listed = [
            p.pen
            for p in pens.list_pens(self.conn, self.hi)
            if p.pen.added_at < self.hi
            and (p.pen.retired_at is None or p.pen.retired_at >= self.lo)
        ]
        cleanings: dict[int, list[pens.Cleaning]] = {}
        for cleaning in pens.list_cleanings(self.conn, since=self.lo, until=self.hi):
            cleanings.setdefault(cleaning.pen_id, []).append(cleaning)
        used: dict[int, int] = {}
        for s in self._pen_sessions():
            used[int(s.pen_id)] = used.get(int(s.pen_id), 0) + 1
        rows, notes = [], {}
        for pen in sorted(listed, key=lambda p: p.serial.lower()):
            retired = (
                f", retired {self.local(pen.retired_at)} by {pen.retired_by}: {pen.retire_note}"
                if pen.retired_at is not None
                else ""
            )
            notes[neutral(pen.serial)] = (
                f"Pen {pen.serial}"
                + (f" · {pen.model}" if pen.model else "")
                + f" · added {self.local(pen.added_at)} by {pen.added_by}{retired}"
                + f" · {used.get(pen.id, 0)} session(s) in the period, "
                + f"{len(cleanings.get(pen.id, []))} cleaning(s)"
            )
            base = (
                pen.serial,
                pen.model,
                self.local(pen.added_at),
                self.local(pen.retired_at),
                used.get(pen.id, 0),
            )
            found = cleanings.get(pen.id, [])
            if not found:
                rows.append((*base, "", "", "", "", ""))
            for c in found:
                rows.append(
                    (
                        *base,
                        self.local(c.cleaned_at),
                        _utc(c.cleaned_at),
                        c.cleaned_by,
                        c.method,
                        self.local(c.recorded_at),
                    )
                )
        self.totals["pen_cleanings"] = sum(len(v) for v in cleanings.values())
        return _rows(rows), notes

    def _pen_sessions(self) -> list[Any]:
        ts, si = TreatmentSession, SessionIntake
        return list(
            self.conn.execute(
                select(ts.id, ts.opened_at, si.pen_id, Pen.serial)
                .join(si, si.session_id == ts.id)
                .join(Pen, Pen.id == si.pen_id)
                .where(ts.opened_at >= self.lo, ts.opened_at < self.hi)
                .order_by(ts.opened_at, ts.id)
            )
        )

    def pen_overdue(self) -> list[Row]:
        """Sessions opened with a pen that was overdue for cleaning at that moment."""
        confirmed = self.confirmed_by_session()
        rows = []
        for s in equipment_checks.opened_overdue(self.conn, self.lo, self.hi):
            said = [c for c in confirmed.get(s.session_id, []) if c.kind == "pen_cleaning_overdue"]
            rows.append(
                (
                    s.session_id,
                    self.local(s.opened_at),
                    s.serial,
                    self.local(s.cleaned) if s.cleaned else "never",
                    s.warning(self.tz),
                    "; ".join(c.confirmed_by for c in said) or "not confirmed",
                    "; ".join(c.reason for c in said),
                )
            )
        return _rows(rows)

    # --- (d) sharps ---------------------------------------------------------------------

    def units_per_container(self) -> dict[int, int]:
        """Units used in the period per container they went to (0: none open)."""
        counts = self.conn.execute(
            text(
                f"SELECT COALESCE(({equipment_checks.CONTAINER_OF_USE}), 0) AS box, count(*) "
                "FROM unit_use uu "
                "LEFT JOIN session_intake si ON si.session_id = uu.session_id "
                "WHERE uu.used_at >= :start AND uu.used_at < :end GROUP BY box"
            ),
            self.params,
        ).all()
        return {int(box): int(n) for box, n in counts}

    def sharps_containers(self, in_period: dict[int, int]) -> list[Row]:
        """Containers in use at some time in the period: open, sealed or collected in it."""
        rows = []
        found = sharps.list_containers(self.conn, until=self.hi)
        for c in sorted(found, key=lambda c: (c.room.lower(), c.opened_at, c.id)):
            if c.collected_at is not None and c.collected_at < self.lo:
                continue  # gone before the period
            rows.append(
                (
                    c.id,
                    c.room,
                    c.label,
                    c.state,
                    self.local(c.opened_at),
                    c.opened_by,
                    self.local(c.sealed_at),
                    c.sealed_by or "",
                    self.local(c.collected_at),
                    c.collected_by or "",
                    c.collector_ref or "",
                    in_period.get(c.id, 0),
                    c.cartridges,
                )
            )
        return _rows(rows)

    # --- (e) sterilizer -----------------------------------------------------------------

    def cycles(self) -> list[sterilizer.Cycle]:
        """Cycles run in the period, and earlier ones whose indicator was read in it."""
        found = sterilizer.list_cycles(self.conn, until=self.hi)
        return sorted(
            (c for c in found if c.run_at >= self.lo or self.in_period(c.bi_read_at)),
            key=lambda c: (c.run_at, c.id),
        )

    def cycle_rows(self, cycles: list[sterilizer.Cycle]) -> list[Row]:
        rows = []
        for c in cycles:
            used = sum(1 for p in c.packs if p.session_id is not None)
            failed = [
                w
                for w, r in (("chemical", c.chemical_result), ("biological", c.bi_result))
                if r == "fail"
            ]
            rows.append(
                (
                    c.id,
                    self.local(c.run_at),
                    _utc(c.run_at),
                    c.sterilizer,
                    c.cycle_number,
                    _number(c.temperature_c),
                    _number(c.pressure_kpa),
                    _number(c.holding_minutes),
                    c.load_contents,
                    c.operator,
                    c.chemical_result,
                    c.bi_result,
                    self.local(c.bi_read_at),
                    c.bi_read_by or "",
                    len(c.packs),
                    used,
                    f"FAILED ({' and '.join(failed)} indicator): load quarantined"
                    if failed
                    else "",
                )
            )
        return _rows(rows)

    def failed_packs(self, cycles: list[sterilizer.Cycle]) -> tuple[list[Row], dict[str, str]]:
        """Every pack of a failed load, with the session it was opened for (if any)."""
        rows, notes = [], {}
        for c in cycles:
            if not c.failed:
                continue
            notes[str(c.id)] = (
                f"Cycle {c.cycle_number} of {c.sterilizer} · run {self.local(c.run_at)} by "
                f"{c.operator} · {c.result_words} · {len(c.packs)} pack(s): quarantined"
            )
            base = (c.id, c.sterilizer, c.cycle_number, self.local(c.run_at), c.result_words)
            if not c.packs:
                rows.append((*base, "", "", "", "", ""))
            for p in c.packs:
                rows.append(
                    (
                        *base,
                        p.code,
                        p.description,
                        p.state,
                        p.session_id or "",
                        self.local(p.used_at),
                    )
                )
        return _rows(rows), notes

    def exposed(self, cycles: list[sterilizer.Cycle]) -> list[Row]:
        """Per failed biological indicator: the sessions that used packs it puts in doubt."""
        failed = [c for c in cycles if c.bi_result == "fail"]
        found = [(c, e) for c in failed for e in sterilizer.failed_bi_exposure(self.conn, c.id)]
        shown = self.shown([e.session_id for _c, e in found])
        rows = [
            (
                c.id,
                f"{c.cycle_number} of {c.sterilizer}",
                self.local(c.bi_read_at),
                e.cycle_number,
                e.session_id,
                self.local(e.opened_at),
                shown.get(e.session_id, ""),
                e.practitioner,
                e.pack_code,
                self.local(e.used_at),
            )
            for c, e in found
        ]
        return _rows(rows)


# --- small words --------------------------------------------------------------------------


def _utc(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: float) -> str:
    """134.0 -> 134, 206.5 -> 206.5: as the operator read it off the display."""
    return f"{value:g}"


def _adverse_text(events: list[Any], local: Any) -> str:
    """ "none observed (Dr A, 2026-03-02 10:15:00 +10:00)", or each event so."""
    return "; ".join(
        f"{'none observed' if e.none_observed else e.description} "
        f"({e.recorded_by}, {local(e.recorded_at)})"
        for e in events
    )


def _sleeve(session: Any) -> str:
    if session.serial is None:
        return "no pen"
    return "new sleeve fitted" if session.sleeve_fitted else "NO new sleeve"
