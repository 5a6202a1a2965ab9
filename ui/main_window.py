"""The main window: screens on the left, menus with the platform's shortcuts, a status bar.

It owns the screens and routes click-throughs between them; it remembers its size,
place and last screen on this workstation; and it shows who is signed in, on which
ledger, and a warning when this PC's clock is behind the ledger's newest record.

It also locks (ui.idle_lock): after the clinic's idle minutes, on File > Lock now, or on
Sign out, a lock page covers the screens and their open dialogs, and only the person who
was signed in or a manager unlocks it. Screens are never rebuilt: a half-filled form or
an open chair session is there again after unlocking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from inventory import __version__, health, settings
from inventory.access import Actor
from inventory.clock import show_local
from inventory.paths import log_dir
from inventory.staff import SignedIn
from ui import desktop, style
from ui.access import signed_in_words
from ui.context import AppContext
from ui.errors import show_error
from ui.icons import icon, tinted
from ui.idle_lock import MINUTE_MS, IdleWatch, LockPage
from ui.screens.audit import AuditScreen
from ui.screens.base import Screen
from ui.screens.chair import ChairScreen
from ui.screens.dashboard import DashboardScreen
from ui.screens.equipment import EquipmentScreen
from ui.screens.inventory import InventoryScreen
from ui.screens.recalls import RecallsScreen
from ui.screens.receive import ReceiveScreen
from ui.screens.reports import ReportsScreen
from ui.screens.settings import SettingsScreen
from ui.widgets import ElidedLabel, ResultLabel, standard_keys
from ui.worker import Worker

SCREENS: dict[str, type[Screen]] = {  # in navigation order: Ctrl+1 to Ctrl+9
    "dashboard": DashboardScreen,
    "receive": ReceiveScreen,
    "chair": ChairScreen,
    "inventory": InventoryScreen,
    "recalls": RecallsScreen,
    "equipment": EquipmentScreen,
    "reports": ReportsScreen,
    "audit": AuditScreen,
    "settings": SettingsScreen,
}
DEFAULT_SIZE = QSize(1280, 800)


class LazyScreens(Mapping[str, Screen]):
    """The window's screens by key, in navigation order, each made on first use."""

    def __init__(self, build: Callable[[str], Screen]) -> None:
        self._build = build
        self._made: dict[str, Screen] = {}

    def __getitem__(self, key: str) -> Screen:
        screen = self._made.get(key)
        if screen is None:
            if key not in SCREENS:
                raise KeyError(key)
            screen = self._made[key] = self._build(key)
        return screen

    def __iter__(self) -> Iterator[str]:
        return iter(SCREENS)

    def __len__(self) -> int:
        return len(SCREENS)

    def __contains__(self, key: object) -> bool:
        return key in SCREENS

    def built(self) -> list[Screen]:
        """The screens made so far (the others have nothing to lock, clear or reread)."""
        return list(self._made.values())


