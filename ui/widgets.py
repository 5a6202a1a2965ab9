"""Small building blocks every screen uses: named controls, titles, tables, busy hints.

Two things here serve every screen at once. Result labels (:func:`message`, a named
:func:`hint`) tell a screen reader their text whenever it changes, not only their fixed
name. Tables keep every column readable (:func:`fit_columns`): a long scan elides, with
its whole text as a tooltip, instead of squeezing the column beside it to "Do ...".
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QAccessible, QAction, QHelpEvent, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QToolTip,
    QWidget,
)

from ui.icons import icon

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, tip: str = "") -> W:
    """Give a control its accessible name (screen readers and tests find it by this).

    An editable drop-down's typing box is what takes the focus, so it gets the name too;
    otherwise a screen reader hears only "text box".
    """
    widget.setAccessibleName(name)
    if tip:
        widget.setToolTip(tip)
    if isinstance(widget, QComboBox):
        name_drop_down(widget)
    return widget


def name_drop_down(combo: QComboBox) -> None:
    """An editable drop-down's typing box is named (and described) as the drop-down is.

    Call again after ``setEditable(True)``: the typing box is made then.
    """
    edit = combo.lineEdit()
    if edit is not None and combo.accessibleName():
        edit.setAccessibleName(combo.accessibleName())
        if combo.toolTip() and not edit.toolTip():
            edit.setToolTip(combo.toolTip())


def label_for(text: str, control: QWidget) -> QLabel:
    """A visible label tied to its control: on Linux a screen reader names a drop-down by
    this label (Qt gives a drop-down's current value as its name there)."""
    label = QLabel(text)
    label.setBuddy(control)
    if not control.accessibleName():
        control.setAccessibleName(text.replace("&", ""))
    return label


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


def title(text: str, *, wrap: bool = False) -> QLabel:
    """A screen's or a dialog page's heading (dialogs wrap it: they are narrow)."""
    label = QLabel(text)
    label.setObjectName("screenTitle")
    label.setAccessibleName(text)
    label.setWordWrap(wrap)
    return label


def prose(text: str) -> QLabel:
    """A paragraph of explanation that wraps to its dialog's width."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def section(text: str) -> QLabel:
    """A heading over a list; it wraps rather than widen the screen past 1024 pixels."""
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    label.setWordWrap(True)
    return label


ZERO_WIDTH_SPACE = "\u200b"
BREAK_EVERY = 12


def breakable(text: str) -> str:
    """A long scan or code can wrap: a zero-width space every few characters of a run
    without spaces (a label cannot wrap a 60-character scan otherwise, and widens the
    whole screen past a 1024-pixel monitor)."""
    words = []
    for word in text.split(" "):
        if len(word) > BREAK_EVERY * 2:
            word = ZERO_WIDTH_SPACE.join(
                word[i : i + BREAK_EVERY] for i in range(0, len(word), BREAK_EVERY)
            )
        words.append(word)
    return " ".join(words)


def spoken(text: str) -> str:
    """The words a label shows, as a screen reader should hear them."""
    return text.replace(ZERO_WIDTH_SPACE, "").replace("\u241d", "<GS>")


class ResultLabel(QLabel):
    """A label whose text is a result: its name stays (tests and screen readers find it
    by the name), its text is its accessible description, and a change is announced."""

    def __init__(
        self, text: str = "", name: str = "", parent: QWidget | None = None, *, quiet: bool = False
    ) -> None:
        super().__init__(parent)
        self.quiet = quiet
        """Not announced on change (its owner announces the whole, as the verdict does)."""
        if name:
            self.setAccessibleName(name)
        self.setText(text)

    def setText(self, text: str) -> None:
        changed = text != self.text()
        super().setText(text)
        said = spoken(text)
        self.setAccessibleDescription(said)
        if changed and said and not self.quiet and self.isVisible():
            announce(self, said)


class ElidedLabel(ResultLabel):
    """One line that gives way in a narrow window: cut short with "…", whole in its
    tooltip and for a screen reader (a ledger's path in the status bar)."""

    def __init__(self, text: str = "", name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, name, parent, quiet=True)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(spoken(text))

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 8 * _char(self)), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        elide = Qt.TextElideMode.ElideMiddle
        shown = self.fontMetrics().elidedText(self.text(), elide, rect.width())
        painter.drawText(rect, self.alignment(), shown)


def announce(widget: QWidget, text: str) -> None:
    """Tell a screen reader at once (Qt 6.8+), not only when the focus moves there."""
    if not QAccessible.isActive():
        return
    try:
        from PySide6.QtGui import QAccessibleAnnouncementEvent
    except ImportError:  # older Qt: the accessible description still carries it
        return
    QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(widget, text))


