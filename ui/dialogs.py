"""Dialogs that ask for what the ledger requires: a reason, a new product, a recall notice.

Staff accounts have their own dialogs in ui.staff_dialogs.

They are opened with ``open()`` (never a blocking ``exec()``): the window keeps painting,
background results keep arriving, and tests can fill them in like a person would.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inventory.catalog import ProductInfo
from inventory.models import PRODUCT_KINDS, STERILIZATION_METHODS
from ui.widgets import hint, message, named, set_message

NEEDLE_LENGTHS = ["0.25", "0.5", "0.75", "1.0", "1.25", "1.5", "1.75", "2.0", "2.25", "2.5"]

REASONS = {
    "quarantine": [
        "package dented",
        "package seal looks breached",
        "dropped, unopened",
        "suspected contamination",
        "recall pending",
    ],
    "release": ["inspected, seal intact", "supplier confirmed lot is not affected"],
    "waste": [
        "package breached",
        "dropped on the floor",
        "opened but not used",
        "expired, discarded",
    ],
}


class _Dialog(QDialog):
    """OK/Cancel, an inline problem line, and the OK button named for what it does."""

    def __init__(self, title: str, action: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(action)
        named(self.ok, action)
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.problem = message("Problem")
        self.problem.hide()

    def show_problem(self, text: str) -> None:
        """Keep the dialog open and say what is wrong (a rule's sentence)."""
        set_message(self.problem, text, "problem")
        self.problem.show()
        self.ok.setEnabled(True)


class _SavingDialog(_Dialog):
    """OK does not close: it emits ``submitted``; the caller saves in the background, then
    calls :meth:`done_saving`, or :meth:`show_problem` and the person corrects the form."""

    submitted = Signal()

    def accept(self) -> None:
        self.ok.setEnabled(False)
        self.problem.hide()
        self.submitted.emit()

    def done_saving(self) -> None:
        super().accept()


FormDialog = _Dialog
SavingDialog = _SavingDialog
"""Public names for other dialog modules (ui.staff_dialogs)."""


class ReasonDialog(_Dialog):
    """Why a unit or lot is quarantined, released or wasted: a reason is always required."""

    def __init__(
        self,
        *,
        title: str,
        prompt: str,
        action: str,
        suggestions: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, action, parent)
        self.field = named(QComboBox(), "Reason", "Pick a reason or type your own")
        self.field.setEditable(True)
        self.field.addItems(list(suggestions))
        self.field.setCurrentIndex(-1)
        self.field.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        edit = self.field.lineEdit()
        assert edit is not None
        edit.setPlaceholderText("Type the reason")
        edit.textChanged.connect(lambda text: self.ok.setEnabled(bool(text.strip())))
        self.ok.setEnabled(False)
        text = QLabel(prompt)
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.field)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def reason(self) -> str:
        return self.field.currentText().strip()


class ProductDialog(_SavingDialog):
    """Add a product to the catalogue, straight from an unknown GTIN at receiving."""

    def __init__(self, gtin: str = "", parent: QWidget | None = None) -> None:
        super().__init__("Add a product", "Add product", parent)
        self.gtin = named(QLineEdit(gtin), "GTIN", "The 14 digits after (01) on the box")
        self.maker = named(QLineEdit(), "Maker")
        self.name = named(QLineEdit(), "Product name", "As printed on the box")
        self.kind = named(QComboBox(), "Kind")
        self.kind.addItem("Pen cartridge", "pen_cartridge")
        self.kind.addItem("Derma roller", "roller")
        assert [self.kind.itemData(i) for i in range(self.kind.count())] == list(PRODUCT_KINDS)
        self.needles = named(QSpinBox(), "Needle count")
        self.needles.setRange(1, 2000)
        self.needles.setValue(12)
        self.config = named(QLineEdit(), "Needle configuration", "round, nano, 3x12...")
        self.length = named(QComboBox(), "Needle length (mm)")
        self.length.setEditable(True)
        self.length.addItems(NEEDLE_LENGTHS)
        self.length.setCurrentText("0.5")
        self.sterilization = named(QComboBox(), "Sterilisation method")
        self.sterilization.addItems(list(STERILIZATION_METHODS))
        self.per_pack = named(QSpinBox(), "Units per pack")
        self.per_pack.setRange(1, 10_000)
        self.per_pack.setValue(10)
        self.reorder = named(QSpinBox(), "Reorder level", "Warn when fewer units are in stock")
        self.reorder.setRange(0, 1_000_000)
        form = QFormLayout()
        form.addRow("&GTIN", self.gtin)
        form.addRow("&Maker", self.maker)
        form.addRow("&Name", self.name)
        form.addRow("&Kind", self.kind)
        form.addRow("Needle &count", self.needles)
        form.addRow("Needle con&figuration", self.config)
        form.addRow("Needle &length (mm)", self.length)
        form.addRow("&Sterilisation", self.sterilization)
        form.addRow("Units per &pack", self.per_pack)
        form.addRow("&Reorder level", self.reorder)
        layout = QVBoxLayout(self)
        layout.addWidget(hint("Copy these from the box. Every field is checked before saving."))
        self.setMinimumWidth(480)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        (self.maker if gtin else self.gtin).setFocus()

    def values(self) -> dict[str, object]:
        return {
            "gtin": self.gtin.text(),
            "maker": self.maker.text(),
            "name": self.name.text(),
            "kind": self.kind.currentData(),
            "needle_count": self.needles.value(),
            "needle_config": self.config.text(),
            "needle_length_mm": self.length.currentText(),
            "sterilization": self.sterilization.currentText(),
            "units_per_pack": self.per_pack.value(),
            "reorder_level": self.reorder.value(),
        }


