"""Closing a session: adverse events, or "none observed", said explicitly; the aftercare.

A session does not close on silence: the practitioner picks "None observed" or
describes what happened, and only then is Close enabled. "Print aftercare sheet" asks
where to save the client's one-page PDF (the chair writes it after the close, with the
date the next session is due) and opens it to print; the choice is remembered on this
workstation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs import FormDialog
from ui.widgets import named

NONE = "none"


class CloseSessionDialog(FormDialog):
    """Adverse events (or none) and whether to print the aftercare sheet."""

    def __init__(
        self,
        session_words: str,
        *,
        choose_path: Callable[[], Path | None],
        print_aftercare: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Close session", "Close session", parent)
        self.choose_path = choose_path
        self.path: Path | None = None
        """Where the aftercare sheet goes (chosen on Close, when it is to be printed)."""
        intro = QLabel(session_words)
        intro.setWordWrap(True)
        question = QLabel("Adverse events during this session (required before it closes):")
        question.setWordWrap(True)
        self.none = named(QRadioButton("&None observed"), "None observed")
        self.some = named(
            QRadioButton("&Adverse events observed (describe):"), "Adverse events observed"
        )
        self.answer = QButtonGroup(self)
        self.answer.addButton(self.none)
        self.answer.addButton(self.some)
        self.answer.buttonToggled.connect(self._check)
        self.description = named(
            QPlainTextEdit(),
            "Adverse event description",
            "What happened, what was done, and whether the client was told to call",
        )
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(
            "e.g. Pinpoint bleeding beyond the usual at the left cheek; pressure applied."
        )
        self.description.setMaximumHeight(100)
        self.description.textChanged.connect(self._described)
        self.print_sheet = named(
            QCheckBox("&Print aftercare sheet"),
            "Print aftercare sheet",
            "Save the client's aftercare sheet as a PDF and open it to print",
        )
        self.print_sheet.setChecked(print_aftercare)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(question)
        layout.addWidget(self.none)
        layout.addWidget(self.some)
        layout.addWidget(self.description)
        layout.addWidget(self.print_sheet)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(500)
        self._check()
        self.none.setFocus()

    def _described(self) -> None:
        if self.description.toPlainText().strip() and not self.some.isChecked():
            self.some.setChecked(True)
        self._check()

    def _check(self, *_args: object) -> None:
        self.ok.setEnabled(self.adverse() is not None)

    def adverse(self) -> str | None:
        """ "none", the description, or None while unanswered (Close stays disabled)."""
        if self.none.isChecked():
            return NONE
        text = self.description.toPlainText().strip()
        if self.some.isChecked() and text:
            return text
        return None

    def accept(self) -> None:
        if self.adverse() is None:
            return
        if self.print_sheet.isChecked():
            self.path = self.choose_path()
            if self.path is None:  # the Save dialog was cancelled: nothing closes yet
                self.show_problem(
                    "No file was chosen for the aftercare sheet. Choose where to save it, "
                    "or untick “Print aftercare sheet”."
                )
                return
        super().accept()
