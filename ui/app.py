"""Starting the desktop app: the Qt application, the ledger, signing in, the main window.

``python main.py`` (and ``make run``) land here when no command is named; the wiring
(main.py) has already read ``--db URL`` and ``--user NAME`` and passes them in. A ledger
that cannot be opened (a newer schema, a network share, a damaged file) is explained in
a dialog before anything else happens. Then a person signs in (ui.sign_in), or, on a
ledger without staff accounts, creates the clinic's first manager (ui.first_run); the
main window opens as that person. Quitting either dialog ends the app, changing nothing.

On a PC's very first start (no --db, no STERILE_LEDGER_DB, no workstation file and no
ledger yet in the data folder) the app first asks where the ledger lives
(ui.ledger_choice) and keeps the answer in the workstation file. If the ledger chosen
cannot be opened, the file is forgotten and the question is asked again with the reason,
so a wrong choice never locks the PC out.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from inventory import __version__, settings, workstation
from inventory.access import Actor
from inventory.db import Database, env_database_url, sqlite_path
from inventory.errors import LedgerError
from inventory.ledger import open_ledger, resolve_url
from inventory.paths import data_dir, default_database_url
from inventory.staff import has_staff
from ui import style
from ui.context import AppContext
from ui.errors import install_excepthook, show_unexpected
from ui.first_run import FirstRunDialog
from ui.icons import icon
from ui.ledger_choice import LedgerChoiceDialog
from ui.main_window import MainWindow
from ui.prefs import APPLICATION, ORGANISATION, Prefs
from ui.sign_in import SignInDialog
from ui.worker import Worker

log = logging.getLogger("sterile_ledger.ui")

EXIT_OK, EXIT_UNEXPECTED, EXIT_REFUSED = 0, 1, 3
USER_VARIABLE = "STERILE_LEDGER_USER"  # the same as the commands' (the name only, never a password)


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


def make_window(
    db: Database,
    *,
    actor: Actor,
    db_url: str,
    prefs: Prefs | None = None,
    lock_after_ms: int | None = None,
) -> MainWindow:
    """The main window over an open ledger for a signed-in person, with its worker threads.

    ``lock_after_ms`` overrides the clinic's idle-lock minutes (tests, scripts).
    """
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
    window = MainWindow(ctx, lock_after_ms=lock_after_ms)
    worker.setParent(window)
    long_worker.setParent(window)
    return window


def start_dialog(db: Database, *, user: str = "") -> SignInDialog | FirstRunDialog:
    """The first dialog of a start: sign in, or create the first manager of a new ledger."""
    with db.read() as conn:
        first_run = not has_staff(conn)
        clinic = "" if first_run else settings.clinic(conn).clinic_name
    if first_run:
        return FirstRunDialog(db, signing_folder=data_dir() / "signing")
    return SignInDialog(db, user=user, clinic=clinic)


def sign_in_at_start(db: Database, *, user: str = "") -> Actor | None:
    """Who opens the window (None: they quit instead)."""
    dialog = start_dialog(db, user=user)
    try:
        dialog.exec()
        return dialog.actor
    finally:
        dialog.deleteLater()


def needs_location(db_url: str | None) -> bool:
    """Nothing says where the ledger lives yet: no --db, no variable, no workstation file,
    and no ledger already in the data folder (an earlier version's start)."""
    if db_url or env_database_url() or workstation.exists():
        return False
    path = sqlite_path(default_database_url())
    return path is None or not path.exists()


def choose_location(problem: str = "") -> bool:
    """Ask where the ledger lives and save it (False: they quit instead)."""
    dialog = LedgerChoiceDialog(first_start=True, problem=problem)
    try:
        dialog.exec()
        return dialog.saved is not None
    finally:
        dialog.deleteLater()


def run(qt_args: Sequence[str], *, db_url: str | None, user: str | None = None) -> int:
    """Open the desktop app; returns the process exit code."""
    app = application(qt_args)
    undo_hook = install_excepthook()
    db: Database | None = None
    try:
        warnings: list[str] = []
        asking, problem = needs_location(db_url), ""
        while db is None:
            if asking and not choose_location(problem):
                log.info("no ledger was chosen: the app closes")
                return EXIT_OK
            try:
                url = resolve_url(db_url)
                log.info("desktop app starting on %s", url.split("@")[-1])
                db = open_ledger(url, warn=warnings.append)
            except LedgerError as error:
                log.warning("the ledger could not be opened: %s", error.message)
                if not asking:
                    _refuse_to_start(error.message)
                    return EXIT_REFUSED
                workstation.remove()  # chosen just now: ask again, saying why
                warnings.clear()
                problem = f"That ledger could not be opened, so nothing was kept. {error.message}"
        name = (user or os.environ.get(USER_VARIABLE) or "").strip()
        actor = sign_in_at_start(db, user=name)
        if actor is None:
            log.info("nobody signed in: the app closes")
            return EXIT_OK
        log.info("signed in: %s (%s)", actor.name, actor.role)
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


def refuse_to_start(text: str) -> int:
    """Before anything could start (no log folder, say): a window that says why."""
    application()
    _refuse_to_start(text)
    return EXIT_REFUSED


def _refuse_to_start(text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, "Sterile Ledger", text)
    box.setInformativeText("Nothing was changed. The app will close.")
    box.setAccessibleName("Cannot open the ledger")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()