class RecallDialog(_SavingDialog):
    """Enter a maker's or regulator's notice: product, lots, reference, date, its text."""

    def __init__(
        self, products: Sequence[ProductInfo], today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__("Enter a recall notice", "Enter recall", parent)
        self.product = named(QComboBox(), "Recalled product")
        for product in products:
            self.product.addItem(f"{product.name} ({product.gtin})", product.gtin)
        self.lots = named(QListWidget(), "Recalled lots", "Tick every lot the notice names")
        self.lots.setMinimumHeight(110)
        self.other_lots = named(
            QLineEdit(), "Other lots", "Lots not received here yet, separated by commas"
        )
        self.serials = named(
            QLineEdit(), "Serials", "Only these serials or unit codes (leave empty for whole lots)"
        )
        self.reference = named(QLineEdit(), "Notice reference", "e.g. FSN-2026-117")
        self.notice_date = named(QDateEdit(), "Notice date")
        self.notice_date.setCalendarPopup(True)
        self.notice_date.setDisplayFormat("yyyy-MM-dd")
        self.notice_date.setDate(QDate(today.year, today.month, today.day))
        self.text = named(QPlainTextEdit(), "Notice text", "Paste the notice verbatim")
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(90)
        form = QFormLayout()
        form.addRow("&Product", self.product)
        form.addRow("&Lots", self.lots)
        form.addRow("&Other lots", self.other_lots)
        form.addRow("&Serials (optional)", self.serials)
        form.addRow("&Reference", self.reference)
        form.addRow("Notice &date", self.notice_date)
        form.addRow("Notice &text", self.text)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Entering the notice quarantines every unit of these lots that is still on "
                "the shelf, and lists the sessions that already used one."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    def set_lots(self, lots: Sequence[str]) -> None:
        self.lots.clear()
        for lot in lots:
            item = QListWidgetItem(lot)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.lots.addItem(item)

    def check_lot(self, lot: str) -> None:
        for row in range(self.lots.count()):
            item = self.lots.item(row)
            if item.text() == lot:
                item.setCheckState(Qt.CheckState.Checked)

    def chosen_lots(self) -> list[str]:
        ticked = [
            self.lots.item(r).text()
            for r in range(self.lots.count())
            if self.lots.item(r).checkState() == Qt.CheckState.Checked
        ]
        typed = [lot.strip() for lot in self.other_lots.text().split(",") if lot.strip()]
        return list(dict.fromkeys(ticked + typed))

    def values(self) -> dict[str, object]:
        qdate = self.notice_date.date()
        return {
            "gtin": self.product.currentData() or "",
            "lots": self.chosen_lots(),
            "serials": [s.strip() for s in self.serials.text().split(",") if s.strip()],
            "reference": self.reference.text(),
            "notice_date": date(qdate.year(), qdate.month(), qdate.day()),
            "notice_text": self.text.toPlainText(),
        }
