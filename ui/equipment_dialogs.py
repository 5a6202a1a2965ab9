"""Dialogs of the Equipment screen: a pen, a cleaning, a sharps container, a sterilizer cycle.

Each asks only for what the record needs and hands the values to the service as typed;
the rules (a serial listed once, a time never in the future, a temperature within range)
are the services' own, and their sentences come back into the dialog's problem line.
Times are the clinic's wall clock, whatever this computer's zone, as on the Recalls screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from sterility import sterilizer
from ui import fmt
from ui.dialogs import SavingDialog
from ui.widgets import hint, label_for, named

CLEANING_METHODS = (
    "Wiped with 70% alcohol",
    "Detergent wipe, then hospital-grade disinfectant wipe",
    "Disinfectant wipe (TGA-listed), left wet for the contact time",
)


def _editable(combo: QComboBox, items: Sequence[str], placeholder: str) -> QComboBox:
    combo.setEditable(True)
    combo.addItems(list(items))
    combo.setCurrentIndex(-1)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    edit = combo.lineEdit()
    assert edit is not None
    edit.setPlaceholderText(placeholder)
    named(combo, combo.accessibleName(), combo.toolTip())  # the typing box too
    return combo


class WallClockEdit(QDateTimeEdit):
    """A time on the clinic's wall clock, at most ``now``: read back as a naive datetime
    (the services read it in the clinic's zone)."""

    def __init__(self, now: datetime, tz: ZoneInfo | None, name: str, tip: str) -> None:
        super().__init__()
        local = now.astimezone(tz) if tz is not None else now
        # Held as UTC digits, so no daylight-saving gap of this computer shifts them.
        wall = QTimeZone(b"UTC")
        shown = QDateTime(
            QDate(local.year, local.month, local.day), QTime(local.hour, local.minute), wall
        )
        named(self, name, tip)
        self.setTimeZone(wall)
        self.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.setCalendarPopup(True)
        self.setDateTime(shown)
        self.setMaximumDateTime(shown)
        self.zone_words = f"clinic time ({fmt.local_time(now, tz).split(' ')[-1]})"

    def typed(self) -> datetime:
        picked = self.dateTime()
        day, time = picked.date(), picked.time()
        return datetime(day.year(), day.month(), day.day(), time.hour(), time.minute())

    def row(self) -> QHBoxLayout:
        """The field with the zone it is read in beside it."""
        layout = QHBoxLayout()
        layout.addWidget(self, 1)
        layout.addWidget(QLabel(self.zone_words))
        return layout


class PenDialog(SavingDialog):
    """Add a pen to the clinic's list, by the maker's serial."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add a pen", "Add pen", parent)
        self.serial = named(QLineEdit(), "Pen serial", "The maker's serial, on the pen's body")
        self.model = named(QLineEdit(), "Pen model", "Make and model (optional)")
        form = QFormLayout()
        form.addRow("&Serial", self.serial)
        form.addRow("&Model", self.model)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint("Sessions name their pen from this list; each cleaning is recorded against it.")
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

    def values(self) -> dict[str, object]:
        return {"serial": self.serial.text(), "model": self.model.text()}


class CleaningDialog(SavingDialog):
    """Record a pen's cleaning or disinfection: how and when (by whom is the signed-in
    person)."""

    def __init__(
        self, serial: str, now: datetime, tz: ZoneInfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(f"Record a cleaning of pen {serial}", "Record cleaning", parent)
        self.method = _editable(
            named(QComboBox(), "Cleaning method", "How the pen was cleaned: pick or type"),
            CLEANING_METHODS,
            "Type how it was cleaned",
        )
        self.when = WallClockEdit(now, tz, "Cleaned at", "The clinic's local time of the cleaning")
        form = QFormLayout()
        form.addRow("&Method", self.method)
        form.addRow(label_for("&When", self.when), self.when.row())
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Clean and disinfect the pen between clients, then fit a new barrier sleeve. "
                "The cleaning goes on the audit trail and in the compliance report."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def values(self) -> dict[str, object]:
        return {"method": self.method.currentText(), "cleaned_at": self.when.typed()}


class ContainerDialog(SavingDialog):
    """Open a new sharps container at a room or chair."""

    def __init__(self, rooms: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__("Open a sharps container", "Open container", parent)
        self.room = _editable(
            named(QComboBox(), "Room", "The room or chair, as sessions name it"),
            rooms,
            "Type the room or chair",
        )
        self.label = named(QLineEdit(), "Container label", "What is written on it (optional)")
        form = QFormLayout()
        form.addRow("&Room", self.room)
        form.addRow("&Label", self.label)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Every cartridge used at this room goes into this container until it is "
                "sealed. A room has one open container at a time."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

    def values(self) -> dict[str, object]:
        return {"room": self.room.currentText(), "label": self.label.text()}


class CollectionDialog(SavingDialog):
    """The waste collector took a sealed container: their reference."""

    def __init__(self, container: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Record the collection of {container}", "Record collection", parent)
        self.reference = named(
            QLineEdit(), "Collector's reference", "The consignment or docket number"
        )
        form = QFormLayout()
        form.addRow("Collector's &reference", self.reference)
        layout = QVBoxLayout(self)
        layout.addWidget(hint("Copy the reference from the collector's receipt or docket."))
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

    def values(self) -> dict[str, object]:
        return {"collector_ref": self.reference.text()}


def _number(low: float, high: float, value: float, decimals: int, name: str, tip: str):
    box = named(QDoubleSpinBox(), name, tip)
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setValue(value)
    return box


class CycleDialog(SavingDialog):
    """A sterilizer cycle from its printout: the numbers, the load's packs, the indicators."""

    def __init__(
        self,
        sterilizers: Sequence[str],
        now: datetime,
        tz: ZoneInfo | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Record a sterilizer cycle", "Record cycle", parent)
        self.sterilizer = _editable(
            named(QComboBox(), "Sterilizer", "Which steriliser ran the cycle"),
            sterilizers,
            "Type the steriliser's name",
        )
        if sterilizers:
            self.sterilizer.setCurrentIndex(0)
        self.cycle_number = named(QLineEdit(), "Cycle number", "As printed by the steriliser")
        low, high = sterilizer.TEMPERATURE_C
        self.temperature = _number(low, high, 134, 1, "Temperature (°C)", "Sterilising temperature")
        low, high = sterilizer.PRESSURE_KPA
        self.pressure = _number(low, high, 206, 0, "Pressure (kPa)", "Chamber pressure")
        low, high = sterilizer.HOLDING_MINUTES
        self.holding = _number(low, high, 4, 1, "Holding time (minutes)", "Time at temperature")
        self.load = named(QLineEdit(), "Load contents", "What went into the chamber")
        self.packs = named(
            QPlainTextEdit(), "Packs", "One instrument pack per line; each gets a pouch code"
        )
        self.packs.setTabChangesFocus(True)
        self.packs.setMaximumHeight(90)
        self.chemical = named(QComboBox(), "Chemical indicator")
        for result in ("pass", "fail"):
            self.chemical.addItem(result.capitalize(), result)
        self.bi = named(QComboBox(), "Biological indicator", "Pending until it is incubated")
        for result in ("pending", "pass", "fail"):
            self.bi.addItem(result.capitalize(), result)
        self.when = WallClockEdit(now, tz, "Run at", "When the cycle ran, clinic time")
        form = QFormLayout()
        form.addRow("&Sterilizer", self.sterilizer)
        form.addRow("&Cycle number", self.cycle_number)
        form.addRow("&Temperature (°C)", self.temperature)
        form.addRow("&Pressure (kPa)", self.pressure)
        form.addRow("&Holding time (min)", self.holding)
        form.addRow("&Load contents", self.load)
        form.addRow("Pac&ks (one a line)", self.packs)
        form.addRow("C&hemical indicator", self.chemical)
        form.addRow("&Biological indicator", self.bi)
        form.addRow(label_for("&Run at", self.when), self.when.row())
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Copy the cycle from the steriliser's printout. Each pack gets a code to "
                "write on its pouch; a failed indicator quarantines the whole load."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(540)

    def values(self) -> dict[str, object]:
        return {
            "sterilizer": self.sterilizer.currentText(),
            "cycle_number": self.cycle_number.text(),
            "temperature_c": self.temperature.value(),
            "pressure_kpa": self.pressure.value(),
            "holding_minutes": self.holding.value(),
            "load_contents": self.load.text(),
            "packs": [line for line in self.packs.toPlainText().splitlines() if line.strip()],
            "chemical": self.chemical.currentData(),
            "bi": self.bi.currentData(),
            "run_at": self.when.typed(),
        }


class IndicatorDialog(SavingDialog):
    """The biological indicator of a cycle, read after incubation: pass or fail, once."""

    def __init__(self, cycle: sterilizer.Cycle, parent: QWidget | None = None) -> None:
        super().__init__(
            f"Read the biological indicator of cycle {cycle.cycle_number}",
            "Record reading",
            parent,
        )
        self.result = named(QComboBox(), "Indicator result")
        for result in ("pass", "fail"):
            self.result.addItem(result.capitalize(), result)
        form = QFormLayout()
        form.addRow("&Result", self.result)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                f"Cycle {cycle.cycle_number} of {cycle.sterilizer}, {len(cycle.packs)} "
                f"pack{'s' if len(cycle.packs) != 1 else ''}. A reading is recorded once. A "
                "fail quarantines the load and lists the sessions that used packs of it, or "
                "of the earlier loads since the last pass."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)

    def values(self) -> dict[str, object]:
        return {"result": self.result.currentData()}
