"""The app's look: one calm style sheet from resources/styles, and the verdict colours."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

STYLE_DIR = Path(__file__).resolve().parent.parent / "resources" / "styles"

# Colours with a meaning; the style sheet uses the same values.
OK_GREEN = "#1d7a3a"
REFUSED_RED = "#b3261e"
CONFIRM_AMBER = "#9a5b00"
INFO_BLUE = "#245b87"
MUTED = "#5c6b77"
BUSY_SLATE = "#5b7f99"  # another workstation is writing: wait, not a refusal
WASTED_RED = "#8a1c15"
NAV_INK = "#dce8ef"  # icons on the dark navigation column
ICON_INK = "#2f4858"  # icons everywhere else
SEPARATOR_BACKGROUND = "#f2b705"  # the GS1 separator shown in a scan field
SEPARATOR_INK = "#000000"

STATUS_COLOURS = {
    "quarantined": CONFIRM_AMBER,
    "wasted": WASTED_RED,
    "used": MUTED,
    "returned": MUTED,
}
EXPIRY_COLOURS = {"expired": REFUSED_RED, "soon": CONFIRM_AMBER}


def style_sheet() -> str:
    return (STYLE_DIR / "app.qss").read_text(encoding="utf-8")


def apply(app: QApplication) -> None:
    """Fusion everywhere (the same look on every clinic PC), then the style sheet."""
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())
