"""A table model over a short list of plain rows (dataclasses), sorted in Python.

For the lists that stay small whatever the clinic's size: today's sessions, recent
refusals, stock by product, recalls, a recall's trace, the receiving preview. Long lists
(units, lots, audit events) use :mod:`ui.models.paged`, which fetches from SQL on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Col:
    """One column: how to get its value from a row, and how to show it."""

    header: str
    value: Callable[[Any], Any]
    text: Callable[[Any], str] | None = None
    right: bool = False
    tip: str = ""
    colour: Callable[[Any], str | None] | None = None
    """A foreground colour for the cell, from the whole row (None: the default)."""
    tooltip: Callable[[Any], str | None] | None = None
    """A tooltip from the whole row (default: the text, when it is long)."""

    def show(self, row: Any) -> str:
        value = self.value(row)
        if self.text is not None:
            return self.text(value)
        return "" if value is None else str(value)


def _sort_key(value: Any) -> tuple[int, Any]:
    """None sorts first; numbers and text never compare with each other."""
    if value is None:
        return (0, "")
    if isinstance(value, int | float):
        return (1, value)
    return (2, value if not isinstance(value, str) else value.casefold())


def read_only_flags(index: Index) -> Qt.ItemFlag:
    """Every table here is read-only: rows can be selected, never edited in place."""
    if not index.isValid():
        return Qt.ItemFlag.NoItemFlags
    return (
        Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
    )


class RowsModel(QAbstractTableModel):
    """Rows held in memory; ``set_rows`` replaces them, ``sort`` keeps selections right."""

    def __init__(self, columns: Sequence[Col], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Any] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if self._sort is not None:
            self._sort_rows(*self._sort)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row(self, number: int) -> Any:
        return self._rows[number]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return read_only_flags(index)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        column = self.columns[index.column()]
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.show(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tooltip is not None:
                return column.tooltip(row)
            text = column.show(row)
            return text if len(text) > 24 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.right else Qt.AlignmentFlag.AlignLeft
            return horizontal | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            colour = column.colour(row)
            return QColor(colour) if colour else None
        if role == SORT_ROLE:
            return column.value(row)
        if role == ROW_ROLE:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < len(self.columns)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tip or None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(self.columns)):
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        old_rows = [self._rows[i.row()] for i in before]
        self._sort_rows(column, order)
        position = {id(row): number for number, row in enumerate(self._rows)}
        after = [
            self.index(position[id(row)], i.column())
            for row, i in zip(old_rows, before, strict=True)
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        value = self.columns[column].value
        self._rows.sort(
            key=lambda row: _sort_key(value(row)),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
