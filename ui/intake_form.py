"""What is asked before the first scan: screening, consent, the pen, the room, the series.

The chair's top row names the client, the practitioner, the area, the concern and the
planned depth; this form holds the rest of the intake in a compact two-column block
that fits a 1024x768 monitor (the chair puts it in a scroll area when the clinic's
screening has many questions). Every screening question is answered Yes or No with no
default: a question left unanswered is a question not asked. A Yes says at once that a
manager must override; a depth outside the clinic's range for the concern says at once
that it will be confirmed. The rules themselves live in the domain (sterility.intake):
this form only collects the answers and says what the domain will ask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inventory.needles import mm_text
from ui.widgets import ResultLabel, button, label_for, named, set_message

NO_PEN = "No pen (derma roller)"
OWN_LANGUAGE = "Clinic's own"


@dataclass(frozen=True)
class IntakeChoices:
    """What the form offers, read from the ledger by the chair."""

    concerns: Mapping[str, str]
    """Concern key -> its words ("acne_scars" -> "acne scars"), in the order shown."""
    ranges: Mapping[str, tuple[int, int]]
    """Concern key -> the clinic's needle-length range in micrometres."""
    screening_version: int
    screening_items: Sequence[tuple[str, str]]
    """(key, question) of the current screening version, in its order."""
    consent_version: int
    consent_title: str
    consent_text: str
    pens: Sequence[tuple[str, str]] = ()
    """(serial, words shown) of the active pens."""
    languages: Sequence[str] = ()
    """Languages the clinic has an aftercare sheet in (besides its own)."""
    series_sessions: int = 3


@dataclass(frozen=True)
class IntakeValues:
    """What the person entered; the chair turns it into the domain's Intake."""

    concern: str
    answers: dict[str, bool]
    consent_version: int
    pen_serial: str | None
    sleeve_fitted: bool
    room: str
    language: str
    series_planned: int | None
    positives: list[str] = field(default_factory=list)
    """The questions answered Yes (a manager must override)."""


