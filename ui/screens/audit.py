"""The audit trail: every change, who made it and when, filterable; and the chain check.

"Verify chain" recomputes every event's hash in order (on the worker thread), checks
every bound record against its event, and says whether the trail is intact or names the
first event where it breaks. With the clinic's verification key typed (or scanned from
the key sheet's QR code) into the key field, it also checks the seals (inventory.seal);
the key is used for that one check and not kept.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QItemSelection, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inventory import audit, seal
from inventory.audit import ChainReport
from inventory.settings import clinic_tz
from ui import fmt
from ui.context import AppContext
from ui.models.audit import AuditModel, action_words, values_words
from ui.screens.base import Screen
from ui.widgets import button, hint, message, named, set_message, set_widths, table, title

FILTER_DELAY_MS = 300


class AuditScreen(Screen):
    title = "Audit trail"
    icon_name = "audit"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = AuditModel(ctx.db, ctx.worker, self)
        self._started = False

        self.actor = named(QLineEdit(), "Who filter", "Part of a name")
        self.action = named(QComboBox(), "Action filter")
        self.action.addItem("All actions", None)
        self.entity = named(QComboBox(), "Record type filter")
        self.entity.addItem("All records", None)
        self.record = named(QLineEdit(), "Record id filter", "A unit code, session number, lot id…")
        self.text = named(QLineEdit(), "Values filter", "Text in the before or after values")
        self.use_dates = named(QCheckBox("Between"), "Filter by date")
        self.since = named(QDateEdit(), "From date")
        self.until = named(QDateEdit(), "To date")
        today = QDate.currentDate()  # until the clinic's own date is read (_choices)
        self._dates_set = False
        for edit, value in ((self.since, today.addDays(-30)), (self.until, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(value)
            edit.setEnabled(False)
            edit.dateChanged.connect(self.apply_filters)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(FILTER_DELAY_MS)
        self.timer.timeout.connect(self.apply_filters)
        for edit in (self.actor, self.record, self.text):
            edit.setClearButtonEnabled(True)
            edit.textEdited.connect(lambda _t: self.timer.start())
            edit.returnPressed.connect(self.apply_filters)
        for combo in (self.action, self.entity):
            combo.currentIndexChanged.connect(self.apply_filters)

        self.verify_button = button(
            "Verify chain", "Verify chain", "Recompute every event's hash, in order", "verify", True
        )
        self.verify_button.clicked.connect(self.verify)
        self.key = named(
            QLineEdit(),
            "Verification key",
            "The clinic's verification key from the key sheet, to check the seals too",
        )
        self.key.setPlaceholderText("Verification key (optional: also checks the seals)")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setClearButtonEnabled(True)
        self.key.setMinimumWidth(300)
        self.key.returnPressed.connect(self.verify)
        self.verdict = message("Chain verdict")
        self.count = hint("", "Events shown")

        self.table = table(self.model, "Audit table")
        set_widths(self.table, [6, 25, 16, 12, 10, 11, 24])
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.model.total_changed.connect(self._counted)
        self.details = named(QPlainTextEdit(), "Event details")
        self.details.setReadOnly(True)
        self.details.setPlaceholderText(
            "Select an event to see its values before and after, and its place in the chain."
        )

        filters = QGridLayout()
        for column, (text, widget, stretch) in enumerate(
            (
                ("&Who", self.actor, 2),
                ("&Action", self.action, 2),
                ("&Record", self.entity, 2),
                ("Record &id", self.record, 2),
                ("&Values contain", self.text, 3),
            )
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label, 0, column)
            filters.addWidget(widget, 1, column)
            filters.setColumnStretch(column, stretch)
        dates = QHBoxLayout()
        dates.addWidget(self.use_dates)
        dates.addWidget(self.since)
        dates.addWidget(QLabel("and"))
        dates.addWidget(self.until)
        dates.addStretch(1)
        dates.addWidget(self.count)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setSizes([480, 140])
        split.setChildrenCollapsible(False)

        head = QHBoxLayout()
        head.addWidget(title(self.title))
        head.addStretch(1)
        head.addWidget(self.key)
        head.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.verdict)
        layout.addLayout(filters)
        layout.addLayout(dates)
        layout.addWidget(split, 1)

    def enter(self, filters: dict[str, Any] | None = None) -> None:
        self._load_choices()
        if filters:
            self.apply(filters)
        else:
            self.activated()

    def activated(self) -> None:
        self._load_choices()
        if not self._started:
            self._started = True
            self.apply_filters()
        else:
            self.model.reload()

    def _load_choices(self) -> None:
        db = self.ctx.db

        def read() -> tuple[list[str], list[str], date]:
            with db.read() as conn:
                actions, entities = audit.kinds(conn)
                today = db.now(conn).astimezone(clinic_tz(conn)).date()
                return actions, entities, today

        self.run(read, self._choices, label="audit choices")

    def _choices(self, data: tuple[list[str], list[str], date]) -> None:
        self._set_default_dates(data[2])
        for combo, values, everything in (
            (self.action, data[0], "All actions"),
            (self.entity, data[1], "All records"),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for value in values:
                combo.addItem(action_words(value), value)
            if chosen is not None and combo.findData(chosen) < 0:
                combo.addItem(action_words(chosen), chosen)
            combo.setCurrentIndex(max(combo.findData(chosen), 0) if chosen is not None else 0)
            combo.blockSignals(False)

    def filters(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "actor": self.actor.text(),
            "action": self.action.currentData(),
            "entity": self.entity.currentData(),
            "record": self.record.text(),
            "text": self.text.text(),
        }
        if self.use_dates.isChecked():
            values["since"] = _pydate(self.since.date())
            values["until"] = _pydate(self.until.date())
        return values

    def apply_filters(self) -> None:
        self.timer.stop()
        self.model.set_filters(**self.filters())

    def apply(self, filters: dict[str, Any]) -> None:
        for combo, key in ((self.action, "action"), (self.entity, "entity")):
            combo.blockSignals(True)
            value = filters.get(key)
            if value is not None and combo.findData(value) < 0:
                combo.addItem(action_words(str(value)), value)
            combo.setCurrentIndex(max(combo.findData(value), 0) if value else 0)
            combo.blockSignals(False)
        self.actor.setText(str(filters.get("actor", "")))
        self.record.setText(str(filters.get("record", "")))
        self.text.setText(str(filters.get("text", "")))
        self._started = True
        self.apply_filters()

    def focus_search(self) -> None:
        self.text.setFocus()
        self.text.selectAll()

    def _set_default_dates(self, today: date) -> None:
        """The default period ends on the clinic's date (its time zone), not this PC's."""
        if self._dates_set or self.use_dates.isChecked():
            return
        self._dates_set = True
        until = QDate(today.year, today.month, today.day)
        for edit, value in ((self.since, until.addDays(-30)), (self.until, until)):
            edit.blockSignals(True)
            edit.setDate(value)
            edit.blockSignals(False)

    def _dates_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.until.setEnabled(on)
        self.apply_filters()

    def _counted(self, total: int) -> None:
        self.count.setText("Counting…" if total < 0 else f"{total:,} events match")

    def _selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.details.clear()
            return
        row = self.model.row_data(rows[0].row())
        tz = self.model.context
        self.details.setPlainText(
            "\n".join(
                [
                    f"Event {row.id} at {fmt.local_time(row.at, tz, seconds=True)} "
                    f"({row.at.isoformat()} UTC) by {row.actor}",
                    f"{action_words(row.action)} {action_words(row.entity)} {row.entity_id}",
                    f"Before: {values_words(row.old_values, tz) or 'nothing'}",
                    f"After:  {values_words(row.new_values, tz) or 'nothing'}",
                    f"Stored: {_pretty(row.old_values)} → {_pretty(row.new_values)}",
                    f"Hash:          {row.hash}",
                    f"Previous hash: {row.prev_hash}",
                ]
            )
        )

    # -- the chain

    def verify(self) -> None:
        db = self.ctx.db
        typed = self.key.text().strip()
        try:
            key = seal.key_from_text(typed) if typed else None
        except ValueError as exc:
            set_message(self.verdict, str(exc), "problem")
            self.key.setFocus()
            self.key.selectAll()
            return

        def check() -> ChainReport:
            with db.read() as conn:
                return audit.verify(conn, key=key)

        self.verify_button.setEnabled(False)
        set_message(
            self.verdict,
            "Verifying the chain and the seals…" if key else "Verifying the chain…",
        )
        self.run(check, self._verified, self._verify_failed, label="verify chain")

    def _verified(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        set_message(self.verdict, report.sentence, "success" if report.ok else "problem")

    def _verify_failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        set_message(self.verdict, "The chain could not be checked.", "problem")
        self.show_error(error)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _pretty(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False, indent=None)
    except ValueError:
        return raw
