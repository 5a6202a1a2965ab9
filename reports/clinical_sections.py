"""The compliance report's clinical sections as printed: titles, columns, words, grouping.

The rows come from ``reports.clinical_data``; ``reports.compliance`` streams them through
both writers like its other sections, with the printed columns, introductions, empty
sentences and contents lines kept here. Each section has its CSV of the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from reports.clinical_data import (
    NOT_KEPT,
    SHARPS_DISPOSAL_COUNT,
    Clinical,
    sharps_disposal_sql,
)
from reports.pdf_writer import Column

if TYPE_CHECKING:
    from reports.compliance import AnySection
    from reports.data import Period, Sql
    from reports.pdf_writer import StreamTable

SESSION_CARE_HEADER = (
    "session",
    "opened_at_local",
    "client",
    "practitioner",
    "area",
    "planned_depth_mm",
    "concern",
    "depth_range_mm",
    "screening_version",
    "screening_positive",
    "screening_result",
    "override_by",
    "override_reason",
    "consent_version",
    "adverse_events",
    "pen_serial",
    "barrier_sleeve",
    "room",
    "series_number",
    "series_planned",
    "attention",
)
CONFIRMATIONS_HEADER = (
    "confirmed_at_local",
    "confirmed_at_utc",
    "session",
    "kind",
    "kind_in_words",
    "unit_code",
    "warning_shown",
    "confirmed_by",
    "reason",
)
PEN_CLEANINGS_HEADER = (
    "pen_serial",
    "pen_model",
    "pen_added_at_local",
    "pen_retired_at_local",
    "sessions_in_period",
    "cleaned_at_local",
    "cleaned_at_utc",
    "cleaned_by",
    "method",
    "recorded_at_local",
)
PEN_OVERDUE_HEADER = (
    "session",
    "opened_at_local",
    "pen_serial",
    "last_cleaned_local",
    "warning",
    "confirmed_by",
    "reason",
)
SHARPS_CONTAINERS_HEADER = (
    "container",
    "room",
    "label",
    "state",
    "opened_at_local",
    "opened_by",
    "sealed_at_local",
    "sealed_by",
    "collected_at_local",
    "collected_by",
    "collector_ref",
    "units_in_period",
    "units_in_all",
)
SHARPS_DISPOSAL_HEADER = (
    "used_at_local",
    "session",
    "room",
    "unit_code",
    "serial",
    "product",
    "kind",
    "container",
    "container_label",
    "not_in_a_container",
)
STERILIZER_CYCLES_HEADER = (
    "cycle",
    "run_at_local",
    "run_at_utc",
    "sterilizer",
    "cycle_number",
    "temperature_c",
    "pressure_kpa",
    "holding_minutes",
    "load_contents",
    "operator",
    "chemical_indicator",
    "biological_indicator",
    "bi_read_at_local",
    "bi_read_by",
    "packs",
    "packs_used",
    "failed",
)
FAILED_LOAD_PACKS_HEADER = (
    "cycle",
    "sterilizer",
    "cycle_number",
    "run_at_local",
    "indicator_results",
    "pack_code",
    "description",
    "state_now",
    "opened_for_session",
    "opened_at_local",
)
BI_EXPOSED_HEADER = (
    "failed_cycle",
    "failed_cycle_name",
    "bi_read_at_local",
    "pack_cycle_number",
    "session",
    "opened_at_local",
    "client",
    "practitioner",
    "pack_code",
    "pack_opened_at_local",
)

# name: (title, header); in the order printed. The first two follow "Treatment sessions",
# the rest follow "Products and lots".
AFTER_SESSIONS = {
    "session_care": (
        "Per session: screening, consent, adverse events, pen and series",
        SESSION_CARE_HEADER,
    ),
    "confirmations": ("Warnings confirmed and overrides", CONFIRMATIONS_HEADER),
}
AFTER_PRODUCTS = {
    "pen_cleanings": ("Pens and their cleanings", PEN_CLEANINGS_HEADER),
    "pen_overdue": ("Sessions with a pen overdue for cleaning", PEN_OVERDUE_HEADER),
    "sharps_containers": ("Sharps containers", SHARPS_CONTAINERS_HEADER),
    "sharps_disposal": ("Used units and the sharps container each went to", SHARPS_DISPOSAL_HEADER),
    "sterilizer_cycles": ("Sterilizer cycles and indicator results", STERILIZER_CYCLES_HEADER),
    "failed_load_packs": ("Packs of failed sterilizer loads", FAILED_LOAD_PACKS_HEADER),
    "bi_exposed_sessions": ("Sessions exposed by a failed biological indicator", BI_EXPOSED_HEADER),
}

PDF_COLUMNS: dict[str, list[Column]] = {
    "session_care": [
        Column("Session", 34, 0),
        Column("Opened (local)", 62, 1),
        Column("Client", 62, 2),
        Column("Practitioner", 56, 3),
        Column("Area, depth", 44, (4, 5), template="{0}, {1} mm"),
        Column("Concern (range)", 62, (6, 7), template="{0} ({1} mm)"),
        Column("Screening", 68, (8, 10), template="v{0}: {1}"),
        Column("Override: who, why", 70, (11, 12), template="{0}: {1}"),
        Column("Consent", 36, (13,), template="v{0}"),
        Column("Adverse events (who, when)", 90, 14),
        Column("Pen, barrier sleeve", 60, (15, 16), template="{0}, {1}"),
        Column("Room", 40, 17),
        Column("Series", 30, (18, 19), template="{0} of {1}"),
        Column("Attention", 56, 20),
    ],
    "confirmations": [
        Column("Confirmed (local)", 92, 0),
        Column("Session", 36, 2),
        Column("Warning of", 100, 4),
        Column("The warning as shown", 286, 6),
        Column("Unit", 60, 5),
        Column("Confirmed by", 76, 7),
        Column("Reason given", 120, 8),
    ],
    "pen_cleanings": [
        Column("Cleaned (local)", 110, 5),
        Column("Pen", 90, 0),
        Column("Cleaned by", 120, 7),
        Column("How (method)", 330, 8),
        Column("Recorded (local)", 120, 9),
    ],
    "pen_overdue": [
        Column("Session", 40, 0),
        Column("Opened (local)", 96, 1),
        Column("Pen", 70, 2),
        Column("Last cleaned before (local)", 96, 3),
        Column("Warning", 300, 4),
        Column("Confirmed by", 80, 5),
        Column("Reason given", 88, 6),
    ],
    "sharps_containers": [
        Column("No.", 28, 0),
        Column("Room", 68, 1),
        Column("Label", 70, 2),
        Column("State", 44, 3),
        Column("Opened (local), by", 126, (4, 5), template="{0}, {1}"),
        Column("Sealed (local), by", 126, (6, 7), template="{0}, {1}"),
        Column("Collected (local), by", 126, (8, 9), template="{0}, {1}"),
        Column("Collector's reference", 100, 10),
        Column("Units in the period", 40, 11),
        Column("Units in all", 40, 12),
    ],
    "sterilizer_cycles": [
        Column("Run (local)", 92, 1),
        Column("Steriliser", 70, 3),
        Column("Cycle", 36, 4),
        Column("°C", 30, 5),
        Column("kPa", 30, 6),
        Column("Hold min", 30, 7),
        Column("Load", 122, 8),
        Column("Operator", 66, 9),
        Column("Chemical", 44, 10),
        Column("Biological", 40, 11),
        Column("BI read (local), by", 110, (12, 13), template="{0}, {1}"),
        Column("Packs (used)", 34, (14, 15), template="{0} ({1})"),
        Column("Result", 66, 16),
    ],
    "failed_load_packs": [
        Column("Pack", 70, 5),
        Column("Description", 330, 6),
        Column("State now", 120, 7),
        Column("Opened for session", 100, 8),
        Column("Opened (local)", 150, 9),
    ],
    "bi_exposed_sessions": [
        Column("Failed indicator (cycle)", 120, 1),
        Column("Read as failed (local)", 96, 2),
        Column("Pack of cycle", 50, 3),
        Column("Session", 40, 4),
        Column("Opened (local)", 96, 5),
        Column("Client", 100, 6),
        Column("Practitioner", 100, 7),
        Column("Pack", 70, 8),
        Column("Pack opened (local)", 96, 9),
    ],
}
ALERT = {"session_care": 20, "sterilizer_cycles": 16}

EMPTY = {
    "session_care": "No treatment session was opened in this period.",
    "confirmations": "No warning was confirmed and no screening overridden in this period.",
    "pen_cleanings": "No pen was on the clinic's pen list in this period.",
    "pen_overdue": "No session in this period used a pen that was overdue for cleaning.",
    "sharps_containers": "No sharps container was open, sealed or collected in this period.",
    "sharps_disposal": "No unit was used in this period.",
    "sterilizer_cycles": "No sterilizer cycle was run or read in this period.",
    "failed_load_packs": "No sterilizer load of this period failed an indicator.",
    "bi_exposed_sessions": "No biological indicator of this period failed, or no session "
    "used a pack it puts in doubt.",
}
INTRO = {
    "session_care": "Every treatment session opened in the period with what was asked and "
    "recorded around it: the concern treated and its configured needle-length range, the "
    "screening form's version and result (the questions answered yes), a manager's override "
    "(who and why), the consent form's version the client signed, adverse events or none "
    "(who recorded them and when), the pen and its new barrier sleeve, the room, and the "
    f"session's place in its series. Sessions opened before these were kept say "
    f'"{NOT_KEPT}". A row on a red band needs attention.',
    "confirmations": "Every warning the chair showed and someone confirmed anyway, and every "
    "positive screening a manager overrode: when, for which session, the warning as it was "
    "shown, who confirmed it and the reason they gave.",
    "pen_cleanings": "Each pen on the clinic's list during the period, and each cleaning or "
    "disinfection of it in the period: when, by whom and how.",
    "pen_overdue": "Each session opened with a pen that had already been used on a client "
    "since its last cleaning (or was never cleaned), and whether the warning was confirmed.",
    "sharps_containers": "Each sharps container in use during the period, by room: when it "
    "was opened, sealed and collected and by whom, the collector's reference, and the used "
    "units that went into it (a unit goes to the container open at its session's room when "
    "it is used).",
    "sterilizer_cycles": "Each sterilizer cycle run in the period (and each earlier one "
    "whose biological indicator was read in it), with every parameter, the load, the "
    "operator and the chemical and biological indicator results. A failed cycle's load is "
    "quarantined (red band).",
    "failed_load_packs": "Each pack of a load whose chemical or biological indicator failed, "
    "with its state now and the session it was opened for, if any.",
    "bi_exposed_sessions": "For each biological indicator that failed: the sessions that "
    "used packs of that cycle or of the same steriliser's earlier cycles since its last "
    "passed indicator, so their clients can be followed up.",
}
SUMMARY_NAMES = {
    "session_care": "Sessions with screening, consent and adverse events (rows)",
    "confirmations": "Warnings confirmed and overrides",
    "pen_cleanings": "Pens and cleanings (rows)",
    "pen_overdue": "Sessions with a pen overdue for cleaning",
    "sharps_containers": "Sharps containers",
    "sharps_disposal": "Used units and their sharps container",
    "sterilizer_cycles": "Sterilizer cycles",
    "failed_load_packs": "Packs of failed loads",
    "bi_exposed_sessions": "Sessions exposed by a failed biological indicator",
}
CONTENTS = {
    "session_care": "Screening version and result, overrides, consent, adverse events, pen, "
    "series: per session",
    "confirmations": "Warnings confirmed at the chair and screening overrides: who, why",
    "pen_cleanings": "Pens on the list and each cleaning: when, by whom, how",
    "pen_overdue": "Sessions opened with a pen not cleaned since its last client",
    "sharps_containers": "Sharps containers: opened, sealed, collected, reference, contents",
    "sharps_disposal": "Where the used units went: by room and sharps container (each unit "
    "in the CSV)",
    "sterilizer_cycles": "Sterilizer cycles: parameters, load, operator, indicators",
    "failed_load_packs": "Packs of loads that failed an indicator: state, session",
    "bi_exposed_sessions": "Sessions that used packs a failed biological indicator puts in doubt",
}


def cover_counts(rows: Clinical) -> list[tuple[str, str]]:
    """The cover's lines on the treatment around the cartridge."""
    t = rows.totals
    return [
        ("Screenings positive / overridden by a manager",
         f"{t['sessions_screening_positive']} / {t['screening_overrides']}"),
        ("Adverse events reported", str(t["adverse_events_reported"])),
        ("Sessions with a pen overdue for cleaning", str(t["pen_uses_while_overdue"])),
        ("Units used with no sharps container open", str(t["units_used_with_no_sharps_container"])),
        ("Sterilizer cycles failed / sessions exposed by a failed BI",
         f"{t['sterilizer_cycles_failed']} / {t['sessions_exposed_by_failed_bi']}"),
    ]  # fmt: skip