class MainWindow(QMainWindow):
    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        lock_after_ms: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.clinic_name = ""
        self._lock_override = lock_after_ms
        """Set by tests and scripts; otherwise the clinic's idle_lock_minutes decide."""
        self._hidden_dialogs: list[QDialog] = []
        self._locked_by: Actor | None = None
        self.setObjectName("mainWindow")
        self.setWindowTitle("Sterile Ledger")
        self.setWindowIcon(icon("app"))
        self.setAccessibleName("Sterile Ledger")
        for worker in self._workers():
            worker.default_failure = self._background_failed
            worker.busy_changed.connect(self._busy)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Screens")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFixedWidth(188)
        self.stack = QStackedWidget()
        self.screens = LazyScreens(self._build_screen)
        for number, (key, cls) in enumerate(SCREENS.items(), start=1):
            item = QListWidgetItem(tinted(cls.icon_name, style.NAV_INK), cls.title)
            item.setToolTip(f"{cls.title} (Ctrl+{number})")
            item.setSizeHint(QSize(0, 42))
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._nav_changed)

        self.content = QWidget()
        self.content.setObjectName("content")
        layout = QHBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        inner = QWidget()
        inner_layout = QHBoxLayout(inner)
        inner_layout.setContentsMargins(14, 10, 14, 6)
        inner_layout.addWidget(self.stack)
        layout.addWidget(inner, 1)
        self.lock_page = LockPage(ctx.db, ctx.worker)
        self.lock_page.unlocked.connect(self._unlocked)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        self.pages.addWidget(self.content)
        self.pages.addWidget(self.lock_page)
        self.setCentralWidget(self.pages)

        self.idle = IdleWatch(lock_after_ms or 5 * MINUTE_MS, self)
        self.idle.idle.connect(self.lock)

        self._make_menus()
        self.who = ResultLabel(signed_in_words(ctx.actor), "Signed in", quiet=True)
        self.where = ElidedLabel(_where(ctx), "Ledger")  # a long path gives way at 1024
        self.busy = ResultLabel("", "Working", quiet=True)
        self.clock_warning = QLabel("")
        self.clock_warning.setObjectName("clockWarning")
        self.clock_warning.setAccessibleName("Clock warning")
        self.clock_warning.hide()
        bar = self.statusBar()
        bar.addWidget(self.who)
        bar.addWidget(self.where, 1)
        bar.addPermanentWidget(self.clock_warning)
        bar.addPermanentWidget(self.busy)

        if not ctx.prefs.restore_window(self):
            self._default_geometry()
        last = ctx.prefs.text("layout/screen", "dashboard")
        self._current: str | None = None
        self.show_screen(last if last in self.screens else "dashboard")
        self._check_clock_and_name()
        self.idle.start()

    # -- screens

    def _build_screen(self, key: str) -> Screen:
        """A screen made the first time it is shown or asked for: building all nine at
        start-up was half of the time to the first window."""
        screen = SCREENS[key](self.ctx)
        screen.setObjectName(f"{key}Screen")
        screen.navigate.connect(self.show_screen)
        screen.changed.connect(self._ledger_changed)
        if isinstance(screen, SettingsScreen):
            screen.idle_minutes_saved.connect(self._idle_minutes)
        self.stack.addWidget(screen)
        screen.actor_changed()
        if self.ctx.locked:
            screen.lock_changed(True)
        return screen

    def show_screen(self, key: str, filters: dict[str, Any] | None = None) -> Screen:
        """Show a screen; with filters, the list a click-through asked for."""
        screen = self.screens[key]
        row = list(self.screens).index(key)
        self._current = key
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(row)
        self.nav.blockSignals(False)
        self.stack.setCurrentWidget(screen)
        screen.enter(filters)
        return screen

    def current_screen(self) -> Screen:
        return self.screens[self._current or "dashboard"]

    def _nav_changed(self, row: int) -> None:
        if row >= 0:
            self.show_screen(list(self.screens)[row])

    def _ledger_changed(self) -> None:
        """Keep the dashboard honest when something changed elsewhere."""
        if self._current == "dashboard" and not self.locked:
            self.screens["dashboard"].activated()

    # -- locking and who is signed in

    @property
    def locked(self) -> bool:
        return self.ctx.locked

    @property
    def lock_after_ms(self) -> int:
        return self.idle.timeout_ms

    @lock_after_ms.setter
    def lock_after_ms(self, value: int) -> None:
        """Lock after this many idle milliseconds (tests use a fraction of a second)."""
        self._lock_override = value
        self.idle.set_timeout_ms(value)

    def _idle_minutes(self, minutes: int) -> None:
        if self._lock_override is None:
            self.idle.set_timeout_ms(minutes * MINUTE_MS)

    def lock(self, *, sign_out: bool = False) -> None:
        """Cover the screens and their dialogs; only the same person or a manager unlocks.

        Signed out, anyone may sign in, and the last person's typing is cleared first.
        """
        if self.locked:
            if sign_out and not self.lock_page.signed_out:
                self.lock_page.show_locked(self.ctx.actor, signed_out=True)
            return
        self.ctx.locked = True
        self._locked_by = self.ctx.actor
        self.idle.stop()
        self._hidden_dialogs = [d for d in self._own_dialogs() if d.isVisible()]
        for dialog in self._hidden_dialogs:
            dialog.hide()
        for screen in self.screens.built():
            screen.lock_changed(True)
        self.lock_page.show_locked(self.ctx.actor, signed_out=sign_out)
        self.pages.setCurrentWidget(self.lock_page)
        for action in self.menu_actions:
            action.setEnabled(action is self.quit_action)
        self.who.setText(
            f"Signed out: {self.ctx.actor.name}" if sign_out else f"Locked: {self.ctx.actor.name}"
        )
        self._show_title()
        self.lock_page.focus()

    def sign_out(self) -> None:
        self.lock(sign_out=True)

    def _unlocked(self, signed: SignedIn) -> None:
        before, actor = self._locked_by or self.ctx.actor, signed.actor
        same = actor.staff_id == before.staff_id
        self.ctx.actor = actor
        if same or not self.lock_page.signed_out:
            # The same person, or a manager taking over: everything is as it was.
            for dialog in self._hidden_dialogs:
                dialog.show()
        else:
            for dialog in self._hidden_dialogs:
                dialog.reject()
        self._hidden_dialogs = []
        self.ctx.locked = False
        self._locked_by = None
        self.pages.setCurrentWidget(self.content)
        for action in self.menu_actions:
            action.setEnabled(True)
        if not same:
            for screen in self.screens.built():
                if self.lock_page.signed_out:
                    screen.forget_person()
                screen.actor_changed()
        for screen in self.screens.built():
            screen.lock_changed(False)
            screen.release_held_errors(show=same or not self.lock_page.signed_out)
        self.who.setText(signed_in_words(actor))
        self._show_title()
        self.idle.start()
        current = self.current_screen()
        if not same:
            current.activated()  # read again with the new person's keys
        elif isinstance(current, ChairScreen):
            current.focus_scan()

    def _background_failed(self, error: BaseException) -> None:
        if self.locked:  # never a dialog over the lock page: shown after unlocking
            self.screens["dashboard"].held_errors.append(error)
            return
        show_error(self, error)

    def _own_dialogs(self) -> list[QDialog]:
        """This window's dialogs (they are their own top-level windows)."""
        found = []
        for widget in QApplication.topLevelWidgets():
            if not isinstance(widget, QDialog) or widget is self:
                continue
            parent = widget.parentWidget()
            if parent is not None and parent.window() is self:
                found.append(widget)
        return found

    def _show_title(self) -> None:
        """The clinic's name; never a client, and the window says when it is locked."""
        name = f"Sterile Ledger: {self.clinic_name}" if self.clinic_name else "Sterile Ledger"
        self.setWindowTitle(f"{name} (locked)" if self.locked else name)

    # -- menus

    def _make_menus(self) -> None:
        self.menu_actions: list[QAction] = []
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        export = self._action("&Export a report…", lambda: self.show_screen("reports"), file_menu)
        export.setStatusTip("Compliance or usage report as PDF and CSV")
        self._action(
            "&Print unit labels…",
            lambda: self.current_screen().print_labels(),
            file_menu,
            QKeySequence.StandardKey.Print,
        )
        file_menu.addSeparator()
        lock = self._action("&Lock now", self.lock, file_menu)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.setStatusTip("Hide the screens until you, or a manager, unlock with a password")
        sign_out = self._action("Sign &out", self.sign_out, file_menu)
        sign_out.setStatusTip("Lock, then let anyone sign in with their own account")
        file_menu.addSeparator()
        self.quit_action = self._action(
            "&Quit", self.close, file_menu, QKeySequence.StandardKey.Quit
        )

        go = bar.addMenu("&Go")
        for number, (key, cls) in enumerate(SCREENS.items(), start=1):
            action = self._action(cls.title, lambda _c=False, k=key: self.show_screen(k), go, None)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.setIcon(icon(cls.icon_name))
        go.addSeparator()
        self._action(
            "&Refresh",
            lambda: self.current_screen().activated(),
            go,
            QKeySequence.StandardKey.Refresh,
        )
        self._action(
            "&Find", lambda: self.current_screen().focus_search(), go, QKeySequence.StandardKey.Find
        )
        self._action(
            "Se&ttings",
            lambda: self.show_screen("settings"),
            go,
            QKeySequence.StandardKey.Preferences,
        )

        help_menu = bar.addMenu("&Help")
        self._action(
            "&About Sterile Ledger", self.about, help_menu, QKeySequence.StandardKey.HelpContents
        )
        self._action("Open the &log folder", lambda: desktop.open_path(log_dir()), help_menu)

    def _action(
        self,
        text: str,
        slot: Any,
        menu: Any,
        shortcut: QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            standard_keys(action, shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.menu_actions.append(action)
        return action

    def about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About Sterile Ledger")
        box.setAccessibleName("About Sterile Ledger")
        box.setIconPixmap(icon("app").pixmap(QSize(64, 64), self.devicePixelRatioF()))
        box.setText(f"<b>Sterile Ledger {__version__}</b>")
        box.setInformativeText(
            "Single-use needle cartridges and rollers, tracked from box to client.<br>"
            f"Data folder: {self.ctx.data_dir}<br>Log file: {log_dir() / 'sterile-ledger.log'}"
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- status

    def _busy(self, busy: bool) -> None:
        self.busy.setText("Working…" if busy else "")

    def _check_clock_and_name(self) -> None:
        db = self.ctx.db

        def read() -> tuple[str, datetime | None, datetime, Any, int]:
            with db.read() as conn:
                clinic = settings.clinic(conn)
                return (
                    clinic.clinic_name,
                    health.clock_behind(conn, db.clock),
                    clinic.tz,
                    settings.idle_lock_minutes(conn),
                )

        def show(data: tuple[str, datetime | None, Any, int]) -> None:
            name, newest, tz, minutes = data
            self.clinic_name = name
            self._show_title()
            self._idle_minutes(minutes)
            if newest is not None:
                self.clock_warning.setText(
                    f"This computer's clock is behind the ledger's last record "
                    f"({show_local(newest, tz)}): check the date and time. Until then, new "
                    "records carry that time and expiry is checked against it."
                )
                self.clock_warning.show()

        self.ctx.worker.submit(read, success=show, owner=self, label="clock check")

    # -- size and place

    def _default_geometry(self) -> None:
        screen = QGuiApplication.primaryScreen()
        size = DEFAULT_SIZE
        if screen is not None:
            available = screen.availableGeometry().size()
            if available.width() > 400 and available.height() > 300:
                size = size.boundedTo(available)
        self.resize(size)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the layout; let queued work finish so nothing the person did is lost."""
        self.idle.detach()
        if not self.ctx.prefs.layout_forgotten:
            self.ctx.prefs.set_text("layout/screen", self._current or "dashboard")
            self.ctx.prefs.save_window(self)
        for worker in self._workers():
            worker.cancel_all()
            worker.stop()
        event.accept()

    def _workers(self) -> list[Worker]:
        return [w for w in (self.ctx.worker, self.ctx.long_worker) if w is not None]


def _where(ctx: AppContext) -> str:
    from inventory.db import sqlite_path

    path = sqlite_path(ctx.db_url)
    return f"Ledger: {path}" if path is not None else f"Ledger: {ctx.db.dialect} database"
