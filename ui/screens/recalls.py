"""Recalls: enter a notice, see the stock it quarantined and the sessions it reaches.

Entering a notice quarantines every matching unit still on the shelf in the same
transaction; the trace lists each session (client, practitioner, time) that already
used an affected unit, and exports as CSV for calling the clients back.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inventory import catalog
from inventory.catalog import ProductInfo
from inventory.clock import local_date
from inventory.settings import clinic_tz
from inventory.stock import UnitRow
from reports.trace_csv import write_trace_csv
from sterility import recalls
from sterility.recalls import RecallInfo, RecallResult, TraceRow
from ui import desktop, fmt, style
from ui.access import permit
from ui.context import AppContext
from ui.dialogs import ReasonDialog, RecallDialog
from ui.models.rows import Col, RowsModel
from ui.screens.base import Screen
from ui.widgets import (
    button,
    fit_columns,
    hint,
    message,
    named,
    section,
    set_message,
    table,
    title,
)


@dataclass(frozen=True)
class RecallDetail:
    recall: RecallInfo
    quarantined: list[UnitRow]
    trace: list[TraceRow]
    serials: list[str]


class RecallsScreen(Screen):
    title = "Recalls"
    icon_name = "recalls"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.tz: ZoneInfo | None = None
        self.detail: RecallDetail | None = None
        self._select_after_load: int | None = None
        self._dialog: RecallDialog | None = None

        self.new_button = button(
            "Enter a recall notice…",
            "Enter a recall notice",
            "Record a notice; matching stock is quarantined at once",
            "recalls",
            True,
        )
        self.new_button.clicked.connect(self.new_recall)
        self.recalls_model = RowsModel(
            [
                Col("#", lambda r: r.id, right=True),
                Col("Reference", lambda r: r.reference),
                Col("GTIN", lambda r: r.gtin),
                Col("Lots", lambda r: ", ".join(r.lots)),
                Col("Notice date", lambda r: r.notice_date, fmt.day),
                Col("Entered", lambda r: r.entered_at, lambda v: fmt.local_time(v, self.tz)),
                Col(
                    "Status",
                    lambda r: "open" if r.closed_at is None else "closed",
                    colour=lambda r: style.REFUSED_RED if r.closed_at is None else style.MUTED,
                ),
            ],
            self,
        )
        self.recalls = table(self.recalls_model, "Recalls table")
        fit_columns(self.recalls, 3)
        self.recalls.selectionModel().selectionChanged.connect(self._selected)

        self.notice = named(QPlainTextEdit(), "Notice text")
        self.notice.setReadOnly(True)
        self.notice.setMaximumHeight(90)
        self.summary = hint("Select a recall to see its stock and trace.", "Recall summary")
        self.quarantined_model = RowsModel(
            [
                Col("Unit", lambda r: r.code),
                Col("Serial", lambda r: r.serial),
                Col("Lot", lambda r: r.lot),
                Col("Expiry", lambda r: r.expiry, fmt.day),
                Col("Reason", lambda r: r.status_reason),
            ],
            self,
        )
        self.quarantined = table(self.quarantined_model, "Quarantined stock")
        fit_columns(self.quarantined, 4)
        self.trace_model = RowsModel(
            [
                Col("Session", lambda r: r.session_id, right=True),
                Col("Used at", lambda r: r.used_at, lambda v: fmt.local_time(v, self.tz)),
                Col("Practitioner", lambda r: r.practitioner),
                Col("Client", lambda r: r.client_ref),
                Col("Area", lambda r: r.area),
                Col("Unit", lambda r: r.unit_code),
                Col("Lot", lambda r: r.lot),
            ],
            self,
        )
        self.trace = table(self.trace_model, "Affected sessions")
        fit_columns(self.trace, 2)
        self.export_button = button(
            "Export trace (CSV)…",
            "Export trace",
            "Save the affected sessions as a CSV file",
            "export",
        )
        self.export_button.clicked.connect(self.export_trace)
        self.close_button = button(
            "Close recall…", "Close recall", "Close a handled notice with a note"
        )
        self.close_button.clicked.connect(self.close_recall)
        self.result = message("Recall result")

        stock_box = QWidget()
        stock_layout = QVBoxLayout(stock_box)
        stock_layout.setContentsMargins(0, 0, 0, 0)
        stock_layout.addWidget(section("Quarantined stock"))
        stock_layout.addWidget(self.quarantined)
        trace_box = QWidget()
        trace_layout = QVBoxLayout(trace_box)
        trace_layout.setContentsMargins(0, 0, 0, 0)
        trace_layout.addWidget(section("Affected sessions (clients to call back)"))
        trace_layout.addWidget(self.trace)
        lists = QSplitter(Qt.Orientation.Horizontal)
        lists.addWidget(stock_box)
        lists.addWidget(trace_box)
        lists.setSizes([380, 620])
        lists.setChildrenCollapsible(False)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.summary)
        detail_layout.addWidget(self.notice)
        detail_layout.addWidget(lists, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        detail_layout.addLayout(buttons)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.recalls)
        split.addWidget(detail)
        split.setSizes([130, 530])
        split.setChildrenCollapsible(False)

        head = QHBoxLayout()
        head.addWidget(title(self.title))
        head.addStretch(1)
        head.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(split, 1)
        layout.addWidget(self.result)
        self._update_buttons()

    # -- the list

    def activated(self) -> None:
        db = self.ctx.db

        def read() -> tuple[ZoneInfo, list[RecallInfo]]:
            with db.read() as conn:
                return clinic_tz(conn), recalls.list_recalls(conn)

        self.run(read, self._loaded, label="recalls")

    def apply(self, filters: dict[str, object]) -> None:
        recall_id = filters.get("recall")
        if isinstance(recall_id, int):
            self._select_after_load = recall_id

    def _loaded(self, data: tuple[ZoneInfo, list[RecallInfo]]) -> None:
        self.tz, rows = data
        chosen = self._select_after_load or (self.detail.recall.id if self.detail else None)
        self._select_after_load = None
        self.recalls_model.set_rows(rows)
        target = next((n for n, r in enumerate(rows) if r.id == chosen), 0 if rows else None)
        if target is not None:
            self.recalls.selectRow(target)
        else:
            self._show_detail(None)

    def _selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.recalls.selectionModel().selectedRows()
        if not rows:
            self._show_detail(None)
            return
        info: RecallInfo = self.recalls_model.row(rows[0].row())
        db, keys = self.ctx.db, self.ctx.actor.keys

        def read() -> RecallDetail:
            with db.read() as conn:
                serials = recalls.recall_serials(conn, info.id)
                held = recalls.recalled_units(conn, info.id, status="quarantined")
                trace = recalls.recall_trace(conn, info.id, keys)
                return RecallDetail(info, held, trace, serials)

        self.run(read, self._show_detail, label="recall detail")

    def _show_detail(self, detail: RecallDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.notice.clear()
            self.summary.setText("Select a recall to see its stock and trace.")
            self.quarantined_model.set_rows([])
            self.trace_model.set_rows([])
        else:
            recall = detail.recall
            state = "open" if recall.closed_at is None else f"closed: {recall.close_note}"
            self.summary.setText(
                f"Recall {recall.id}, notice {recall.reference} of "
                f"{recall.notice_date.isoformat()} against GTIN {recall.gtin}, "
                f"lots {', '.join(recall.lots)} ({state}). "
                f"{len(detail.quarantined)} units in quarantine; {len(detail.trace)} uses to trace."
            )
            self.notice.setPlainText(recall.notice_text)
            self.quarantined_model.set_rows(detail.quarantined)
            self.trace_model.set_rows(detail.trace)
        self._update_buttons()

    def actor_changed(self) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        actor = self.ctx.actor
        permit(self.new_button, actor, "recalls")
        # The trace names clients: exporting it is exporting client names.
        permit(self.export_button, actor, "client_names", self.detail is not None)
        permit(
            self.close_button,
            actor,
            "recalls",
            self.detail is not None and self.detail.recall.closed_at is None,
        )

    # -- entering a notice

    def new_recall(self) -> None:
        if not self.new_button.isEnabled():
            return
        db = self.ctx.db

        def read() -> tuple[list[ProductInfo], object]:
            with db.read() as conn:
                tz = clinic_tz(conn)
                return catalog.list_products(conn), local_date(db.now(conn), tz)

        self.run(read, lambda data: self._open_dialog(*data), label="products")

    def _open_dialog(self, products: list[ProductInfo], today: object) -> None:
        dialog = RecallDialog(products, today, self)  # type: ignore[arg-type]
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def load_lots() -> None:
            gtin = dialog.product.currentData()

            def read() -> list[str]:
                with db.read() as conn:
                    return catalog.lot_numbers(conn, gtin)

            self.run(read, dialog.set_lots, label="lots")

        def save() -> None:
            values = dialog.values()
            if not values["lots"]:
                dialog.show_problem("Tick at least one lot, or type it under Other lots.")
                return
            self.run(
                lambda: recalls.enter_recall(db, by=actor, **values),  # type: ignore[arg-type]
                lambda result: self._entered(dialog, result),
                lambda error: self._dialog_failed(dialog, error),
                label="enter recall",
            )

        dialog.product.currentIndexChanged.connect(lambda _i: load_lots())
        dialog.submitted.connect(save)
        self._dialog = dialog
        if products:
            load_lots()
        dialog.open()

    def _entered(self, dialog: RecallDialog, result: RecallResult) -> None:
        dialog.done_saving()
        self._dialog = None
        set_message(
            self.result,
            f"Recall {result.recall_id} ({result.reference}) entered: "
            f"{len(result.quarantined)} units on the shelf quarantined; "
            f"{len(result.trace)} uses already made are listed below.",
            "success",
        )
        self._select_after_load = result.recall_id
        self.changed.emit()
        self.activated()

    def _dialog_failed(self, dialog: RecallDialog, error: BaseException) -> None:
        from inventory.errors import LedgerError

        if isinstance(error, LedgerError):
            dialog.show_problem(error.message)
        else:
            dialog.show_problem("The recall could not be saved.")
            self.show_error(error)

    # -- trace export and closing

    def export_trace(self) -> None:
        if self.detail is None or not self.export_button.isEnabled():
            return
        detail, tz = self.detail, self.tz
        safe_ref = "".join(c if c.isalnum() or c in "-_" else "_" for c in detail.recall.reference)
        suggested = self.ctx.data_dir / "exports" / f"recall-{safe_ref}-trace.csv"
        path = desktop.ask_save_path(
            self, "Export the recall trace", suggested, "CSV files (*.csv)"
        )
        if path is None:
            return
        self.run(
            lambda: (path, write_trace_csv(path, detail.trace, tz)),
            lambda done: set_message(
                self.result, f"Trace of {done[1]} uses saved to {done[0]}.", "success"
            ),
            label="export trace",
        )

    def close_recall(self) -> None:
        if not self.close_button.isEnabled() or self.detail is None:
            return
        recall = self.detail.recall
        dialog = ReasonDialog(
            title=f"Close recall {recall.reference}",
            prompt="How was the notice handled? The note stays with the recall; its units "
            "stay blocked at the chair.",
            action="Close recall",
            suggestions=["Stock returned to the supplier; affected clients contacted"],
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def confirmed() -> None:
            note = dialog.reason()
            self.run(
                lambda: recalls.close_recall(db, recall.id, note=note, by=actor),
                lambda _none: self._closed(recall.id),
                label="close recall",
            )

        dialog.accepted.connect(confirmed)
        dialog.open()

    def _closed(self, recall_id: int) -> None:
        set_message(self.result, f"Recall {recall_id} closed.", "success")
        self._select_after_load = recall_id
        self.changed.emit()
        self.activated()
