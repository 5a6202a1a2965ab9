"""Small building blocks every screen uses: named controls, titles, tables, busy hints."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from ui.icons import icon

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, tip: str = "") -> W:
    """Give a control its accessible name (screen readers and tests find it by this)."""
    widget.setAccessibleName(name)
    if tip:
        widget.setToolTip(tip)
    return widget


# Where a platform defines no binding for a standard key (Quit and Preferences on some
# Linux desktops), the common one is used.
FALLBACK_KEYS = {
    QKeySequence.StandardKey.Quit: "Ctrl+Q",
    QKeySequence.StandardKey.Preferences: "Ctrl+,",
}


def standard_keys(action: QAction, key: QKeySequence.StandardKey) -> QAction:
    """Every binding the platform has for a standard key (Close is Ctrl+W and Ctrl+F4)."""
    bindings = QKeySequence.keyBindings(key)
    if not bindings and key in FALLBACK_KEYS:
        bindings = [QKeySequence(FALLBACK_KEYS[key])]
    action.setShortcuts(bindings)
    return action


def title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("screenTitle")
    label.setAccessibleName(text)
    return label


def section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def hint(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    if name:
        label.setAccessibleName(name)
    return label


def message(name: str) -> QLabel:
    """A line that says what just happened: set_message() colours it."""
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def set_message(label: QLabel, text: str, kind: str = "") -> None:
    """kind: "problem" (red), "success" (green) or "" (plain)."""
    label.setText(text)
    label.setObjectName(kind or "hint")
    restyle(label)


def button(
    text: str, name: str, tip: str = "", icon_name: str = "", primary: bool = False
) -> QPushButton:
    widget = named(QPushButton(text), name, tip)
    if icon_name:
        widget.setIcon(icon(icon_name))
    if primary:
        widget.setObjectName("primary")
    return widget


def panel() -> QFrame:
    frame = QFrame()
    frame.setObjectName("panel")
    return frame


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def table(
    model: QAbstractItemModel, name: str, *, sortable: bool = True, multi: bool = False
) -> QTableView:
    """A read-only, row-selecting table with fixed row heights (fast with many rows)."""
    view = named(QTableView(), name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if multi
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setCornerButtonEnabled(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setHighlightSections(False)
    view.setTabKeyNavigation(False)
    if sortable:
        # Keep the model's own order: enabling sorting would otherwise re-sort by column 0.
        column = getattr(model, "sort_column", -1)
        order = getattr(model, "sort_order", Qt.SortOrder.AscendingOrder)
        view.horizontalHeader().setSortIndicator(column, order)
        view.setSortingEnabled(True)
    return view


def fit_columns(view: QTableView, stretch: int) -> None:
    """Short lists: every column as wide as its contents, one column takes the rest."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    for column in range(view.model().columnCount()):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column == stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)


def set_widths(view: QTableView, widths: list[int]) -> None:
    """Column widths in average characters, so they follow the font size."""
    char = view.fontMetrics().averageCharWidth()
    for column, chars in enumerate(widths):
        view.setColumnWidth(column, chars * char + 16)
