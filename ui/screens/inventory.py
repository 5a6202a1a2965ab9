"""Inventory: every unit and lot, filtered and sorted in SQL, fetched as you scroll.

Quarantine, release, waste and return to the supplier work on the selected units (or
whole lots) and always ask for a reason (for a return, the supplier's RMA number).
With a million units the tables stay smooth: only the visible pages are read, on the
worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inventory import catalog
from inventory.access import Actor
from inventory.catalog import ProductInfo
from inventory.errors import LedgerError
from inventory.models import UNIT_STATUSES
from inventory.stock import EXPIRY_WINDOWS
from inventory.text import counted
from reports.labels import LabelSheet, write_unit_labels
from sterility import holds
from ui import desktop, fmt
from ui.access import permit, who_can
from ui.context import AppContext
from ui.dialogs import REASONS, ReasonDialog
from ui.models.lots import LotsModel
from ui.models.paged import PagedQueryModel
from ui.models.units import UnitsModel
from ui.screens.base import Screen
from ui.widgets import button, hint, message, named, set_message, set_widths, table, title

MOVES: dict[str, Callable[..., holds.HoldResult]] = {
    "quarantine": holds.quarantine,
    "release": holds.release,
    "waste": holds.waste,
    "return": holds.return_to_supplier,
}
PAST = {
    "quarantine": "Quarantined",
    "release": "Released",
    "waste": "Wasted",
    "return": "Returned",
}
WHERE = {"return": " to the supplier"}  # said after the verb: "returned to the supplier"
RETURN_REASONS = ["wrong product delivered, RMA ", "recall, RMA ", "damaged in transit, RMA "]
FILTER_DELAY_MS = 300


@dataclass
class HoldSummary:
    """What a quarantine, release or waste of several targets did, target by target."""

    action: str
    changed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    errors: list[LedgerError] = field(default_factory=list)


def apply_holds(
    db: Any, action: str, targets: list[tuple[str, str | None]], reason: str, by: Actor
) -> HoldSummary:
    """On the worker thread: one transaction per target (a unit code, or a lot with GTIN)."""
    summary = HoldSummary(action)
    for target, gtin in targets:
        try:
            result = MOVES[action](db, target, reason=reason, by=by, gtin=gtin)
        except LedgerError as error:
            summary.errors.append(error)
            summary.skipped[target] = error.message
            continue
        summary.changed.extend(result.changed)
        summary.skipped.update(result.skipped)
    return summary


class InventoryScreen(Screen):
    title = "Inventory"
    icon_name = "inventory"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.products: list[ProductInfo] = []
        self.gated: list[tuple[Any, str]] = []
        """(button or menu action, capability): enabled by the signed-in person's role."""
        self.units_model = UnitsModel(ctx.db, ctx.worker, self)
        self.lots_model = LotsModel(ctx.db, ctx.worker, self)

        self.product = named(QComboBox(), "Product filter")
        self.product.addItem("All products", None)
        self.needle = named(QComboBox(), "Needle length filter")
        self.needle.addItem("All lengths", None)
        self.lot = named(QLineEdit(), "Lot filter", "Lots whose number contains this text")
        self.lot.setPlaceholderText("Lot contains…")
        self.lot.setClearButtonEnabled(True)
        self.status = named(QComboBox(), "Status filter")
        self.status.addItem("All statuses", None)
        for status in UNIT_STATUSES:
            self.status.addItem(fmt.status(status), status)
        # Opens on what is on the shelf: used units outnumber it within weeks.
        self.status.setCurrentIndex(self.status.findData("in_stock"))
        self.expiry = named(QComboBox(), "Expiry filter")
        for key, text in EXPIRY_WINDOWS.items():
            self.expiry.addItem(text, key or None)
        self.clear = button("Clear filters", "Clear filters")
        self.clear.clicked.connect(self.clear_filters)
        for combo in (self.product, self.needle, self.status, self.expiry):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.lot_timer = QTimer(self)
        self.lot_timer.setSingleShot(True)
        self.lot_timer.setInterval(FILTER_DELAY_MS)
        self.lot_timer.timeout.connect(self.apply_filters)
        self.lot.textEdited.connect(lambda _t: self.lot_timer.start())
        self.lot.returnPressed.connect(self.apply_filters)

        filters = QGridLayout()
        for column, (text, widget, stretch) in enumerate(
            (
                ("&Product", self.product, 3),
                ("&Needle length", self.needle, 1),
                ("&Lot", self.lot, 2),
                ("&Status", self.status, 1),
                ("&Expiry", self.expiry, 2),
            )
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label, 0, column)
            filters.addWidget(widget, 1, column)
            filters.setColumnStretch(column, stretch)
        filters.addWidget(self.clear, 1, 5)

        self.units = table(self.units_model, "Units table", multi=True)
        set_widths(self.units, [8, 8, 24, 7, 14, 8, 10, 10, 21])
        self.lots = table(self.lots_model, "Lots table", multi=True)
        set_widths(self.lots, [10, 26, 15, 8, 11, 9, 11, 8, 8])
        self.tabs = named(QTabWidget(), "Inventory tables")
        self.tabs.addTab(self._tab(self.units, self.units_model, "units"), "Units")
        self.tabs.addTab(self._tab(self.lots, self.lots_model, "lots"), "Lots")
        self.tabs.currentChanged.connect(self._tab_changed)

        self.count = hint("", "Rows shown")
        self.count.setWordWrap(False)
        self.result = message("Inventory result")
        for model in (self.units_model, self.lots_model):
            model.total_changed.connect(lambda _t: self._update_count())
            model.loading_changed.connect(lambda _l: self._update_count())

        head = QHBoxLayout()
        head.addWidget(title(self.title))
        head.addStretch(1)
        head.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(filters)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.result)
        self._loaded_once = False

    def _tab(self, view: QTableView, model: PagedQueryModel, kind: str) -> QWidget:
        page = QWidget()
        actions = QHBoxLayout()
        word = "units" if kind == "units" else "lots"
        for action, text, icon_name in (
            ("quarantine", "Quarantine…", "quarantine"),
            ("release", "Release…", "release"),
            ("waste", "Waste…", "waste"),
            ("return", "Return…", ""),
        ):
            name = f"{action.capitalize()} selected {word}"
            widget = button(text, name, name + " (asks for a reason)", icon_name)
            widget.clicked.connect(lambda _c=False, a=action, k=kind: self.hold(a, k))
            actions.addWidget(widget)
            menu_action = QAction(text, view)
            menu_action.triggered.connect(lambda _c=False, a=action, k=kind: self.hold(a, k))
            view.addAction(menu_action)
            capability = _capability(action, kind)
            self.gated += [(widget, capability), (menu_action, capability)]
        if kind == "units":
            labels = button(
                "Print labels",
                "Print labels for selected units",
                "A PDF label sheet (Ctrl+P)",
                "print",
            )
            labels.clicked.connect(self.print_labels)
            actions.addWidget(labels)
            self.gated.append((labels, "labels"))
        actions.addStretch(1)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 6, 0, 0)
        box.addWidget(view, 1)
        box.addLayout(actions)
        return page

    def actor_changed(self) -> None:
        for control, capability in self.gated:
            permit(control, self.ctx.actor, capability)

    # -- loading and filtering

    def enter(self, filters: dict[str, Any] | None = None) -> None:
        self._load_products()
        if filters:
            self.apply(filters)
        else:
            self.activated()

    def activated(self) -> None:
        self._load_products()
        if not self._loaded_once:
            self._loaded_once = True
            self.apply_filters()
        else:
            self.current_model().reload()

    def _load_products(self) -> None:
        db = self.ctx.db

        def read() -> list[ProductInfo]:
            with db.read() as conn:
                return catalog.list_products(conn)

        self.run(read, self._products_loaded, label="products")

    def _products_loaded(self, products: list[ProductInfo]) -> None:
        self.products = products
        for combo in (self.product, self.needle):
            combo.blockSignals(True)
        chosen_product, chosen_needle = self.product.currentData(), self.needle.currentData()
        self.product.clear()
        self.product.addItem("All products", None)
        for product in products:
            self.product.addItem(f"{product.name} ({product.needle_length_mm} mm)", product.id)
        self.needle.clear()
        self.needle.addItem("All lengths", None)
        for um in sorted({p.needle_length_um for p in products}):
            self.needle.addItem(fmt.mm(um), um)
        _select_data(self.product, chosen_product)
        _select_data(self.needle, chosen_needle)
        for combo in (self.product, self.needle):
            combo.blockSignals(False)

    def filters(self) -> dict[str, Any]:
        return {
            "product_id": self.product.currentData(),
            "needle_um": self.needle.currentData(),
            "lot_contains": self.lot.text().strip(),
            "status": self.status.currentData(),
            "expiry": self.expiry.currentData(),
        }

    def apply_filters(self) -> None:
        self.lot_timer.stop()
        filters = self.filters()
        current = self.current_model()
        for model in (self.units_model, self.lots_model):
            model.set_filters(load=model is current, **filters)
        self._update_count()

    def apply(self, filters: dict[str, Any]) -> None:
        """A click-through from the dashboard: exactly these filters, on the units table."""
        combos = (self.product, self.needle, self.status, self.expiry)
        for combo in combos:
            combo.blockSignals(True)
        if "product_id" in filters and self.product.findData(filters["product_id"]) < 0:
            self.product.addItem(f"Product {filters['product_id']}", filters["product_id"])
        _select_data(self.product, filters.get("product_id"))
        _select_data(self.needle, filters.get("needle_um"))
        _select_data(self.status, filters.get("status"))
        _select_data(self.expiry, filters.get("expiry"))
        self.lot.setText(str(filters.get("lot_contains", "")))
        for combo in combos:
            combo.blockSignals(False)
        self.tabs.blockSignals(True)
        self.tabs.setCurrentIndex(0)
        self.tabs.blockSignals(False)
        self._loaded_once = True
        self.apply_filters()

    def clear_filters(self) -> None:
        self.apply({})

    def focus_search(self) -> None:
        self.lot.setFocus()
        self.lot.selectAll()

    def _tab_changed(self, _index: int) -> None:
        self.current_model().ensure_loaded()
        self._update_count()

    def current_model(self) -> PagedQueryModel:
        return self.units_model if self.tabs.currentIndex() == 0 else self.lots_model

    def current_view(self) -> QTableView:
        return self.units if self.tabs.currentIndex() == 0 else self.lots

    def _update_count(self) -> None:
        model = self.current_model()
        noun = "units" if model is self.units_model else "lots"
        if model.total is None:
            self.count.setText(f"Counting {noun}…")
        else:
            self.count.setText(f"{model.total:,} {noun} match the filters")

    # -- quarantine, release, waste

    def selected_rows(self, view: QTableView) -> list[int]:
        return sorted({index.row() for index in view.selectionModel().selectedRows()})

    def hold(self, action: str, kind: str) -> None:
        capability = _capability(action, kind)
        if not self.ctx.actor.can(capability):
            set_message(self.result, who_can(capability), "problem")
            return
        view, model = (
            (self.units, self.units_model) if kind == "units" else (self.lots, self.lots_model)
        )
        rows = self.selected_rows(view)
        if not rows:
            set_message(self.result, f"Select one or more {kind} first.", "problem")
            return
        if kind == "units":
            targets: list[tuple[str, str | None]] = [
                (model.row_data(r).code, model.row_data(r).gtin) for r in rows
            ]
            keys = [model.key_of(r) for r in rows]
            what = f"unit {targets[0][0]}" if len(targets) == 1 else f"{len(targets)} units"
        else:
            targets = [(model.row_data(r).lot, model.row_data(r).gtin) for r in rows]
            keys = []
            what = f"lot {targets[0][0]}" if len(targets) == 1 else f"{len(targets)} lots"
        verb = action.capitalize()
        dialog = ReasonDialog(
            title=f"{verb} {what}",
            prompt=f"Why {'are' if len(targets) > 1 else 'is'} {what} to be "
            f"{PAST[action].lower()}{WHERE.get(action, '')}? The reason goes on the audit trail.",
            action=verb,
            suggestions=REASONS.get(action, RETURN_REASONS),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def confirmed() -> None:
            reason = dialog.reason()
            self.run(
                lambda: apply_holds(db, action, targets, reason, actor),
                lambda summary: self._held(summary, kind, keys),
                label=action,
            )

        dialog.accepted.connect(confirmed)
        dialog.finished.connect(lambda _r: view.setFocus())
        dialog.open()

    def _held(self, summary: HoldSummary, kind: str, keys: list[Any]) -> None:
        changed, skipped = summary.changed, summary.skipped
        if not changed and len(summary.errors) == 1:
            self.show_error(summary.errors[0])
        text = f"{PAST[summary.action]} {len(changed)} unit{'s' if len(changed) != 1 else ''}"
        text += WHERE.get(summary.action, "")
        if changed:
            text += (
                ": "
                + ", ".join(changed[:8])
                + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
            )
        text += "."
        if skipped:
            first = next(iter(skipped.items()))
            text += f" {len(skipped)} left as they were ({first[0]} {first[1]})."
        set_message(self.result, text, "success" if changed else "problem")
        if kind == "units":
            self.units_model.refresh_keys(keys)
        else:
            self.lots_model.reload()
        self.changed.emit()

    # -- labels

    def print_labels(self) -> None:
        if not self.ctx.actor.can("labels"):
            set_message(self.result, who_can("labels"), "problem")
            return
        rows = self.selected_rows(self.units)
        if self.tabs.currentIndex() != 0 or not rows:
            set_message(self.result, "Select the units to label first.", "problem")
            return
        codes = [self.units_model.row_data(r).code for r in rows]
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        path = self.ctx.data_dir / "labels" / f"units-{stamp}.pdf"
        db = self.ctx.db
        self.run(
            lambda: write_unit_labels(db, path, codes=codes), self._labels_written, label="labels"
        )

    def _labels_written(self, sheet: LabelSheet) -> None:
        set_message(
            self.result,
            f"Labels for {counted(sheet.labels, 'unit')} saved to {sheet.path}.",
            "success",
        )
        desktop.open_path(sheet.path)


def _capability(action: str, kind: str) -> str:
    """A practitioner may hold back one unit; lots, releases and waste are a manager's."""
    return "quarantine_unit" if (action, kind) == ("quarantine", "units") else "holds"


def _select_data(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value) if value is not None else 0
    combo.setCurrentIndex(max(index, 0))
