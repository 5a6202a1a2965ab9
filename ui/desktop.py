"""Handing files and folders to the desktop (file manager, PDF viewer, Save dialogs).

Kept in one module so tests replace these few functions and never launch anything.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

log = logging.getLogger(__name__)


def open_path(path: Path) -> bool:
    """Open a folder in the file manager, or a file in its usual program."""
    ok = QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
    if not ok:
        log.warning("the desktop could not open %s", path)
    return ok


def ask_save_path(parent: QWidget | None, caption: str, suggested: Path, kinds: str) -> Path | None:
    """The platform's Save dialog; None when the person cancels."""
    suggested.parent.mkdir(parents=True, exist_ok=True)
    chosen, _filter = QFileDialog.getSaveFileName(parent, caption, str(suggested), kinds)
    return Path(chosen) if chosen else None


def ask_folder(parent: QWidget | None, caption: str, start: Path) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(parent, caption, str(start))
    return Path(chosen) if chosen else None
