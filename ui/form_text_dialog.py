"""A form's text to read (the consent the client signs, an aftercare sheet), read-only."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget

from ui.widgets import named, title


class FormTextDialog(QDialog):
    """The text as stored in its version: what the client reads and signs."""

    def __init__(self, heading: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(heading)
        self.setAccessibleName(heading)
        self.text = named(QPlainTextEdit(text), "Form text")
        self.text.setReadOnly(True)
        self.text.setTabChangesFocus(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title(heading, wrap=True))
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(560, 440)
