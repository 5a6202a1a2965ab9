"""Recalls: enter a notice, see the stock it quarantined and the sessions it reaches.

Entering a notice quarantines every matching unit still on the shelf in the same
transaction; the trace lists each session (client, practitioner, time) that already
used an affected unit, and exports as CSV for calling the clients back. The affected
clients list says who was told, when, how and by whom, and records each contact; the
stock still held goes back to the supplier in one step, and closing the notice keeps
who closed it, when, and the note (an RMA number, say) for the inspector.

A client reference is shown only to a role that holds the clinic's data key
(sterility.clients.shown); anyone else sees "(hidden)" and picks the client by session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QItemSelection, Qt, QTime, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
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
from sterility import holds, recall_contacts, recalls
from sterility.holds import HoldResult
from sterility.models import CONTACT_METHODS
from sterility.recall_contacts import METHOD_WORDS, AffectedClient, Contact
from sterility.recalls import RecallInfo, RecallResult, RecallStock, TraceRow
from ui import desktop, fmt, style
from ui.access import permit
from ui.context import AppContext
from ui.dialogs import ReasonDialog, RecallDialog, SavingDialog
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
    stock: RecallStock
    clients: list[AffectedClient]
    now: datetime
    """The ledger's clock when read: a contact's time defaults to it, never later."""

    @property
    def on_hand(self) -> int:
        """Units of the recall still here (quarantined, or in stock), to send back."""
        return self.stock["quarantined"] + self.stock["in_stock"]


def contact_words(contact: Contact | None, tz: ZoneInfo | None) -> str:
    """'2026-03-10 14:05 +10:00, phone call, by Sam' (and whether they were reached)."""
    if contact is None:
        return ""
    reached = "" if contact.reached else " (not reached)"
    return (
        f"{fmt.local_time(contact.contacted_at, tz)}, {contact.method_words}{reached}, "
        f"by {contact.recorded_by}"
    )


class ContactDialog(SavingDialog):
    """Record that an affected client was told of a recall (or that it was tried)."""

    def __init__(
        self,
        client: AffectedClient,
        recall: RecallInfo,
        now: datetime,
        tz: ZoneInfo | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Record a contact for recall {recall.reference}", "Record contact", parent
        )
        self.client_label = named(QLabel(client.client), "Client")
        self.session = named(QComboBox(), "Session", "One of the client's affected sessions")
        for session_id in reversed(client.sessions):
            self.session.addItem(f"Session {session_id}", session_id)
        self.method = named(QComboBox(), "How", "How the client was contacted")
        for method in CONTACT_METHODS:
            self.method.addItem(METHOD_WORDS.get(method, method).capitalize(), method)
        self.reached = named(
            QCheckBox("The client was reached and told"),
            "Reached",
            "Untick when the call went unanswered or the letter came back",
        )
        self.reached.setChecked(True)
        # The clinic's wall clock, whatever this computer's zone: shown and read as typed.
        local = now.astimezone(tz) if tz is not None else now
        # (held as UTC digits, so no daylight-saving gap of this computer shifts them)
        wall = QTimeZone(b"UTC")
        shown = QDateTime(
            QDate(local.year, local.month, local.day), QTime(local.hour, local.minute), wall
        )
        self.when = named(QDateTimeEdit(), "When", "The clinic's local time of the contact")
        self.when.setTimeZone(wall)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setDateTime(shown)
        self.when.setMaximumDateTime(shown)
        self.note = named(QLineEdit(), "Note", "What was said or agreed (optional)")
        when_row = QHBoxLayout()
        when_row.addWidget(self.when, 1)
        when_row.addWidget(QLabel(f"clinic time ({fmt.local_time(now, tz).split(' ')[-1]})"))
        form = QFormLayout()
        form.addRow("Client", self.client_label)
        form.addRow("&Session", self.session)
        form.addRow("&How", self.method)
        form.addRow("", self.reached)
        form.addRow("&When", when_row)
        form.addRow("&Note", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                f"{recall.reference}: this client was treated with a recalled unit "
                f"({client.uses} use{'s' if client.uses != 1 else ''}). The contact goes on "
                "the audit trail and in the compliance report."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(500)

    def values(self) -> dict[str, object]:
        picked = self.when.dateTime()
        day, time = picked.date(), picked.time()
        return {
            "session_id": int(self.session.currentData()),
            "method": str(self.method.currentData()),
            "reached": self.reached.isChecked(),
            "note": self.note.text(),
            # The clinic's wall clock, as typed: the domain reads it in the clinic's zone.
            "contacted_at": datetime(
                day.year(), day.month(), day.day(), time.hour(), time.minute()
            ),
        }


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
            "Close recall…",
            "Close recall",
            "Close a handled notice with a note (an RMA number, say); who and when are kept",
        )
        self.close_button.clicked.connect(self.close_recall)
        self.return_button = button(
            "Return stock to supplier…",
            "Return stock to supplier",
            "Send the recall's units still here back to the supplier (asks for the RMA)",
        )
        self.return_button.clicked.connect(self.return_stock)
        self.clients_model = RowsModel(
            [
                Col("Client", lambda c: c.client),
                Col("Sessions", lambda c: ", ".join(str(n) for n in c.sessions)),
                Col("Uses", lambda c: c.uses, right=True),
                Col("Last used", lambda c: c.last_used, lambda v: fmt.local_time(v, self.tz)),
                Col(
                    "Contacted",
                    lambda c: "yes" if c.contacted else "not yet",
                    colour=lambda c: None if c.contacted else style.REFUSED_RED,
                ),
                Col(
                    "Last contact",
                    lambda c: contact_words(c.last_contact, self.tz),
                    tooltip=lambda c: "\n".join(
                        contact_words(x, self.tz) + (f": {x.note}" if x.note else "")
                        for x in c.contacts
                    )
                    or None,
                ),
                Col("Note", lambda c: c.last_contact.note if c.last_contact else ""),
            ],
            self,
        )
        self.clients = table(self.clients_model, "Affected clients")
        fit_columns(self.clients, 6)
        self.clients.selectionModel().selectionChanged.connect(
            lambda *_args: self._update_buttons()
        )
        self.clients.doubleClicked.connect(lambda _index: self.record_contact())
        self.contact_button = button(
            "Record contact…",
            "Record contact",
            "Record that the selected client was told of the recall (or that it was tried)",
        )
        self.contact_button.clicked.connect(self.record_contact)
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

        clients_box = QWidget()
        clients_layout = QVBoxLayout(clients_box)
        clients_layout.setContentsMargins(0, 0, 0, 0)
        clients_layout.addWidget(section("Affected clients: who was told, when, how, by whom"))
        clients_layout.addWidget(self.clients)
        lower = QSplitter(Qt.Orientation.Vertical)
        lower.addWidget(lists)
        lower.addWidget(clients_box)
        lower.setSizes([260, 200])
        lower.setChildrenCollapsible(False)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.summary)
        detail_layout.addWidget(self.notice)
        detail_layout.addWidget(lower, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.contact_button)
        buttons.addWidget(self.return_button)
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
                stock = recalls.recall_stock(conn, info.id)
                affected = recall_contacts.affected_clients(conn, info.id, keys)
                return RecallDetail(
                    info, held, trace, serials, stock, affected, db.now(conn)
                )

        self.run(read, self._show_detail, label="recall detail")

    def _show_detail(self, detail: RecallDetail | None) -> None:
        self.detail = detail
        chosen = self._chosen_client()
        if detail is None:
            self.notice.clear()
            self.summary.setText("Select a recall to see its stock and trace.")
            self.quarantined_model.set_rows([])
            self.trace_model.set_rows([])
            self.clients_model.set_rows([])
        else:
            self.summary.setText(self._summary(detail))
            self.notice.setPlainText(detail.recall.notice_text)
            self.quarantined_model.set_rows(detail.quarantined)
            self.trace_model.set_rows(detail.trace)
            self.clients_model.set_rows(detail.clients)
            keep = next(
                (n for n, c in enumerate(detail.clients) if chosen and c.sessions == chosen),
                0 if detail.clients else None,
            )
            if keep is not None:
                self.clients.selectRow(keep)
        self._update_buttons()

    def _summary(self, detail: RecallDetail) -> str:
        recall, units = detail.recall, detail.stock
        lots = ", ".join(recall.lots) or "serials only"
        if recall.closed_at is None:
            state = "Open."
        else:
            state = (
                f"Closed {fmt.local_time(recall.closed_at, self.tz)} by {recall.closed_by}: "
                f"{recall.close_note}"
            )
        waiting = sum(1 for c in detail.clients if not c.contacted)
        told = (
            f"{len(detail.clients)} affected client{'s' if len(detail.clients) != 1 else ''}, "
            f"{waiting} not yet contacted."
        )
        return (
            f"Recall {recall.id}, notice {recall.reference} of {recall.notice_date.isoformat()} "
            f"against GTIN {recall.gtin}, lots {lots}. {state}\n"
            f"{units.received} units received here: {units['used']} used, "
            f"{units['quarantined']} in quarantine, {units['returned']} returned to the "
            f"supplier, {units['wasted']} wasted, {units['in_stock']} in stock. {told}"
        )

    def _chosen_client(self) -> list[int] | None:
        """The selected affected client (by their sessions), kept across a reload."""
        rows = self.clients.selectionModel().selectedRows()
        if not rows:
            return None
        client: AffectedClient = self.clients_model.row(rows[0].row())
        return client.sessions

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
        permit(
            self.return_button, actor, "holds", self.detail is not None and self.detail.on_hand > 0
        )
        permit(
            self.contact_button,
            actor,
            "recall_contacts",
            self.detail is not None and self._chosen_client() is not None,
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

    # -- telling clients, and sending stock back

    def record_contact(self) -> None:
        if not self.contact_button.isEnabled() or self.detail is None:
            return
        rows = self.clients.selectionModel().selectedRows()
        if not rows:
            return
        client: AffectedClient = self.clients_model.row(rows[0].row())
        recall = self.detail.recall
        dialog = ContactDialog(client, recall, self.detail.now, self.tz, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            values = dialog.values()
            self.run(
                lambda: recall_contacts.record_contact(
                    db, recall.id, by=actor, **values  # type: ignore[arg-type]
                ),
                lambda contact_id: self._contacted(dialog, recall.id, contact_id),
                lambda error: self._dialog_failed(dialog, error),
                label="record contact",
            )

        dialog.submitted.connect(save)
        dialog.open()

    def _contacted(self, dialog: ContactDialog, recall_id: int, contact_id: int) -> None:
        dialog.done_saving()
        set_message(
            self.result, f"Contact {contact_id} recorded for recall {recall_id}.", "success"
        )
        self._select_after_load = recall_id
        self.changed.emit()
        self.activated()

    def return_stock(self) -> None:
        if not self.return_button.isEnabled() or self.detail is None:
            return
        detail = self.detail
        recall = detail.recall
        dialog = ReasonDialog(
            title=f"Return the stock of recall {recall.reference}",
            prompt=f"{detail.on_hand} unit{'s' if detail.on_hand != 1 else ''} of this recall "
            "are still here. They go back to the supplier together and can never be used or "
            "released. Give the supplier's return number (RMA) or the reason.",
            action="Return to supplier",
            suggestions=_return_suggestions(recall.reference),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def confirmed() -> None:
            reason = dialog.reason()
            self.run(
                lambda: holds.return_recall_stock(db, recall.id, reason=reason, by=actor),
                lambda result: self._returned(recall.id, result),
                label="return stock",
            )

        dialog.accepted.connect(confirmed)
        dialog.open()

    def _returned(self, recall_id: int, result: HoldResult) -> None:
        n = len(result.changed)
        set_message(
            self.result,
            f"{n} unit{'s' if n != 1 else ''} of recall {recall_id} returned to the supplier.",
            "success",
        )
        self._select_after_load = recall_id
        self.changed.emit()
        self.activated()


def _return_suggestions(reference: str) -> Sequence[str]:
    return [f"Returned to the supplier under recall {reference}, RMA "]