class IntakeForm(QWidget):
    """The intake block of the chair's session form."""

    edited = Signal()
    """Something that changes what opening would warn about (series, pen, room)."""
    read_consent = Signal()
    """The person asked to read the consent form's text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choices: IntakeChoices | None = None
        self._depth_um: int | None = None
        self._answers: dict[str, QButtonGroup] = {}
        self._questions: dict[str, str] = {}
        self.answer_buttons: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        """Screening key -> (No, Yes): tests and the tab order reach them here."""

        self.concern = named(
            QComboBox(), "Concern", "What this series treats: the clinic's depth range follows"
        )
        self.concern.setPlaceholderText("Choose the concern")
        self.concern.currentIndexChanged.connect(self._concern_changed)
        self.range = ResultLabel("", "Depth guidance")
        self.range.setObjectName("hint")
        self.range.setWordWrap(True)

        self.pen = named(QComboBox(), "Pen", "The pen used for this client, by serial")
        self.pen.setMinimumContentsLength(len(NO_PEN) - 2)
        self.pen.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.pen.currentIndexChanged.connect(self._pen_changed)
        self.sleeve = named(
            QCheckBox("New barrier sleeve fitted"),
            "New barrier sleeve fitted",
            "A new single-use barrier sleeve is fitted on the pen for this client",
        )
        self.room = named(QLineEdit(), "Room", "The chair or room: its sharps container is used")
        self.room.setPlaceholderText("e.g. Room 1")
        self.room.editingFinished.connect(self.edited)
        self.language = named(
            QComboBox(), "Aftercare language", "The language of the client's aftercare sheet"
        )
        self.language.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.consent = named(QCheckBox("Client signed consent form"), "Client signed consent")
        self.read_button = button("Read…", "Read the consent form", "Show the consent form's text")
        self.read_button.setAutoDefault(False)
        self.read_button.clicked.connect(self.read_consent)
        self.series = ResultLabel("", "Series")
        self.series.setObjectName("hint")
        self.series.setWordWrap(True)
        self.planned = named(
            QSpinBox(), "Sessions planned", "Sessions planned for a new series (3 to 6)"
        )
        self.planned.setRange(3, 6)
        self.planned.setValue(3)
        self.planned_label = label_for("Sessions &planned", self.planned)
        self.warnings = ResultLabel("", "Before opening")
        self.warnings.setWordWrap(True)
        self.warnings.hide()

        self.screening_title = QLabel("Screening")
        self.screening_title.setObjectName("sectionTitle")
        self.questions = QWidget()
        self.questions_grid = QGridLayout(self.questions)
        self.questions_grid.setContentsMargins(0, 0, 0, 0)
        self.questions_grid.setHorizontalSpacing(8)
        self.questions_grid.setVerticalSpacing(2)
        self.positive = ResultLabel("", "Screening result")
        self.positive.setWordWrap(True)
        self.positive.hide()

        # Left column: the screening; right: consent, pen, room, language, series.
        left = QVBoxLayout()
        left.setSpacing(4)
        left.addWidget(self.screening_title)
        left.addWidget(self.questions)
        left.addWidget(self.positive)
        left.addStretch(1)

        right = QVBoxLayout()
        right.setSpacing(4)
        consent_row = QHBoxLayout()
        consent_row.addWidget(self.consent, 1)
        consent_row.addWidget(self.read_button)
        pen_row = QHBoxLayout()
        pen_row.addWidget(label_for("P&en", self.pen))
        pen_row.addWidget(self.pen, 1)
        pen_row.addWidget(self.sleeve)
        room_row = QHBoxLayout()
        room_row.addWidget(label_for("R&oom", self.room))
        room_row.addWidget(self.room, 1)
        room_row.addWidget(label_for("Aftercare &language", self.language))
        room_row.addWidget(self.language)
        series_row = QHBoxLayout()
        series_row.addWidget(self.series, 1)
        series_row.addWidget(self.planned_label)
        series_row.addWidget(self.planned)
        for row in (consent_row, pen_row, room_row, series_row):
            right.addLayout(row)
        right.addWidget(self.warnings)
        right.addStretch(1)

        columns = QHBoxLayout(self)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(16)
        columns.addLayout(left, 4)  # the questions wrap; the right-hand rows do not
        columns.addLayout(right, 5)
        self.show_series("", new_series=False)

    # -- what the form offers

    def set_choices(self, choices: IntakeChoices) -> None:
        """Fill the drop-downs and the questions; what was entered stays when it still fits."""
        old = self.choices
        self.choices = choices
        kept_concern = self.concern.currentData()
        self.concern.blockSignals(True)
        self.concern.clear()
        for key, words in choices.concerns.items():
            self.concern.addItem(words, key)
        self.concern.setCurrentIndex(self.concern.findData(kept_concern) if kept_concern else -1)
        self.concern.blockSignals(False)

        kept_pen = self.pen.currentData()
        self.pen.blockSignals(True)
        self.pen.clear()
        self.pen.addItem(NO_PEN, None)
        for serial, words in choices.pens:
            self.pen.addItem(words, serial)
        index = self.pen.findData(kept_pen) if kept_pen else 0
        self.pen.setCurrentIndex(max(index, 0))
        self.pen.blockSignals(False)
        self._pen_changed()

        kept_language = self.language.currentData()
        self.language.clear()
        self.language.addItem(OWN_LANGUAGE, "")
        for language in choices.languages:
            self.language.addItem(language, language)
        self.language.setCurrentIndex(max(self.language.findData(kept_language or ""), 0))

        version = f"consent form v{choices.consent_version}"
        if old is None or old.consent_version != choices.consent_version:
            self.consent.setChecked(False)  # signed a form that is no longer current
        self.consent.setText(f"Client signed {version}")
        self.consent.setAccessibleName(f"Client signed {version}")
        self.consent.setToolTip(
            f"Tick once the client has signed {choices.consent_title or version}"
        )
        if old is None or old.series_sessions != choices.series_sessions:
            self.planned.setValue(choices.series_sessions)

        items = list(choices.screening_items)
        if old is None or list(old.screening_items) != items:
            self._build_questions(items)
        self.screening_title.setText(
            f"Screening (version {choices.screening_version}): answer every question"
        )
        self._show_range()

    def _build_questions(self, items: list[tuple[str, str]]) -> None:
        for group in self._answers.values():
            group.deleteLater()
        while self.questions_grid.count():
            taken = self.questions_grid.takeAt(0)
            if taken is not None and taken.widget() is not None:
                taken.widget().deleteLater()
        self._answers.clear()
        self._questions = dict(items)
        self.answer_buttons.clear()
        for row, (key, question) in enumerate(items):
            text = QLabel(question)
            text.setWordWrap(True)
            no = named(QRadioButton("No"), f"{question} No")
            yes = named(QRadioButton("Yes"), f"{question} Yes")
            group = QButtonGroup(self)
            group.addButton(no, 0)
            group.addButton(yes, 1)
            group.buttonToggled.connect(self._answered)
            self._answers[key] = group
            self.answer_buttons[key] = (no, yes)
            self.questions_grid.addWidget(text, row, 0)
            self.questions_grid.addWidget(no, row, 1)
            self.questions_grid.addWidget(yes, row, 2)
        self.questions_grid.setColumnStretch(0, 1)
        self._answered()

    # -- reading what was entered

    def set_depth(self, depth_um: int | None) -> None:
        """The planned depth of the top row: the range line warns when it is outside."""
        self._depth_um = depth_um
        self._show_range()

    def concern_key(self) -> str:
        data = self.concern.currentData()
        return data if isinstance(data, str) else ""

    def pen_serial(self) -> str | None:
        data = self.pen.currentData()
        return data if isinstance(data, str) and data else None

    def unanswered(self) -> list[str]:
        return [
            self._questions[key]
            for key, group in self._answers.items()
            if group.checkedButton() is None
        ]

    def positives(self) -> list[str]:
        return [q for key, q in self._questions.items() if self._answers[key].checkedId() == 1]

    def problem(self) -> tuple[str, QWidget] | None:
        """What must be entered before the session can open, and where (None: complete)."""
        if self.choices is None:
            return "The forms are still being read. Try again in a moment.", self.concern
        if not self.concern_key():
            return "Choose the concern this session treats.", self.concern
        missing = self.unanswered()
        if missing:
            key = next(k for k, g in self._answers.items() if g.checkedButton() is None)
            first = self.answer_buttons[key][0]
            count = len(missing)
            return (
                f"Answer every screening question ({count} still open, first: “{missing[0]}”).",
                first,
            )
        if not self.consent.isChecked():
            return (
                f"The client signs consent form v{self.choices.consent_version} before the "
                "session opens: tick “Client signed” once they have.",
                self.consent,
            )
        if self.pen_serial() is not None and not self.sleeve.isChecked():
            return (
                f"Fit a new barrier sleeve on pen {self.pen_serial()} and tick “New barrier "
                "sleeve fitted”, or choose “No pen (derma roller)”.",
                self.sleeve,
            )
        return None

    def values(self) -> IntakeValues:
        assert self.choices is not None
        language = self.language.currentData()
        return IntakeValues(
            concern=self.concern_key(),
            answers={key: group.checkedId() == 1 for key, group in self._answers.items()},
            consent_version=self.choices.consent_version,
            pen_serial=self.pen_serial(),
            sleeve_fitted=self.pen_serial() is not None and self.sleeve.isChecked(),
            room=self.room.text().strip(),
            language=language if isinstance(language, str) else "",
            series_planned=self.planned.value() if self.planned.isEnabled() else None,
            positives=self.positives(),
        )

    def clear_for_next(self) -> None:
        """After a session opened: the next client answers afresh (room and pen stay)."""
        self.concern.setCurrentIndex(-1)
        for group in self._answers.values():
            group.setExclusive(False)
            for answer in group.buttons():
                answer.setChecked(False)
            group.setExclusive(True)
        self.consent.setChecked(False)
        self.sleeve.setChecked(False)
        self.language.setCurrentIndex(0)
        if self.choices is not None:
            self.planned.setValue(self.choices.series_sessions)
        self.show_series("", new_series=False)
        self.show_warnings([])
        self._answered()

    def focus_order(self) -> list[QWidget]:
        """The form's controls in Tab order (the chair chains them after the depth)."""
        answers = [b for pair in self.answer_buttons.values() for b in pair]
        return [
            *answers,
            self.consent,
            self.read_button,
            self.pen,
            self.sleeve,
            self.room,
            self.language,
            self.planned,
        ]

    def enter_opens(self) -> list[QWidget]:
        """Controls on which Enter opens the session (as in the top row)."""
        answers = [b for pair in self.answer_buttons.values() for b in pair]
        return [*answers, self.concern, self.consent, self.pen, self.sleeve, self.language]

    # -- what the form says

    def show_series(self, text: str, *, new_series: bool) -> None:
        """The client's series on the area (or how to see it), and whether one starts."""
        self.series.setText(text or "Type the client's reference to see their series.")
        self.planned.setEnabled(new_series)
        self.planned_label.setEnabled(new_series)

    def show_warnings(self, sentences: Sequence[str]) -> None:
        """What opening will ask to confirm (the pen's cleaning, the sharps container)."""
        if sentences:
            set_message(self.warnings, "To confirm when opening: " + " ".join(sentences), "problem")
        else:
            self.warnings.setText("")
        self.warnings.setVisible(bool(sentences))

    def _concern_changed(self, _index: int) -> None:
        self._show_range()
        self.edited.emit()

    def _pen_changed(self, _index: int = 0) -> None:
        has_pen = self.pen_serial() is not None
        self.sleeve.setEnabled(has_pen)
        if not has_pen:
            self.sleeve.setChecked(False)
        self.edited.emit()

    def _answered(self, *_args: object) -> None:
        positives = self.positives()
        if positives:
            quoted = "; ".join(f"“{q}”" for q in positives)
            set_message(
                self.positive,
                f"Yes to {quoted}: a manager must override, with a reason, before this "
                "session opens.",
                "problem",
            )
        else:
            self.positive.setText("")
        self.positive.setVisible(bool(positives))

    def _show_range(self) -> None:
        choices, key = self.choices, self.concern_key()
        if choices is None or not key or key not in choices.ranges:
            self.range.setText("Choose the concern to see the clinic's depth range.")
            set_message(self.range, self.range.text())
            return
        low, high = choices.ranges[key]
        words = choices.concerns.get(key, key)
        text = f"Clinic range for {words}: {mm_text(low)} to {mm_text(high)} mm."
        depth = self._depth_um
        if depth is not None and not low <= depth <= high:
            set_message(
                self.range,
                f"{text} {mm_text(depth)} mm is outside it: you will be asked to confirm.",
                "problem",
            )
        else:
            set_message(self.range, text)
