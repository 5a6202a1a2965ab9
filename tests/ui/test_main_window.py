"""The main window: started from main.py, standard shortcuts, names on every control."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, text

import main
from inventory import receiving, settings
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.ledger import open_ledger
from tests import people
from tests.people import staff
from tests.ui.helpers import find, wait_idle
from ui.app import run
from ui.icons import ICON_DIR, icon
from ui.main_window import SCREENS, MainWindow
from ui.sign_in import SignInDialog

Opener = Callable[..., MainWindow]
CONTROLS = (
    QLineEdit,
    QComboBox,
    QPushButton,
    QCheckBox,
    QSpinBox,
    QDateEdit,
    QPlainTextEdit,
    QTableView,
    QListWidget,
    QTabWidget,
    QProgressBar,
)


def _sign_in_when_asked(password: str, seen: dict[str, str]) -> None:
    """While the start dialog runs its own loop: read the name it offers, type, sign in."""

    def answer() -> None:
        dialog = next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, SignInDialog) and w.isVisible()
            ),
            None,
        )
        if dialog is None:
            QTimer.singleShot(20, answer)
            return
        seen["offered"] = find(dialog, QLineEdit, "Staff name").text()
        find(dialog, QLineEdit, "Password").setText(password)
        find(dialog, QPushButton, "Sign in").click()

    QTimer.singleShot(0, answer)


def _close_when_shown(qtbot: QtBot, seen: dict[str, str]) -> None:
    """While the app's own event loop runs: read the window, then close it like a person."""

    def check() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        window = next((w for w in windows if w.isVisible()), None)
        if window is None or not window.ctx.worker.idle or window.windowTitle() == "Sterile Ledger":
            QTimer.singleShot(20, check)
            return
        seen["title"] = window.windowTitle()
        seen["who"] = window.who.text()
        window.close()

    QTimer.singleShot(0, check)


def test_python_main_py_opens_the_desktop_app(
    qtbot: QtBot,
    app: QApplication,
    ledger: Database,
    ledger_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.set_value(ledger, "clinic_name", "Harbour Skin Clinic", by=staff("setup"))
    monkeypatch.setattr(main, "setup_logging", lambda: None)  # the test's log is pytest's
    seen: dict[str, str] = {}
    _sign_in_when_asked(people.PASSWORD, seen)
    _close_when_shown(qtbot, seen)
    assert main.main(["--db", ledger_url, "--user", "Sam Okafor"]) == 0
    assert seen == {
        "offered": "Sam Okafor",
        "title": "Sterile Ledger: Harbour Skin Clinic",
        "who": "Signed in as Sam Okafor (practitioner)",
    }


def test_a_ledger_from_a_newer_version_is_refused_before_anything_opens(
    qtbot: QtBot, app: QApplication, tmp_path: Path
) -> None:
    path = tmp_path / "newer.sqlite3"
    open_ledger(f"sqlite:///{path}").dispose()
    raw = create_engine(f"sqlite:///{path}")
    with raw.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    raw.dispose()
    said: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        said.append(box.text())
        box.accept()

    QTimer.singleShot(0, answer)
    assert run([], db_url=f"sqlite:///{path}", user="Test Manager") == 3
    assert "written by a newer version of Sterile Ledger" in said[0]


def test_every_control_has_an_accessible_name(open_window: Opener, stocked: object) -> None:
    window = open_window()
    assert len(list(window.screens.values())) == len(SCREENS)  # each made on first use
    nameless, checked = [], 0
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, CONTROLS):
            continue
        parent = widget.parentWidget()
        if isinstance(parent, QComboBox | QAbstractSpinBox):  # a part of a control
            continue
        checked += 1
        if not widget.accessibleName():
            nameless.append(f"{type(widget).__name__} {widget.objectName()} in {parent}")
    assert nameless == []
    assert checked > 80  # every screen's fields, buttons and tables


def test_screens_have_ctrl_number_shortcuts(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window()
    for number, (key, _cls) in enumerate(SCREENS.items(), start=1):
        qtbot.keyClick(
            window, getattr(Qt.Key, f"Key_{number}"), Qt.KeyboardModifier.ControlModifier
        )
        assert window.stack.currentWidget() is window.screens[key]
        assert window.nav.currentRow() == number - 1
    wait_idle(qtbot, window)


def test_standard_keys_are_the_platforms(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("inventory")
    actions = {
        a.text().replace("&", ""): a
        for a in window.findChildren(type(window.menuBar().actions()[0]))
    }
    assert actions["Quit"].shortcut().toString() == "Ctrl+Q"
    assert actions["Refresh"].shortcut().toString() == "F5"
    assert actions["Find"].shortcut().toString() == "Ctrl+F"
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert find(window.screens["inventory"], QLineEdit, "Lot filter").hasFocus()
    wait_idle(qtbot, window)


def test_icons_are_sharp_svgs_at_any_scale() -> None:
    names = sorted(p.stem for p in ICON_DIR.glob("*.svg"))
    assert {"app", "dashboard", "chair", "verdict-ok", "verdict-refused"} <= set(names)
    for name in names:
        pixmap = icon(name).pixmap(QSize(24, 24), 2.0)
        assert not pixmap.isNull(), name
        assert pixmap.width() == 48  # drawn for the 2x screen, not scaled up


def test_a_pc_clock_behind_the_ledger_is_warned_about(
    qtbot: QtBot, open_window: Opener, ledger: Database, clock: FixedClock
) -> None:
    clock.advance(hours=3)  # another workstation wrote at 3 hours later...
    settings.set_value(ledger, "clinic_name", "Later", by=staff("other PC"))
    clock.advance(hours=-3)  # ...than this PC believes it is now
    window = open_window()
    warning = find(window, QLabel, "Clock warning")
    assert warning.isVisible()
    assert "clock is behind the ledger's last record" in warning.text()


def test_no_warning_when_the_clock_is_right(
    open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window()
    assert not find(window, QLabel, "Clock warning").isVisible()


def test_screens_are_made_on_first_visit_and_keep_the_focus(
    qtbot: QtBot, open_window: Opener
) -> None:
    """Start-up makes only the screen shown; each other one is made when first visited,
    without a stray window of its own taking the focus from the main window."""
    window = open_window()
    assert [type(s) for s in window.screens.built()] == [SCREENS["dashboard"]]
    for key, cls in SCREENS.items():
        window.show_screen(key)
        wait_idle(qtbot, window)
        assert isinstance(window.current_screen(), cls)
        assert window.isActiveWindow(), f"opening {key} took the focus from the window"
    assert len(window.screens.built()) == len(SCREENS)

