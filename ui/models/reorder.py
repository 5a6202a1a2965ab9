"""Reorder levels, edited in place: one row per product, the level column editable."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from inventory.catalog import ProductInfo
from ui import fmt
from ui.models.rows import Col, RowsModel

LEVEL_COLUMN = 4


class ReorderModel(RowsModel):
    """Edits go into the row at once and are announced with ``level_edited`` to be saved."""

    level_edited = Signal(str, int, int)
    """(GTIN, new level, old level): the screen saves it, or calls ``revert`` on failure."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Col("Product", lambda p: p.name),
                Col("GTIN", lambda p: p.gtin),
                Col("Needle", lambda p: p.needle_length_um, fmt.mm, right=True),
                Col("Per pack", lambda p: p.units_per_pack, right=True),
                Col(
                    "Reorder below",
                    lambda p: p.reorder_level,
                    right=True,
                    tip="The dashboard warns when fewer units than this are in stock",
                ),
            ],
            parent,
        )

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == LEVEL_COLUMN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.EditRole and index.isValid() and index.column() == LEVEL_COLUMN:
            return self.row(index.row()).reorder_level
        return super().data(index, role)

    def setData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not index.isValid()
            or index.column() != LEVEL_COLUMN
        ):
            return False
        try:
            level = int(value)
        except (TypeError, ValueError):
            return False
        if level < 0:
            return False
        product: ProductInfo = self.row(index.row())
        if level == product.reorder_level:
            return True
        self._rows[index.row()] = replace(product, reorder_level=level)
        self.dataChanged.emit(index, index)
        self.level_edited.emit(product.gtin, level, product.reorder_level)
        return True

    def put(self, product: ProductInfo) -> None:
        """The saved product (or the old one, to undo a refused edit)."""
        for number, row in enumerate(self._rows):
            if row.gtin == product.gtin:
                self._rows[number] = product
                index = self.index(number, LEVEL_COLUMN)
                self.dataChanged.emit(index, index)
