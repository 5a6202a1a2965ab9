"""Receiving a delivery: scan each box, check what was read, then save all units in one step.

Every scan is parsed at once and its fields (GTIN, product, lot, expiry, serial) are shown
before anything is saved; problems the ledger would refuse (an unknown product, an
expired lot, a second expiry for a lot, a serial already received) are flagged on the
line. "Receive" saves every box as one receipt. Unknown products are added from here,
and unit labels are printed for the units that carry no maker's serial.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inventory import catalog, receiving
from inventory.barcode import Scan, parse_for_receiving
from inventory.catalog import ProductInfo
from inventory.errors import BarcodeUnreadable
from inventory.text import counted
from reports.labels import LabelSheet, write_unit_labels
from ui import desktop, fmt, style
from ui.access import permit, who_can
from ui.context import AppContext
from ui.dialogs import ProductDialog
from ui.models.rows import Col, RowsModel
from ui.scan_field import GS, SHOWN_SEPARATOR, ScanField
from ui.screens.base import Screen
from ui.widgets import (
    ResultLabel,
    breakable,
    button,
    fit_columns,
    hint,
    message,
    named,
    panel,
    section,
    set_message,
    standard_keys,
    table,
    title,
)


@dataclass
class PendingBox:
    """One scanned box waiting to be received, with what the ledger said of it."""

    number: int
    raw: str
    scan: Scan
    check: receiving.BoxCheck | None = None

    @property
    def product(self) -> ProductInfo | None:
        return self.check.product if self.check else None

    @property
    def units(self) -> int | None:
        return self.check.units if self.check else None


class ReceiveScreen(Screen):
    title = "Receive"
    icon_name = "receive"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.boxes: list[PendingBox] = []
        self.receipt: receiving.ReceiptResult | None = None
        self.labels_path: Path | None = None
        self._checks = 0  # the latest preview asked for; older answers are dropped
        self._dialog: ProductDialog | None = None

        self.supplier = named(QLineEdit(), "Supplier")
        self.invoice = named(QLineEdit(), "Invoice")
        self.units = named(
            QSpinBox(),
            "Units per box",
            "Only if the boxes hold a different number of units than the catalogue says",
        )
        self.units.setRange(0, receiving.MAX_UNITS_PER_SCAN)
        self.units.setSpecialValueText("as catalogued")
        self.units.valueChanged.connect(self._recheck)
        self.scan = named(ScanField(prefs=ctx.prefs), "Scan box")
        self.scan.setObjectName("scanField")
        self.scan.setPlaceholderText("Scan the GS1 barcode on each box (or type it, then Enter)")
        self.scan.scanned.connect(self.add_scan)

        self.scan_problem = message("Scan problem")
        self.parsed: dict[str, QLabel] = {}
        parsed_form = QFormLayout()
        for key, text in (
            ("scanned", "Scanned"),
            ("gtin", "GTIN"),
            ("product", "Product"),
            ("lot", "Lot"),
            ("expiry", "Expiry"),
            ("production", "Production date"),
            ("serial", "Serial"),
            ("units", "Units in box"),
            ("creates", "Will create"),
        ):
            label = ResultLabel("—", f"Parsed {text.lower()}")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            if key not in ("scanned", "product"):
                label.setStyleSheet("font-weight: 600;")
            self.parsed[key] = label
            parsed_form.addRow(text, label)
        parsed_panel = panel()
        parsed_box = QVBoxLayout(parsed_panel)
        parsed_box.addWidget(section("Last scan, as read"))
        parsed_box.addLayout(parsed_form)
        parsed_box.addWidget(self.scan_problem)
        parsed_box.addStretch(1)

        self.model = RowsModel(
            [
                Col("#", lambda b: b.number, right=True),
                Col("GTIN", lambda b: b.scan.gtin),
                Col("Product", lambda b: b.product.name if b.product else ""),
                Col("Lot", lambda b: b.scan.lot),
                Col("Expiry", lambda b: b.scan.expiry, fmt.day),
                Col("Serial", lambda b: b.scan.serial),
                Col("Units", lambda b: b.units, right=True),
                Col(
                    "Check",
                    lambda b: self.problem(b) or "OK",
                    colour=lambda b: style.REFUSED_RED if self.problem(b) else style.OK_GREEN,
                ),
            ],
            self,
        )
        self.table = table(self.model, "Boxes to receive", sortable=False)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        fit_columns(self.table, 2)

        self.add_product_button = button(
            "Add product…", "Add product", "Add this GTIN to the catalogue", "add"
        )
        self.add_product_button.clicked.connect(self.add_product)
        self.remove_button = button(
            "Remove box", "Remove box", "Take the selected box off the list (Delete)"
        )
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button = button("Clear list", "Clear list", "Start the list again")
        self.clear_button.clicked.connect(self.clear_boxes)
        self.receive_button = button(
            "Receive",
            "Receive units",
            "Save every box on the list as one receipt (Ctrl+Enter)",
            "receive",
            True,
        )
        self.receive_button.clicked.connect(self.receive)
        self.summary = hint("", "Boxes summary")
        self.role_note = hint("", "Receiving note")
        self.role_note.hide()
        self.result = message("Receipt result")
        self.labels_button = button(
            "Print unit labels",
            "Print unit labels",
            "A PDF sheet of labels for the units without a maker's serial (Ctrl+P)",
            "print",
        )
        self.labels_button.clicked.connect(self.print_labels)
        self.labels_button.setEnabled(False)

        remove_action = QAction("Remove box", self)
        standard_keys(remove_action, QKeySequence.StandardKey.Delete)
        remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove_action.triggered.connect(self.remove_selected)
        self.table.addAction(remove_action)
        receive_action = QAction("Receive", self)
        receive_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        receive_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        receive_action.triggered.connect(self.receive)
        self.addAction(receive_action)

        delivery = QGridLayout()
        for column, (text, widget) in enumerate(
            (
                ("&Supplier", self.supplier),
                ("&Invoice", self.invoice),
                ("&Units per box", self.units),
            )
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            delivery.addWidget(label, 0, column)
            delivery.addWidget(widget, 1, column)
        delivery.setColumnStretch(0, 3)
        delivery.setColumnStretch(1, 2)
        delivery.setColumnStretch(2, 1)

        actions = QHBoxLayout()
        actions.addWidget(self.add_product_button)
        actions.addWidget(self.remove_button)
        actions.addWidget(self.clear_button)
        actions.addStretch(1)
        actions.addWidget(self.summary)
        actions.addWidget(self.receive_button)
        after = QHBoxLayout()
        after.addWidget(self.result, 1)
        after.addWidget(self.labels_button)

        boxes = QVBoxLayout()
        boxes.addWidget(section("Boxes to receive (nothing is saved until you press Receive)"))
        boxes.addWidget(self.table, 1)
        boxes.addLayout(actions)
        middle = QHBoxLayout()
        middle.addWidget(parsed_panel, 2)
        middle.addLayout(boxes, 5)

        layout = QVBoxLayout(self)
        layout.addWidget(title("Receive a delivery"))
        layout.addWidget(self.role_note)
        layout.addLayout(delivery)
        layout.addWidget(self.scan)
        layout.addWidget(
            hint(
                "Scan each box. The group separator shows as a highlighted \u241d; the fields "
                "read from the barcode appear on the left before anything is saved."
            )
        )
        layout.addLayout(middle, 1)
        layout.addLayout(after)
        self.setTabOrder(self.supplier, self.invoice)
        self.setTabOrder(self.invoice, self.units)
        self.setTabOrder(self.units, self.scan)
        self._update_buttons()

    def activated(self) -> None:
        self.scan.setFocus()

    # -- scanning

    def add_scan(self, text: str) -> None:
        """Parse at once (no database needed), show the fields, then check in the ledger."""
        self.parsed["scanned"].setText(breakable(text.replace(GS, SHOWN_SEPARATOR)))
        try:
            scan = parse_for_receiving(text)
        except BarcodeUnreadable as error:
            for key, label in self.parsed.items():
                if key != "scanned":
                    label.setText("—")
            set_message(self.scan_problem, "Not added. " + error.message, "problem")
            return
        set_message(self.scan_problem, "")
        box = PendingBox(len(self.boxes) + 1, text, scan)
        self.boxes.append(box)
        self._show_parsed(box)
        self._recheck()

    def _recheck(self, *_args: object) -> None:
        """Ask the ledger about the whole list: receiving checks boxes in list order."""
        self._checks += 1
        asked, boxes = self._checks, list(self.boxes)
        for box in boxes:
            box.check = None
        self._refresh_lines()
        if not boxes:
            return
        db, units = self.ctx.db, self.units.value() or None
        self.run(
            lambda: receiving.preview(db, [b.scan for b in boxes], units=units),
            lambda checks: self._checked(asked, boxes, checks),
            label="check boxes",
        )

    def _show_parsed(self, box: PendingBox) -> None:
        scan = box.scan
        self.parsed["gtin"].setText(scan.gtin or "—")
        if box.check is None:
            self.parsed["product"].setText("checking…")
        else:
            self.parsed["product"].setText(box.product.name if box.product else box.check.message)
        self.parsed["lot"].setText(scan.lot or "—")
        self.parsed["expiry"].setText(fmt.day(scan.expiry) or "—")
        self.parsed["production"].setText(fmt.day(scan.production) or "—")
        self.parsed["serial"].setText(_serial_words(box))
        self.parsed["units"].setText(str(box.units) if box.units else "—")
        self.parsed["creates"].setText(_units_words(box, self.units.value() or None))

    def _checked(
        self, asked: int, boxes: list[PendingBox], checks: list[receiving.BoxCheck]
    ) -> None:
        if asked != self._checks:
            return  # the list changed since: a newer preview is on its way
        for box, check in zip(boxes, checks, strict=True):
            box.check = check
        if self.boxes:
            self._show_parsed(self.boxes[-1])
        self._refresh_lines()

    def problem(self, box: PendingBox) -> str:
        """Why this box cannot be received as it stands ("" when it can)."""
        if box.check is None:
            return "checking…"
        return box.check.message

    def _refresh_lines(self) -> None:
        current = self.table.currentIndex().row()
        for number, box in enumerate(self.boxes, 1):
            box.number = number  # the list's own rows: a refused or removed scan leaves no gap
        self.model.set_rows(self.boxes)
        if 0 <= current < len(self.boxes):
            self.table.selectRow(current)
        units = sum(b.units or 0 for b in self.boxes)
        problems = sum(1 for b in self.boxes if b.check is not None and self.problem(b))
        text = (
            f"{counted(len(self.boxes), 'box', 'boxes')}, {counted(units, 'unit')}"
            if self.boxes
            else ""
        )
        if problems:
            text += f"; {problems} to fix before receiving"
        self.summary.setText(text)
        self._update_buttons()

    def actor_changed(self) -> None:
        actor = self.ctx.actor
        may = actor.can("receive")
        self.role_note.setVisible(not may)
        self.role_note.setText(
            f"{who_can('receive')} You can scan boxes here to check what they hold; "
            "nothing is saved."
        )
        for field in (self.supplier, self.invoice, self.units):
            permit(field, actor, "receive")
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        actor = self.ctx.actor
        ready = bool(self.boxes) and not any(self.problem(b) for b in self.boxes)
        permit(self.receive_button, actor, "receive", ready)
        self.receive_button.setText(
            f"Receive {counted(len(self.boxes), 'box', 'boxes')}" if self.boxes else "Receive"
        )
        self.remove_button.setEnabled(bool(self.boxes))
        self.clear_button.setEnabled(bool(self.boxes))
        permit(self.add_product_button, actor, "catalogue", self._unknown_box() is not None)
        if self.receipt is None:
            permit(self.labels_button, actor, "labels", False)

    def _unknown_box(self) -> PendingBox | None:
        row = self.table.currentIndex().row()
        if 0 <= row < len(self.boxes) and _unknown(self.boxes[row]):
            return self.boxes[row]
        return next((b for b in self.boxes if _unknown(b)), None)

    def remove_selected(self) -> None:
        row = self.table.currentIndex().row()
        if 0 <= row < len(self.boxes):
            del self.boxes[row]
            self._recheck()
        self.scan.setFocus()

    def clear_boxes(self) -> None:
        self.boxes.clear()
        self._recheck()
        self.scan.setFocus()

    # -- a product the catalogue does not know

    def add_product(self) -> None:
        if not self.add_product_button.isEnabled():
            return
        box = self._unknown_box()
        dialog = ProductDialog(box.scan.gtin or "" if box else "", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            values = dialog.values()
            self.run(
                lambda: catalog.add_product(db, by=actor, **values),  # type: ignore[arg-type]
                lambda product: self._product_added(dialog, product),
                lambda error: _dialog_problem(dialog, error, self),
                label="add product",
            )

        dialog.submitted.connect(save)
        dialog.finished.connect(lambda _r: self.scan.setFocus())
        self._dialog = dialog
        dialog.open()

    def _product_added(self, dialog: ProductDialog, product: ProductInfo) -> None:
        dialog.done_saving()
        self._dialog = None
        self.changed.emit()
        self._recheck()

    # -- saving

    def receive(self) -> None:
        if not self.receive_button.isEnabled():
            return
        scans = [box.raw for box in self.boxes]
        db, actor = self.ctx.db, self.ctx.actor
        supplier, invoice = self.supplier.text(), self.invoice.text()
        units = self.units.value() or None
        self.receive_button.setEnabled(False)
        self.run(
            lambda: receiving.receive(
                db, scans, by=actor, supplier=supplier, invoice=invoice, units=units
            ),
            self._received,
            self._receive_failed,
            label="receive",
        )

    def _received(self, result: receiving.ReceiptResult) -> None:
        self.receipt = result
        lines = [f"Receipt {result.receipt_id} saved: {counted(result.units, 'unit')}."]
        for line in result.lines:
            codes = line.unit_codes
            span = codes[0] if len(codes) == 1 else f"{codes[0]} to {codes[-1]}"
            lines.append(
                f"{line.count} × {line.product}, lot {line.lot}, expires "
                f"{line.expiry.isoformat()}: {span}"
            )
        set_message(self.result, "\n".join(lines), "success")
        permit(
            self.labels_button,
            self.ctx.actor,
            "labels",
            any(line.serial is None for line in result.lines),
        )
        self.boxes.clear()
        self.invoice.clear()
        for label in self.parsed.values():  # the last scan is saved: nothing pending to show
            label.setText("—")
        self._recheck()
        self.changed.emit()
        self.scan.setFocus()

    def _receive_failed(self, error: BaseException) -> None:
        self._update_buttons()
        self.show_error(error)

    def print_labels(self) -> None:
        if self.receipt is None or not self.labels_button.isEnabled():
            return
        receipt_id = self.receipt.receipt_id
        path = self.ctx.data_dir / "labels" / f"receipt-{receipt_id}-labels.pdf"
        db = self.ctx.db
        self.labels_button.setEnabled(False)
        self.run(
            lambda: write_unit_labels(db, path, receipt_id=receipt_id),
            self._labels_written,
            self._labels_failed,
            label="labels",
        )

    def _labels_written(self, sheet: LabelSheet) -> None:
        self.labels_button.setEnabled(True)
        self.labels_path = sheet.path
        set_message(
            self.result,
            self.result.text()
            + f"\nLabels for {counted(sheet.labels, 'unit')} saved to {sheet.path}.",
            "success",
        )
        desktop.open_path(sheet.path)

    def _labels_failed(self, error: BaseException) -> None:
        self.labels_button.setEnabled(True)
        self.show_error(error)


def _serial_words(box: PendingBox) -> str:
    """Whose serial it is, once the catalogue has said whether the scan is a box."""
    serial, check = box.scan.serial, box.check
    if serial is None:
        return "none (unit labels will be printed)"
    if check is None or check.product is None:
        return serial
    if receiving.is_box(box.scan, check.product):
        return f"{serial} (the box's serial; its units get unit labels)"
    return f"{serial} (the unit's own serial)"


def _units_words(box: PendingBox, override: int | None) -> str:
    """What receiving will create from this scan, said before anything is saved."""
    check = box.check
    if check is None or not check.units:
        return "—"
    if check.product is None:
        return str(check.units)
    if receiving.is_box(box.scan, check.product):
        if override is not None:
            source = "the units per box typed above"
        elif box.scan.count is not None:
            source = "the barcode's count"
        else:
            source = f"the catalogue: {check.product.units_per_pack} per pack"
        return f"{counted(check.units, 'unit')} will be created ({source})"
    return "1 unit will be created"


def _unknown(box: PendingBox) -> bool:
    return box.check is not None and box.check.product is None


def _dialog_problem(dialog: ProductDialog, error: BaseException, screen: Screen) -> None:
    from inventory.errors import LedgerError

    if isinstance(error, LedgerError):
        dialog.show_problem(error.message)
    else:
        dialog.show_problem("The product could not be saved.")
        screen.show_error(error)