def hint(text: str = "", name: str = "") -> QLabel:
    """Grey words; with a name, a result a screen reader hears when it changes."""
    label: QLabel = ResultLabel(text, name) if name else QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def message(name: str) -> QLabel:
    """A line that says what just happened: set_message() colours it."""
    label = ResultLabel("", name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


MESSAGE_KINDS = ("problem", "success", "busy")


def set_message(label: QLabel, text: str, kind: str = "") -> None:
    """kind: "problem" (red), "success" (green), "busy" (slate: another workstation is
    writing, try again; not a refusal) or "" (plain)."""
    label.setText(text)
    label.setObjectName(kind if kind in MESSAGE_KINDS else "hint")
    restyle(label)


BUSY_CODES = frozenset({"busy", "unit_busy"})
"""Error codes that mean "another workstation is writing": wait, nothing is wrong."""


def kind_of(error: BaseException) -> str:
    """How a failure reads: busy (wait and try again) or a problem."""
    return "busy" if getattr(error, "code", "") in BUSY_CODES else "problem"


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
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
    view.horizontalHeader().setMinimumSectionSize(MIN_COLUMN_CHARS * _char(view))
    view.viewport().installEventFilter(WholeTextTips(view))
    if sortable:
        # Keep the model's own order: enabling sorting would otherwise re-sort by column 0.
        column = getattr(model, "sort_column", -1)
        order = getattr(model, "sort_order", Qt.SortOrder.AscendingOrder)
        view.horizontalHeader().setSortIndicator(column, order)
        view.setSortingEnabled(True)
    return view


MIN_COLUMN_CHARS = 6
"""No column is narrower than this many average characters."""
STRETCH_MIN_CHARS = 28
WHOLE_CHARS = 16  # columns this narrow (GTIN, lot, unit code, date) keep all of it
"""The column that takes the rest keeps at least this much ("Do not use: already used")."""
CONTENT_MAX_CHARS = 36
"""A column sized to its contents stops here: a long scan elides, its tooltip is whole."""


def _char(view: QWidget) -> int:
    return max(view.fontMetrics().averageCharWidth(), 1)


class WholeTextTips(QObject):
    """A cell cut short (elided) shows its whole text as a tooltip, whatever its length."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
            return False
        index = self.view.indexAt(event.pos())
        if not index.isValid() or index.data(Qt.ItemDataRole.ToolTipRole):
            return False  # the model's own tooltip (or none) as usual
        shown = index.data(Qt.ItemDataRole.DisplayRole)
        if not isinstance(shown, str) or not shown:
            return False
        room = self.view.visualRect(index).width() - 12
        if self.view.fontMetrics().horizontalAdvance(shown) <= room:
            return False
        QToolTip.showText(event.globalPos(), shown, self.view.viewport())
        return True


class ColumnFitter(QObject):
    """Short lists: columns as wide as their contents up to a cap, one column takes the
    rest but never less than a readable minimum; when the window is too narrow for all,
    the content columns give way first, down to their headings' width.

    Contents are measured once per reset; a changed or added row is measured alone and
    can only widen its columns, and a resize only lays the known widths out again. At the
    chair each scan changes one line of today's sessions: measuring every line again
    held the window up for tens of milliseconds at a busy clinic.
    """

    def __init__(self, view: QTableView, stretch: int) -> None:
        super().__init__(view)
        self.view, self.stretch = view, stretch
        self._content: dict[int, int] = {}  # column: widest cell; a column not here is measured
        self._changed: list[tuple[int, int]] = []  # rows to measure (first, last)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self.fit)
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged, model.rowsRemoved):
            signal.connect(self._remeasure)
        model.rowsInserted.connect(lambda _parent, first, last: self._measure(first, last))
        model.dataChanged.connect(lambda top, end, *_roles: self._measure(top.row(), end.row()))
        view.viewport().installEventFilter(self)
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        for column in range(model.columnCount()):
            header.setSectionResizeMode(
                column,
                QHeaderView.ResizeMode.Stretch
                if column == stretch
                else QHeaderView.ResizeMode.Interactive,
            )
        self.fit()

    def _remeasure(self, *_args: object) -> None:
        self._content.clear()
        self._changed.clear()
        self.timer.start()

    def _measure(self, first: int, last: int) -> None:
        self._changed.append((first, last))
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.Show, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._remeasure()  # filled while hidden, or drawn another size now
        elif kind == QEvent.Type.Resize:
            self.timer.start()  # the same contents laid out in another width
        return False

    def _contents(self, columns: list[int]) -> dict[int, int]:
        """Each shown column's widest cell, from the cache and the rows changed since; a
        column not measured (or hidden meanwhile, so not kept up) is measured whole."""
        content, changed = self._content, self._changed
        for column in list(content):
            if column not in columns:
                del content[column]
        for column in columns:
            if column not in content:
                content[column] = self.view.sizeHintForColumn(column)
                continue
            for first, last in changed:
                content[column] = max(content[column], self._widest(column, first, last))
        changed.clear()
        return content

    def _widest(self, column: int, first: int, last: int) -> int:
        """The widest cell of rows first to last, as sizeHintForColumn counts it."""
        view, model = self.view, self.view.model()
        rows = range(max(first, 0), min(last, model.rowCount() - 1) + 1)
        grid = 1 if view.showGrid() else 0
        return max((view.sizeHintForIndex(model.index(r, column)).width() + grid for r in rows),
                   default=0)

    def fit(self) -> None:
        view, header = self.view, self.view.horizontalHeader()
        shown = [c for c in range(view.model().columnCount()) if not view.isColumnHidden(c)]
        contents = self._contents(shown)
        char = _char(view)
        want: dict[int, int] = {}
        floor: dict[int, int] = {}
        for column in shown:
            heading = header.sectionSizeFromContents(column).width()
            content = max(contents[column], heading)
            want[column] = min(content, max(CONTENT_MAX_CHARS * char, heading))
            floor[column] = min(want[column], max(heading, MIN_COLUMN_CHARS * char))
            if content <= WHOLE_CHARS * char:  # a GTIN, a lot, a date: never cut short
                floor[column] = want[column]
        if self.stretch not in want:
            return
        stretch_need = min(want.pop(self.stretch), STRETCH_MIN_CHARS * char)
        floor.pop(self.stretch)
        room = view.viewport().width() - stretch_need
        total = sum(want.values())
        if total > room:
            spare = max(room - sum(floor.values()), 0)
            give = sum(want[c] - floor[c] for c in want) or 1
            for column in want:
                want[column] = floor[column] + (want[column] - floor[column]) * spare // give
        for column, width in want.items():
            header.resizeSection(column, width)
        # Qt stretches the one column over what is left; below its need, scroll instead.
        if view.viewport().width() - sum(want.values()) < stretch_need:
            header.setSectionResizeMode(self.stretch, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(self.stretch, stretch_need)
        else:
            header.setSectionResizeMode(self.stretch, QHeaderView.ResizeMode.Stretch)


def fit_columns(view: QTableView, stretch: int) -> ColumnFitter:
    """Short lists: every column as wide as its contents (up to a cap), one column takes
    the rest and keeps a readable minimum, whatever a long scan in another column."""
    return ColumnFitter(view, stretch)


def set_widths(view: QTableView, widths: list[int]) -> None:
    """Column widths in average characters, so they follow the font size."""
    char = view.fontMetrics().averageCharWidth()
    for column, chars in enumerate(widths):
        view.setColumnWidth(column, chars * char + 16)
