"""The warnings of a session open, confirmed together: each with its reason, or Cancel.

The domain raises every warning at once (sterility.intake.NeedsConfirmation); this one
dialog lists them, each with a reason field, and the chair opens again with the
confirmations. Series spacing needs a reason (why the client comes back early); the
others may be confirmed without one. Each confirmed warning is written with the session.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui.dialogs import FormDialog
from ui.widgets import hint, named

REASON_REQUIRED = frozenset({"series_spacing"})
KIND_WORDS = {
    "depth_outside_range": "Planned depth outside the clinic's range",
    "cartridge_outside_range": "Cartridge outside the clinic's range",
    "series_spacing": "Sooner than the series spacing",
    "pen_cleaning_overdue": "Pen not cleaned since its last session",
    "no_sharps_container": "No sharps container open in this room",
}


class ConfirmWarningsDialog(FormDialog):
    """One dialog for every warning: Confirm opens the session, Cancel opens nothing."""

    def __init__(self, warnings: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__("Confirm before opening", "Confirm and open", parent)
        self.reasons: dict[str, QLineEdit] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Opening this session needs your confirmation of each warning below. Each "
                "confirmation is kept with the session, with your name and reason."
            )
        )
        for kind, sentence in warnings:
            box = QFrame()
            box.setObjectName("panel")
            inner = QVBoxLayout(box)
            heading = QLabel(KIND_WORDS.get(kind, kind.replace("_", " ").capitalize()))
            heading.setObjectName("sectionTitle")
            text = QLabel(sentence)
            text.setWordWrap(True)
            required = kind in REASON_REQUIRED
            field = named(
                QLineEdit(),
                f"Reason: {KIND_WORDS.get(kind, kind)}",
                "Why the client is treated anyway" + (" (required)" if required else ""),
            )
            field.setPlaceholderText("Reason (required)" if required else "Reason (optional)")
            field.textChanged.connect(self._check)
            self.reasons[kind] = field
            inner.addWidget(heading)
            inner.addWidget(text)
            inner.addWidget(field)
            layout.addWidget(box)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self._check()
        first = next(iter(self.reasons.values()), None)
        if first is not None:
            first.setFocus()

    def _check(self, *_args: object) -> None:
        self.ok.setEnabled(
            all(
                field.text().strip()
                for kind, field in self.reasons.items()
                if kind in REASON_REQUIRED
            )
        )

    def confirmations(self) -> dict[str, str]:
        """Warning kind -> the reason given (may be empty where none is required)."""
        return {kind: field.text().strip() for kind, field in self.reasons.items()}
