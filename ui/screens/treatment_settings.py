"""Settings > Treatment: depth guidance, series spacing, the aftercare contact, the forms.

What the chair asks and shows is the clinic's own: the needle-length range per concern
(sterility.guidance; working guidance, not medical advice), how many sessions a series
has and how far apart (sterility.series), the contact printed on the aftercare sheet,
and the screening, consent and aftercare forms, each changed by adding its next version
(sterility.forms). Everyone reads them here; only a manager changes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inventory import settings
from inventory.errors import LedgerError
from inventory.needles import mm_text, needle_um
from sterility import forms, guidance, series
from sterility.forms import FormInfo
from sterility.guidance import DepthRange
from ui.access import permit, who_can
from ui.dialogs import SavingDialog
from ui.form_text_dialog import FormTextDialog
from ui.form_version_dialogs import ScreeningVersionDialog, TextVersionDialog
from ui.screens.base import Screen
from ui.widgets import button, hint, label_for, message, named, panel, section, set_message

FORM_WORDS = {
    "screening": "Screening form",
    "consent": "Consent form",
    "aftercare": "Aftercare sheet",
}


@dataclass(frozen=True)
class TreatmentData:
    ranges: list[DepthRange]
    rules: series.SeriesRules
    contact: str
    forms: dict[str, FormInfo]
    aftercare_languages: dict[str, FormInfo]


class TreatmentSection(QWidget):
    """The Treatment tab of Settings."""

    def __init__(self, screen: Screen, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.screen = screen
        self.ctx = screen.ctx
        self.data: TreatmentData | None = None
        self._dialog: SavingDialog | None = None

        # -- depth guidance
        self.low: dict[str, QDoubleSpinBox] = {}
        self.high: dict[str, QDoubleSpinBox] = {}
        ranges = QGridLayout()
        ranges.setHorizontalSpacing(8)
        ranges.addWidget(QLabel("Concern"), 0, 0)
        ranges.addWidget(QLabel("From (mm)"), 0, 1)
        ranges.addWidget(QLabel("To (mm)"), 0, 2)
        for row, (concern, words) in enumerate(guidance.CONCERN_WORDS.items(), start=1):
            low = named(_mm_box(), f"Shortest needle for {words}")
            high = named(_mm_box(), f"Longest needle for {words}")
            self.low[concern], self.high[concern] = low, high
            ranges.addWidget(QLabel(words.capitalize()), row, 0)
            ranges.addWidget(low, row, 1)
            ranges.addWidget(high, row, 2)
        ranges.setColumnStretch(0, 1)
        self.save_ranges = button(
            "Save depth guidance", "Save depth guidance", "Each change is audited", "", True
        )
        self.save_ranges.clicked.connect(self.save_guidance)
        self.ranges_result = message("Depth guidance result")

        # -- series
        self.sessions = named(QSpinBox(), "Sessions in a series", "A new series plans 3 to 6")
        self.sessions.setRange(series.MIN_PLANNED, series.MAX_PLANNED)
        self.min_days = named(
            QSpinBox(), "Fewest days between sessions", "Sooner asks for a reason at the chair"
        )
        self.min_days.setRange(1, 365)
        self.max_days = named(
            QSpinBox(), "Most days between sessions", "Later, an unfinished series is overdue"
        )
        self.max_days.setRange(1, 730)
        for box in (self.min_days, self.max_days):
            box.setSuffix(" days")
        self.save_series = button("Save series settings", "Save series settings", "", "", True)
        self.save_series.clicked.connect(self.save_rules)
        self.series_result = message("Series settings result")

        # -- the aftercare sheet's contact
        self.contact = named(
            QLineEdit(),
            settings.KNOWN["clinic_contact"][0],
            "Printed on every aftercare sheet: whom the client calls, and where",
        )
        self.contact.setPlaceholderText("e.g. 02 9555 0142 · 12 Harbour St, Sydney")
        self.save_contact = button("Save contact", "Save clinic contact", "", "", True)
        self.save_contact.clicked.connect(self.save_clinic_contact)
        self.contact_result = message("Clinic contact result")

        # -- the forms
        self.form_lines: dict[str, QLabel] = {}
        self.view_buttons: dict[str, object] = {}
        self.new_buttons: dict[str, object] = {}
        forms_box = QVBoxLayout()
        for kind, words in FORM_WORDS.items():
            line = hint("", f"{words} in force")
            self.form_lines[kind] = line
            view = button("View…", f"View the {words.lower()}", "Read the version in force")
            view.clicked.connect(lambda _c=False, k=kind: self.view_form(k))
            new = button(
                "New version…", f"New version of the {words.lower()}", "Write its next version"
            )
            new.clicked.connect(lambda _c=False, k=kind: self.new_version(k))
            self.view_buttons[kind], self.new_buttons[kind] = view, new
            heading = QLabel(words)
            heading.setObjectName("sectionTitle")
            row = QHBoxLayout()
            row.addWidget(line, 1)
            row.addWidget(view, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(new, 0, Qt.AlignmentFlag.AlignTop)
            forms_box.addWidget(heading)
            forms_box.addLayout(row)
        self.forms_result = message("Forms result")

        # -- layout: guidance and series on the left, contact and forms on the right
        left = panel()
        left_box = QVBoxLayout(left)
        left_box.addWidget(section("Depth guidance: needle length per concern"))
        left_box.addWidget(
            hint(
                "The clinic's working ranges, 0.25 to 2.5 mm; not medical advice. Outside "
                "the range the chair asks to confirm, and the confirmation is kept."
            )
        )
        left_box.addLayout(ranges)
        save_row = QHBoxLayout()
        save_row.addWidget(self.ranges_result, 1)
        save_row.addWidget(self.save_ranges)
        left_box.addLayout(save_row)
        left_box.addWidget(section("Treatment series"))
        series_form = QFormLayout()
        series_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        series_form.addRow(label_for("Sessions in a &series", self.sessions), self.sessions)
        series_form.addRow(label_for("&Fewest days apart", self.min_days), self.min_days)
        series_form.addRow(label_for("&Most days apart", self.max_days), self.max_days)
        left_box.addLayout(series_form)
        series_row = QHBoxLayout()
        series_row.addWidget(self.series_result, 1)
        series_row.addWidget(self.save_series)
        left_box.addLayout(series_row)
        left_box.addStretch(1)

        right = panel()
        right_box = QVBoxLayout(right)
        right_box.addWidget(section("Forms"))
        right_box.addWidget(
            hint(
                "A form is never changed in place: its next version is added, sessions "
                "opened from then on use it, and every session keeps the version it was "
                "opened under."
            )
        )
        right_box.addLayout(forms_box)
        contact_form = QFormLayout()
        contact_form.addRow(label_for("Clinic &contact", self.contact), self.contact)
        right_box.addLayout(contact_form)
        contact_row = QHBoxLayout()
        contact_row.addWidget(self.contact_result, 1)
        contact_row.addWidget(self.save_contact)
        right_box.addLayout(contact_row)
        right_box.addWidget(self.forms_result)
        right_box.addStretch(1)

        page = QWidget()
        columns = QHBoxLayout(page)
        columns.setContentsMargins(0, 6, 0, 0)
        columns.addWidget(left, 1)
        columns.addWidget(right, 1)
        scroll = QScrollArea()
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setAccessibleName("Treatment settings")
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # -- loading

    def load(self) -> None:
        db = self.ctx.db

        def read() -> TreatmentData:
            with db.read() as conn:
                languages = forms.languages(conn, "aftercare")
                return TreatmentData(
                    ranges=guidance.ranges(conn),
                    rules=series.rules(conn),
                    contact=settings.read_all(conn).get("clinic_contact", ""),
                    forms={kind: forms.current(conn, kind) for kind in FORM_WORDS},
                    aftercare_languages={
                        language: forms.current(conn, "aftercare", language)
                        for language in languages
                    },
                )

        self.screen.run(read, self._loaded, label="treatment settings")

    def _loaded(self, data: TreatmentData) -> None:
        self.data = data
        for item in data.ranges:
            self.low[item.concern].setValue(item.min_um / 1000)
            self.high[item.concern].setValue(item.max_um / 1000)
        self.sessions.setValue(data.rules.planned)
        self.min_days.setValue(data.rules.min_days)
        self.max_days.setValue(data.rules.max_days)
        self.contact.setText(data.contact)
        for kind, form in data.forms.items():
            words = f"Version {form.version}: {form.title}"
            if kind == "screening":
                count = len(form.items)
                words += f" ({count} question{'s' if count != 1 else ''})"
            if not form.stored:
                words += " (built in)"
            if kind == "aftercare" and data.aftercare_languages:
                words += ". Also in " + ", ".join(
                    f"{language} (version {info.version})"
                    for language, info in data.aftercare_languages.items()
                )
            self.form_lines[kind].setText(words + ".")

    def actor_changed(self) -> None:
        actor = self.ctx.actor
        for widget in (*self.low.values(), *self.high.values(), self.save_ranges):
            permit(widget, actor, "forms")
        for widget in (self.sessions, self.min_days, self.max_days, self.save_series):
            permit(widget, actor, "settings")
        for widget in (self.contact, self.save_contact):
            permit(widget, actor, "settings")
        for widget in self.new_buttons.values():
            permit(widget, actor, "forms")  # type: ignore[arg-type]

    # -- saving

    def save_guidance(self) -> None:
        if not self.ctx.actor.can("forms"):
            set_message(self.ranges_result, who_can("forms"), "problem")
            return
        if self.data is None:
            return
        saved = {r.concern: (r.min_um, r.max_um) for r in self.data.ranges}
        wanted = {
            concern: (needle_um(self.low[concern].value()), needle_um(self.high[concern].value()))
            for concern in self.low
        }
        changes = {c: v for c, v in wanted.items() if v != saved.get(c)}
        if not changes:
            set_message(self.ranges_result, "Nothing changed.")
            return
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> list[DepthRange]:
            return [
                guidance.set_range(db, concern, mm_text(low), mm_text(high), by=actor)
                for concern, (low, high) in changes.items()
            ]

        def saved_now(done: list[DepthRange]) -> None:
            self.save_ranges.setEnabled(True)
            set_message(
                self.ranges_result,
                "Saved: " + "; ".join(f"{r.concern_words} {r.words}" for r in done) + ".",
                "success",
            )
            self.screen.changed.emit()
            self.load()

        self.save_ranges.setEnabled(False)
        self.screen.run(
            save,
            saved_now,
            lambda e: self._failed(e, self.ranges_result, self.save_ranges),
            label="depth guidance",
        )

    def save_rules(self) -> None:
        if not self.ctx.actor.can("settings"):
            set_message(self.series_result, who_can("settings"), "problem")
            return
        planned, min_days, max_days = (
            self.sessions.value(),
            self.min_days.value(),
            self.max_days.value(),
        )
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            series.set_rules(db, planned=planned, min_days=min_days, max_days=max_days, by=actor)

        def saved_now(_none: object) -> None:
            self.save_series.setEnabled(True)
            set_message(
                self.series_result,
                f"Saved: a series plans {planned} sessions, {min_days} to {max_days} days apart.",
                "success",
            )
            self.screen.changed.emit()

        self.save_series.setEnabled(False)
        self.screen.run(
            save,
            saved_now,
            lambda e: self._failed(e, self.series_result, self.save_series),
            label="series settings",
        )

    def save_clinic_contact(self) -> None:
        if not self.ctx.actor.can("settings"):
            set_message(self.contact_result, who_can("settings"), "problem")
            return
        value = self.contact.text().strip()
        db, actor = self.ctx.db, self.ctx.actor

        def saved_now(_none: object) -> None:
            self.save_contact.setEnabled(True)
            set_message(
                self.contact_result,
                "Saved: aftercare sheets print this contact." if value else "Saved: no contact.",
                "success",
            )
            self.screen.changed.emit()

        self.save_contact.setEnabled(False)
        self.screen.run(
            lambda: settings.set_value(db, "clinic_contact", value, by=actor),
            saved_now,
            lambda e: self._failed(e, self.contact_result, self.save_contact),
            label="clinic contact",
        )

    def _failed(self, error: BaseException, result: QLabel, again: QWidget) -> None:
        again.setEnabled(True)
        if isinstance(error, LedgerError):
            set_message(result, error.message, "problem")
        else:
            set_message(result, "Not saved.", "problem")
            self.screen.show_error(error)

    # -- the forms

    def view_form(self, kind: str) -> None:
        if self.data is None:
            return
        form = self.data.forms[kind]
        if kind == "screening":
            text = "\n".join(f"{item.key}: {item.question}" for item in form.items)
        else:
            text = form.body
        dialog = FormTextDialog(f"{form.title} ({form.words})", text, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def new_version(self, kind: str) -> None:
        if not self.ctx.actor.can("forms"):
            set_message(self.forms_result, who_can("forms"), "problem")
            return
        if self.data is None or self._dialog is not None:
            return
        current = self.data.forms[kind]
        dialog: SavingDialog
        if kind == "screening":
            dialog = ScreeningVersionDialog(current, self)
        else:
            dialog = TextVersionDialog(
                kind, current, languages=list(self.data.aftercare_languages), parent=self
            )
        db, actor = self.ctx.db, self.ctx.actor

        def submitted() -> None:
            values = dialog.values()  # type: ignore[attr-defined]
            self.screen.run(
                lambda: forms.add_version(
                    db, kind, values["title"], values["body"], by=actor, language=values["language"]
                ),
                lambda form: self._version_saved(dialog, form),
                lambda error: self._version_failed(dialog, error),
                label="new form version",
            )

        def finished(_result: int) -> None:
            self._dialog = None
            dialog.deleteLater()

        dialog.submitted.connect(submitted)
        dialog.finished.connect(finished)
        self._dialog = dialog
        dialog.open()

    def _version_saved(self, dialog: QDialog, form: FormInfo) -> None:
        if isinstance(dialog, SavingDialog):
            dialog.done_saving()
        set_message(
            self.forms_result,
            f"Saved {form.words}: sessions opened from now on use it.",
            "success",
        )
        self.screen.changed.emit()
        self.load()

    def _version_failed(self, dialog: SavingDialog, error: BaseException) -> None:
        if isinstance(error, LedgerError):
            dialog.show_problem(error.message)
        else:
            dialog.show_problem("The new version could not be saved.")
            self.screen.show_error(error)


def _mm_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.25, 2.5)
    box.setSingleStep(0.25)
    box.setDecimals(2)
    box.setSuffix(" mm")
    return box
