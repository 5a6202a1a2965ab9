"""Reports: pick a report and a period, export PDF and CSV, watch progress, open the folder.

The export runs on the worker thread and reports its progress; Cancel asks it to stop
(the writer then removes what it had started). The window stays usable throughout.
Importing ``reports.export`` is cheap (pandas, reportlab and pyhanko load on the first
export), so this screen imports it plainly.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from inventory.clock import local_date
from inventory.errors import LedgerError
from inventory.settings import clinic_tz
from reports.export import (
    ExportCancelled,
    ExportResult,
    existing_files,
    export_compliance,
    export_usage,
)
from ui import desktop
from ui.access import permit, who_can
from ui.context import AppContext
from ui.screens.base import Screen
from ui.widgets import button, hint, message, named, panel, section, set_message, title
from ui.worker import Job

REPORTS = {
    "compliance": "Compliance report (for the inspector)",
    "usage": "Usage report (for the manager)",
}
PERIODS = ["Last month", "This month", "Last 3 months", "This year", "Last year", "Custom"]


def period_for(choice: str, today: date) -> tuple[date, date]:
    """A named period as first and last day (inclusive), in the clinic's calendar."""
    first_of_month = today.replace(day=1)
    if choice == "This month":
        return first_of_month, today
    if choice == "Last month":
        end = first_of_month - timedelta(days=1)
        return end.replace(day=1), end
    if choice == "Last 3 months":
        start = first_of_month
        for _ in range(2):
            start = (start - timedelta(days=1)).replace(day=1)
        return start, today
    if choice == "This year":
        return today.replace(month=1, day=1), today
    if choice == "Last year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    raise ValueError(choice)


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ReportsScreen(Screen):
    title = "Reports"
    icon_name = "reports"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.today = date.today()
        self.job: Job | None = None
        self.last_result: ExportResult | None = None
        self.last_folder: Path | None = None

        self.report = named(QComboBox(), "Report")
        for key, text in REPORTS.items():
            self.report.addItem(text, key)
        self.report.currentIndexChanged.connect(self._report_changed)
        self.period = named(QComboBox(), "Period")
        self.period.addItems(PERIODS)
        self.period.currentTextChanged.connect(self._period_changed)
        self.start = named(QDateEdit(), "From")
        self.end = named(QDateEdit(), "To")
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._dates_edited)
        self.pdf = named(QCheckBox("PDF"), "PDF", "A signed PDF to read and print")
        self.pdf.setChecked(True)
        self.csv = named(QCheckBox("CSV"), "CSV", "One CSV file per section, for spreadsheets")
        self.csv.setChecked(True)
        self.client_names = named(
            QCheckBox("Include client names"),
            "Include client names",
            "Only when the inspector asks to see which client each session was for",
        )
        folder = ctx.prefs.text("reports/folder", str(ctx.data_dir / "reports"))
        self.folder = named(QLineEdit(folder), "Export folder")
        self.folder.setReadOnly(True)
        self.choose = button("Choose…", "Choose folder", "Where the files are saved", "folder")
        self.choose.clicked.connect(self._choose_folder)
        self.open_when_done = named(
            QCheckBox("Open the folder when done"), "Open the folder when done"
        )
        self.open_when_done.setChecked(True)

        self.export_button = button(
            "Export", "Export report", "Build the report files", "export", True
        )
        self.export_button.clicked.connect(self.export)
        self.progress = named(QProgressBar(), "Export progress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")
        self.progress_text = hint("", "Export step")
        self.cancel_button = button("Cancel", "Cancel export", "Stop building the report")
        self.cancel_button.clicked.connect(self.cancel)
        self.result = message("Export result")
        self.open_button = button("Open folder", "Open folder", "Show the files", "folder")
        self.open_button.clicked.connect(self.open_folder)
        self.open_button.setEnabled(False)

        dates = QHBoxLayout()
        dates.addWidget(self.period)
        dates.addWidget(self.start)
        dates.addWidget(named(hint("to"), "to"))
        dates.addWidget(self.end)
        dates.addStretch(1)
        formats = QHBoxLayout()
        formats.addWidget(self.pdf)
        formats.addWidget(self.csv)
        formats.addStretch(1)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(self.choose)
        form = QFormLayout()
        form.addRow("&Report", self.report)
        form.addRow(_buddy("&Period", self.period), dates)
        form.addRow(_buddy("Formats", self.pdf), formats)
        form.addRow("", self.client_names)
        form.addRow(_buddy("&Folder", self.choose), where)
        form.addRow("", self.open_when_done)

        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        box = panel()
        inner = QVBoxLayout(box)
        inner.addWidget(section("Export"))
        inner.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        inner.addLayout(buttons)
        inner.addLayout(running)
        inner.addWidget(self.progress_text)
        done = QHBoxLayout()
        done.addWidget(self.result, 1)
        done.addWidget(self.open_button)
        inner.addLayout(done)

        layout = QVBoxLayout(self)
        layout.addWidget(title(self.title))
        layout.addWidget(
            hint(
                "The compliance report is what an inspector reads: sessions and the units "
                "used in them, refusals, recalls, quarantine and waste, and the audit trail's "
                "status, with a digest that shows whether it was altered. The usage report "
                "shows use by product and needle length, stock on hand and days of cover."
            )
        )
        layout.addWidget(box)
        layout.addStretch(1)
        self._set_running(False)
        self._report_changed()
        self._period_changed(self.period.currentText())

    def activated(self) -> None:
        db = self.ctx.db

        def read() -> date:
            with db.read() as conn:
                return local_date(db.now(conn), clinic_tz(conn))

        self.run(read, self._today_known, label="today")

    def _today_known(self, today: date) -> None:
        self.today = today
        if self.period.currentText() != "Custom":
            self._period_changed(self.period.currentText())

    def actor_changed(self) -> None:
        self._report_changed()
        self._set_running(self.job is not None)

    def _report_changed(self, *_args: object) -> None:
        permit(
            self.client_names,
            self.ctx.actor,
            "client_names",
            self.report.currentData() == "compliance",
        )
        if not self.client_names.isEnabled():
            self.client_names.setChecked(False)

    def _period_changed(self, choice: str) -> None:
        if choice == "Custom":
            return
        start, end = period_for(choice, self.today)
        for edit, value in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(_qdate(value))
            edit.blockSignals(False)

    def _dates_edited(self, *_args: object) -> None:
        self.period.blockSignals(True)
        self.period.setCurrentText("Custom")
        self.period.blockSignals(False)

    def _choose_folder(self) -> None:
        chosen = desktop.ask_folder(self, "Save reports in", Path(self.folder.text()))
        if chosen is not None:
            self.folder.setText(str(chosen))
            self.ctx.prefs.set_text("reports/folder", str(chosen))

    # -- exporting

    def export(self) -> None:
        if self.job is not None:
            return
        if not self.ctx.actor.can("export"):
            set_message(self.result, who_can("export"), "problem")
            return
        key = self.report.currentData()
        start, end = _pydate(self.start.date()), _pydate(self.end.date())
        if end < start:
            set_message(
                self.result, "The period ends before it starts: check the dates.", "problem"
            )
            return
        if not (self.pdf.isChecked() or self.csv.isChecked()):
            set_message(self.result, "Choose PDF, CSV or both.", "problem")
            return
        folder = Path(self.folder.text())
        stem = f"{key}-{start.isoformat()}-to-{end.isoformat()}"
        pdf = folder / f"{stem}.pdf" if self.pdf.isChecked() else None
        csv = folder if self.csv.isChecked() else None  # one CSV per section, named by stem
        replace = self._may_replace(key, start, end, pdf, csv, folder)
        if replace is None:
            set_message(
                self.result,
                "Nothing was exported: the earlier report's files were kept as they were.",
                "problem",
            )
            return
        options: dict[str, Any] = {
            "pdf": pdf,
            "csv": csv,
            "by": self.ctx.actor,
            "overwrite": replace,
        }
        if key == "compliance":
            options["with_client_names"] = self.client_names.isChecked() and self.ctx.actor.can(
                "client_names"
            )
        db = self.ctx.db

        def build(job: Job) -> ExportResult:
            folder.mkdir(parents=True, exist_ok=True)
            writer = export_compliance if key == "compliance" else export_usage
            return writer(
                db, start, end, progress=job.report_progress, cancel=job.is_cancelled, **options
            )

        self.last_folder = folder
        set_message(self.result, "")
        self.open_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress_text.setText("Starting…")
        self._set_running(True)
        self.job = self.run_job(
            build, self._exported, self._failed, self._progressed, label="report"
        )

    def _may_replace(
        self, kind: str, start: date, end: date, pdf: Path | None, csv: Path | None, folder: Path
    ) -> bool | None:
        """False when nothing would be replaced, True when the person said yes, else None.

        A quick look at the folder on this thread (a few file names); the export itself
        checks again, so files that appear meanwhile are refused, not replaced.
        """
        if not folder.is_dir():
            return False
        try:
            found = existing_files(kind, start, end, pdf=pdf, csv=csv)
        except LedgerError:
            return False  # the export says what is wrong with the folder, in its words
        if not found:
            return False
        names = "\n".join(f"  {p.name}" for p in found[:6])
        more = f"\n  and {len(found) - 6} more" if len(found) > 6 else ""
        answer = QMessageBox.question(
            self,
            "Replace the earlier report?",
            f"A report for this period is already saved in {folder}:\n{names}{more}\n\n"
            "Replace it with a new export? The earlier files cannot be brought back.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return True if answer == QMessageBox.StandardButton.Yes else None

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_text.setText("Cancelling…")

    def _progressed(self, fraction: float, text: str) -> None:
        self.progress.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
        if text:
            self.progress_text.setText(text)

    def _exported(self, result: ExportResult) -> None:
        self.job = None
        self.last_result = result
        self._set_running(False)
        self.progress.setValue(1000)
        files = [p for p in [result.pdf, *result.csv_files] if p]
        lines = [f"Saved {len(files)} file{'s' if len(files) != 1 else ''} in {self.last_folder}:"]
        lines += [f"  {p.name}" for p in files[:8]]
        if len(files) > 8:
            lines.append(f"  and {len(files) - 8} more")
        if result.manifest:
            lines.append(f"Manifest: {result.manifest.name}")
        if result.digest:
            lines.append(f"SHA-256 digest of the data: {result.digest}")
        set_message(self.result, "\n".join(lines), "success")
        self.progress_text.setText("Done.")
        self.open_button.setEnabled(True)
        self.open_button.setFocus()
        if self.open_when_done.isChecked():
            self.open_folder()

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self._set_running(False)
        if isinstance(error, ExportCancelled):
            self.progress.setValue(0)
            self.progress_text.setText("")
            set_message(self.result, "Export cancelled; no report files were kept.", "problem")
            return
        self.progress_text.setText("")
        set_message(self.result, "The report was not exported.", "problem")
        self.show_error(error)

    def _set_running(self, running: bool) -> None:
        permit(self.export_button, self.ctx.actor, "export", not running)
        self.cancel_button.setEnabled(running)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running or self.progress.value() > 0)
        for widget in (
            self.report,
            self.period,
            self.start,
            self.end,
            self.pdf,
            self.csv,
            self.choose,
        ):
            widget.setEnabled(not running)

    def open_folder(self) -> None:
        if self.last_folder is not None:
            desktop.open_path(self.last_folder)

    @property
    def running(self) -> bool:
        return self.job is not None
