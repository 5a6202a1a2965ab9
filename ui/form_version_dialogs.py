"""A manager's new version of a form: the screening questions, the consent or aftercare text.

A form is never edited in place (sterility.forms): each dialog starts from the version in
force and saves the next one; sessions opened afterwards use it, sessions already
recorded keep theirs. Screening is a list of questions, each with a short key (lowercase
letters, digits and _) that the records and the command line use; consent and aftercare
are a text, and the aftercare sheet may be in a client's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sterility.forms import FormInfo
from ui.dialogs import SavingDialog
from ui.widgets import button, hint, named

_NOT_KEY = re.compile(r"[^a-z0-9_]+")


def key_for(question: str, taken: set[str]) -> str:
    """A key suggested from a question's first words ("Blood thinners?" -> blood_thinners)."""
    words = _NOT_KEY.sub("_", question.lower()).strip("_").split("_")
    base = "_".join(w for w in words[:3] if w) or "item"
    key, n = base[:40], 2
    while key in taken:
        key, n = f"{base[:37]}_{n}", n + 1
    return key


class ScreeningVersionDialog(SavingDialog):
    """The questions of the next screening version: add, remove, reword, reorder."""

    def __init__(self, current: FormInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            f"New screening version (now version {current.version})",
            "Save new version",
            parent,
        )
        self.setAccessibleName("New screening version")
        self.form_title = named(QLineEdit(current.title), "Form title")
        self.table = named(QTableWidget(0, 2), "Screening questions")
        self.table.setHorizontalHeaderLabels(["Key", "Question"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 130)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        for item in current.items:
            self.add_question(item.question, item.key)
        self.add_button = button("Add question", "Add question", "A new row at the end")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_question(edit=True))
        self.remove_button = button(
            "Remove question", "Remove question", "Remove the selected question"
        )
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button = button("Move up", "Move question up")
        self.up_button.setAutoDefault(False)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button = button("Move down", "Move question down")
        self.down_button.setAutoDefault(False)
        self.down_button.clicked.connect(lambda: self._move(1))
        actions = QHBoxLayout()
        for widget in (self.add_button, self.remove_button, self.up_button, self.down_button):
            actions.addWidget(widget)
        actions.addStretch(1)
        form = QFormLayout()
        form.addRow("&Title", self.form_title)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "A Yes to any question stops the session unless a manager overrides it. Keys "
                "are short words of lowercase letters, digits and _ (acne, blood_thinners); "
                "the command line answers by key. Sessions already recorded keep the "
                "questions they were asked."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(640, 460)

    def add_question(self, question: str = "", key: str = "", *, edit: bool = False) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(key))
        self.table.setItem(row, 1, QTableWidgetItem(question))
        if edit:
            self.table.setCurrentCell(row, 1)
            self.table.editItem(self.table.item(row, 1))

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)

    def _move(self, step: int) -> None:
        row = self.table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        for column in range(2):
            here = self.table.takeItem(row, column)
            there = self.table.takeItem(target, column)
            self.table.setItem(row, column, there)
            self.table.setItem(target, column, here)
        self.table.setCurrentCell(target, 1)

    def items(self) -> list[tuple[str, str]]:
        """(key, question) of each row with a question; a missing key is made from it."""
        rows: list[tuple[str, str]] = []
        for row in range(self.table.rowCount()):
            key_item, question_item = self.table.item(row, 0), self.table.item(row, 1)
            question = question_item.text().strip() if question_item else ""
            key = key_item.text().strip() if key_item else ""
            if question or key:
                rows.append((key, question))
        taken = {key for key, _q in rows if key}
        filled = []
        for key, question in rows:
            if not key:
                key = key_for(question, taken)
                taken.add(key)
            filled.append((key, question))
        return filled

    def values(self) -> dict[str, str]:
        body = json.dumps([{"key": k, "question": q} for k, q in self.items()], ensure_ascii=False)
        return {"title": self.form_title.text(), "body": body, "language": ""}


class TextVersionDialog(SavingDialog):
    """The next version of the consent form or of the aftercare sheet (in a language)."""

    def __init__(
        self,
        kind: str,
        current: FormInfo,
        *,
        languages: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        words = "consent form" if kind == "consent" else "aftercare sheet"
        super().__init__(f"New {words} version", "Save new version", parent)
        self.kind = kind
        self.form_title = named(QLineEdit(current.title), "Form title")
        self.text = named(QPlainTextEdit(current.body), "Form text")
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(220)
        form = QFormLayout()
        form.addRow("&Title", self.form_title)
        self.language: QComboBox | None = None
        if kind == "aftercare":
            self.language = named(
                QComboBox(),
                "Aftercare language",
                "Empty: the clinic's own language; or a client's language, e.g. Español",
            )
            self.language.setEditable(True)
            self.language.addItems(["", *languages])
            edit = self.language.lineEdit()
            if edit is not None:
                edit.setAccessibleName("Aftercare language")
                edit.setPlaceholderText("The clinic's own language")
            self.language.setCurrentText(current.language)
            form.addRow("&Language", self.language)
        form.addRow("Te&xt", self.text)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                f"Starts from {current.words}. Sessions opened after saving use the new "
                "version; sessions already recorded keep theirs."
                + (
                    " A client's language gets its own versions; a language with none "
                    "prints the clinic's own text."
                    if kind == "aftercare"
                    else " Clients sign the version in force when their session opens."
                )
            )
        )
        layout.addLayout(form, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(640, 520)

    def values(self) -> dict[str, str]:
        language = self.language.currentText().strip() if self.language is not None else ""
        return {
            "title": self.form_title.text(),
            "body": self.text.toPlainText(),
            "language": language,
        }