def with_clinical(
    sections: list[AnySection], rows: Clinical, sql: Sql, period: Period
) -> list[AnySection]:
    """The report's sections with the clinical ones put in their places."""
    from reports.compliance import ListedSection, Section

    def listed(defs: dict[str, tuple[str, Sequence[str]]]) -> list[AnySection]:
        made: list[AnySection] = []
        for name, (title, header) in defs.items():
            if name == "sharps_disposal":  # one row per use: streamed from its query
                made.append(
                    Section(
                        name, title, header, sharps_disposal_sql(sql, period),
                        SHARPS_DISPOSAL_COUNT,
                    )
                )  # fmt: skip
            else:
                made.append(ListedSection(name, title, header, getattr(rows, name)))
        return made

    out: list[AnySection] = []
    for section in sections:
        out.append(section)
        if section.name == "sessions":
            out += listed(AFTER_SESSIONS)
        elif section.name == "products":
            out += listed(AFTER_PRODUCTS)
    return out


def grouped_row(
    name: str, table: StreamTable, rows: Clinical
) -> Callable[[Sequence[str]], None] | None:
    """The printer of a section whose rows sit under a heading per pen or per failed load."""
    if name == "pen_cleanings":
        notes, empty = rows.pen_notes, "No cleaning recorded in the period."
        filled = 5  # cleaned_at_local
    elif name == "failed_load_packs":
        notes, empty = rows.cycle_notes, "No pack in this load."
        filled = 5  # pack_code
    else:
        return None
    current: list[str] = []

    def row(cells: Sequence[str]) -> None:
        if not current or cells[0] != current[0]:
            current[:] = [cells[0]]
            table.note(notes.get(cells[0], cells[0]), bold=True)
        if not cells[filled]:
            table.note(empty)
            return
        table.row(cells)

    return row
