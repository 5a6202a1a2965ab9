"""What a screen reader hears, screen by screen, in the real main window.

Every control that takes the keyboard focus has a name (a screen reader says it, tests
find the control by it); a drop-down is named by its label, not by the value it shows;
and a label that reports a result (a scan problem, a parsed lot, a receipt, a recall,
the boxes summary) gives its shown text to the screen reader, not only its fixed name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QTextDocument
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollBar,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from inventory import receiving
from tests.ui.helpers import find, scan, wait_idle
from ui.main_window import SCREENS, MainWindow
from ui.widgets import spoken

Opener = Callable[..., MainWindow]


def _focusable(root: QWidget) -> Iterator[QWidget]:
    """Controls the Tab key reaches, without the inner parts Qt names for their owner."""
    for widget in root.findChildren(QWidget):
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or isinstance(widget, QScrollBar):
            continue
        parent = widget.parentWidget()
        if isinstance(parent, QAbstractSpinBox):  # the spin box speaks for its text
            continue
        if widget.focusProxy() is not None and not isinstance(parent, QComboBox):
            continue  # the proxy takes the focus and is checked
        if _inside_drop_down(widget):  # a drop-down's popup list
            continue
        yield widget


def _inside_drop_down(widget: QWidget) -> bool:
    ancestor = widget.parent()
    while ancestor is not None:
        if isinstance(ancestor, QComboBox) and ancestor.view().isAncestorOf(widget):
            return True
        ancestor = ancestor.parent()
    return False


def _plain(text: str) -> str:
    """A label's words without markup, as a screen reader reads them."""
    if "<" in text and ">" in text:
        document = QTextDocument()
        document.setHtml(text)
        text = document.toPlainText()
    return " ".join(spoken(text).replace("&", "").split())


def _name(widget: QWidget) -> str:
    """The name a screen reader gets for the widget."""
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Name) if face is not None else ""


def _label_of(widget: QWidget) -> str:
    """The text of the label a screen reader reads a drop-down by (its buddy)."""
    face = QAccessible.queryAccessibleInterface(widget)
    if face is None:
        return ""
    for other, relation in face.relations(QAccessible.RelationFlag.Label):
        if relation & QAccessible.RelationFlag.Label and other is not None:
            return other.text(QAccessible.Text.Name).replace("&", "")
    return ""


def _nameless(window: MainWindow) -> list[str]:
    missing = []
    for widget in _focusable(window):
        where = widget.window().objectName() or type(widget.window()).__name__
        screen = next((s.title for s in window.screens.values() if s.isAncestorOf(widget)), where)
        owner = widget.parentWidget()
        if isinstance(owner, QComboBox):  # an editable drop-down's typing box
            if widget.accessibleName() != owner.accessibleName() or not widget.accessibleName():
                missing.append(f"{screen}: the typing box of drop-down {owner.accessibleName()!r}")
            continue
        if isinstance(widget, QComboBox):
            if not widget.accessibleName():
                missing.append(f"{screen}: a drop-down showing {widget.currentText()!r}")
            elif _name(widget) not in (widget.accessibleName(), "") and not _label_of(widget):
                # Qt on Linux names a drop-down by its value: a label must say what it is.
                missing.append(
                    f"{screen}: drop-down {widget.accessibleName()!r} is heard as "
                    f"{_name(widget)!r} (give it a label)"
                )
            continue
        if not _name(widget).strip():
            text = widget.text() if isinstance(widget, QPushButton | QLineEdit) else ""
            missing.append(f"{screen}: {type(widget).__name__} {text!r} has no name")
    return missing


def _unspoken(window: MainWindow) -> list[str]:
    """Labels whose shown words a screen reader does not get."""
    wrong = []
    for label in window.findChildren(QLabel):
        shown = _plain(label.text())
        if not shown or label.buddy() is not None:
            continue
        face = QAccessible.queryAccessibleInterface(label)
        heard = {
            _plain(face.text(QAccessible.Text.Name)),
            _plain(face.text(QAccessible.Text.Description)),
        }
        if shown not in heard:
            wrong.append(f"{label.accessibleName()!r} shows {shown[:60]!r}, says {heard}")
    return wrong


def _every_screen(qtbot: QtBot, window: MainWindow) -> Iterator[str]:
    for key in SCREENS:
        window.show_screen(key)
        wait_idle(qtbot, window)
        yield key
        for tabs in window.screens[key].findChildren(QTabWidget):
            for number in range(tabs.count()):
                tabs.setCurrentIndex(number)
                wait_idle(qtbot, window)
                yield f"{key} tab {tabs.tabText(number)}"


def test_every_focusable_control_on_every_screen_has_a_name(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("dashboard")
    missing: set[str] = set()
    for _where in _every_screen(qtbot, window):
        missing.update(_nameless(window))
    assert sorted(missing) == [], "\n".join(sorted(missing))


def test_result_labels_say_what_they_show(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("receive")
    receive = window.screens["receive"]
    field = find(receive, QLineEdit, "Scan box")
    scan(qtbot, field, "0109506000100043" + "1728123110LOT-A11", "21SER-1")
    wait_idle(qtbot, window)
    scan(qtbot, field, "01095060001000431728123110")  # a lot with no value: refused
    wait_idle(qtbot, window)
    problem = find(receive, QLabel, "Scan problem")
    assert problem.text()
    face = QAccessible.queryAccessibleInterface(problem)
    assert face.text(QAccessible.Text.Name) == "Scan problem"
    assert face.text(QAccessible.Text.Description) == problem.text()

    wrong: set[str] = set()
    for _where in _every_screen(qtbot, window):
        wrong.update(_unspoken(window))
    assert sorted(wrong) == [], "\n".join(sorted(wrong))

