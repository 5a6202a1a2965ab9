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


LONG_TEXT = 24
"""Cells longer than this show their whole text as a tooltip (it may be elided)."""


def cell_data(
    role: int,
    *,
    row: Any,
    value: Any,
    text: Callable[[], str],
    right: bool,
    colour: Callable[[], str | None] | None = None,
    tooltip: Callable[[], str | None] | None = None,
) -> Any:
    """What a cell gives for a role: the one rendering of both table-model kinds."""
    if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
        return text()
    if role == Qt.ItemDataRole.ToolTipRole:
        if tooltip is not None:
            return tooltip()
        shown = text()
        return shown if len(shown) > LONG_TEXT else None
    if role == Qt.ItemDataRole.TextAlignmentRole:
        horizontal = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
        return horizontal | Qt.AlignmentFlag.AlignVCenter
    if role == Qt.ItemDataRole.ForegroundRole and colour is not None:
        found = colour()
        return QColor(found) if found else None
    if role == SORT_ROLE:
        return value
    if role == ROW_ROLE:
        return row
    return None


class ReadOnlyTable(QAbstractTableModel):
    """What both table-model kinds share: rows and columns, read-only cells, headers.

    Subclasses hold ``columns`` and ``_rows`` and say how one cell reads (:meth:`cell`).
    """

    columns: Sequence[Any]
    _rows: list[Any]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return read_only_flags(index)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        return self.cell(self._rows[index.row()], self.columns[index.column()], role)

    def cell(self, row: Any, column: Any, role: int) -> Any:
        raise NotImplementedError

    def header_tip(self, column: Any) -> str | None:
        """The heading's whole text (it may be elided in a narrow window), and its tip."""
        if column.tip and column.tip != column.header:
            return f"{column.header}: {column.tip}"
        return column.header or None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < len(self.columns)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tip(self.columns[section])
        return None


class RowsModel(ReadOnlyTable):
    """Rows held in memory; ``set_rows`` replaces them, ``sort`` keeps selections right."""

    def __init__(self, columns: Sequence[Col], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Any] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: Sequence[Any]) -> None:
        """The new list. One that only grew at its end (a session's uses after a scan) gets
        the new rows added: the selection stays and only they are measured and drawn."""
        old = len(self._rows)
        if self._sort is None and old < len(rows) and list(rows[:old]) == self._rows:
            self.beginInsertRows(QModelIndex(), old, len(rows) - 1)
            self._rows.extend(rows[old:])
            self.endInsertRows()
            return
        self.beginResetModel()
        self._rows = list(rows)
        if self._sort is not None:
            self._sort_rows(*self._sort)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def replace_row(self, number: int, row: Any) -> None:
        """One row changed (a session's use count after a scan): only that row is
        repainted and measured again, not the whole list."""
        self._rows[number] = row
        if self._sort is not None:  # the new value may move it
            self.sort(*self._sort)
            return
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(self.columns) - 1))

    def row(self, number: int) -> Any:
        return self._rows[number]

    def cell(self, row: Any, column: Col, role: int) -> Any:
        return cell_data(
            role,
            row=row,
            value=column.value(row),
            text=lambda: column.show(row),
            right=column.right,
            colour=(lambda: column.colour(row)) if column.colour else None,
            tooltip=(lambda: column.tooltip(row)) if column.tooltip else None,
        )

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
