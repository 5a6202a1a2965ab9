"""Starting the desktop app: arguments, the Qt application, the ledger, the main window.

``python main.py`` (and ``make run``) land here when no command is named; the wiring
(main.py) has already read ``--db URL`` and ``--by NAME`` and passes them in. A ledger
that cannot be opened (a newer schema, a network share, a damaged file) is explained in
a dialog before anything else happens.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from inventory import __version__
from inventory.db import Database
from inventory.errors import LedgerError
from inventory.ledger import open_ledger, resolve_url
from inventory.paths import data_dir
from ui import style
from ui.context import AppContext
from ui.errors import install_excepthook, show_unexpected
from ui.icons import icon
from ui.main_window import MainWindow
from ui.prefs import APPLICATION, ORGANISATION, Prefs
from ui.worker import Worker

log = logging.getLogger("sterile_ledger.ui")

EXIT_OK, EXIT_UNEXPECTED, EXIT_REFUSED = 0, 1, 3


def application(argv: Sequence[str] = ()) -> QApplication:
    """The one QApplication (reused when it exists, as under pytest-qt)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "sterile-ledger", *argv])
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationDisplayName("Sterile Ledger")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("sterile-ledger")
    app.setWindowIcon(icon("app"))
    style.apply(app)
    return app


def make_window(db: Database, *, actor: str, db_url: str, prefs: Prefs | None = None) -> MainWindow:
    """The main window over an open ledger, with its own worker thread."""
    worker, long_worker = Worker(), Worker()
    ctx = AppContext(
        db=db,
        actor=actor,
        worker=worker,
        prefs=prefs or Prefs(),
        db_url=db_url,
        data_dir=data_dir(),
        long_worker=long_worker,
    )
    window = MainWindow(ctx)
    worker.setParent(window)
    long_worker.setParent(window)
    return window


def run(qt_args: Sequence[str], *, db_url: str | None, actor: str) -> int:
    """Open the desktop app; returns the process exit code."""
    app = application(qt_args)
    undo_hook = install_excepthook()
    db: Database | None = None
    try:
        url = resolve_url(db_url)
        log.info("desktop app starting on %s as %s", url.split("@")[-1], actor)
        warnings: list[str] = []
        try:
            db = open_ledger(url, warn=warnings.append)
        except LedgerError as error:
            log.warning("the ledger could not be opened: %s", error.message)
            _refuse_to_start(error.message)
            return EXIT_REFUSED
        window = make_window(db, actor=actor, db_url=url)
        window.show()
        for text in warnings:  # read-only, clock behind, backup failed: said once, plainly
            _warn_at_start(window, text)
        return int(app.exec())
    except Exception as error:  # before the window exists there is no event loop to catch it
        show_unexpected(None, error).exec()
        return EXIT_UNEXPECTED
    finally:
        if db is not None:
            db.dispose()
        undo_hook()


def _warn_at_start(parent: QWidget, text: str) -> None:
    log.warning("start-up warning: %s", text)
    box = QMessageBox(QMessageBox.Icon.Warning, "Sterile Ledger", text, parent=parent)
    box.setAccessibleName("Start-up warning")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()


def _refuse_to_start(text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, "Sterile Ledger", text)
    box.setInformativeText("Nothing was changed. The app will close.")
    box.setAccessibleName("Cannot open the ledger")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()
