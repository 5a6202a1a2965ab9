"""Settings: the clinic's (in the ledger, audited) and this workstation's (QSettings)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from inventory import receiving, settings
from inventory.db import Database
from inventory.models import AuditEvent, Product
from tests.conftest import GTIN_10
from tests.ui.helpers import find, message_box, scan, wait_idle
from ui.main_window import MainWindow
from ui.models.reorder import LEVEL_COLUMN
from ui.prefs import Prefs, make_qsettings
from ui.scan_field import ScanField
from ui.screens.settings import SettingsScreen

Opener = Callable[..., MainWindow]


def settings_screen(qtbot: QtBot, open_window: Opener) -> SettingsScreen:
    window = open_window("settings")
    screen = window.screens["settings"]
    assert isinstance(screen, SettingsScreen)
    return screen


def test_clinic_name_and_licence_are_saved_with_an_audit_event(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    screen = settings_screen(qtbot, open_window)
    name = find(screen, QLineEdit, "Clinic name")
    assert name.text() == "My clinic"
    name.setText("Harbour Skin Clinic")
    find(screen, QLineEdit, "Licence number").setText("NSW-SK-0142")
    name.setFocus()
    qtbot.keyClick(name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    with ledger.read() as conn:
        values = settings.read_all(conn)
        actors = conn.execute(
            select(AuditEvent.actor).where(AuditEvent.entity_id == "clinic_name")
        ).scalars()
        assert list(actors) == ["Test Manager"]
    assert (values["clinic_name"], values["licence_number"]) == (
        "Harbour Skin Clinic",
        "NSW-SK-0142",
    )
    result = find(screen, QLabel, "Clinic settings result").text()
    assert result == "Saved: clinic name, licence number."


def test_a_wrong_time_zone_is_refused_in_a_clear_dialog(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    screen = settings_screen(qtbot, open_window)
    find(screen, QComboBox, "Time zone").setCurrentText("Mars/Olympus")
    find(screen, QPushButton, "Save clinic settings").click()
    box = message_box(qtbot)
    assert box.text().startswith("'Mars/Olympus' is not a time zone name.")
    box.close()
    with ledger.read() as conn:
        assert settings.read_all(conn)["timezone"] == "Australia/Brisbane"


def test_a_reorder_level_is_edited_in_the_table_by_keyboard(
    qtbot: QtBot, open_window: Opener, ledger: Database, stocked: receiving.ReceiptResult
) -> None:
    screen = settings_screen(qtbot, open_window)
    view = find(screen, QTableView, "Reorder levels")
    model = screen.reorder_model
    row = next(r for r in range(model.rowCount()) if model.row(r).gtin == GTIN_10)
    view.setFocus()
    view.setCurrentIndex(model.index(row, LEVEL_COLUMN))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.findChild(QSpinBox)  # the editor Qt gives a whole number
    assert editor is not None and editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, "40")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.index(row, LEVEL_COLUMN).data() == "40")  # committed
    wait_idle(qtbot, screen.window())  # type: ignore[arg-type]
    with ledger.read() as conn:
        level = conn.execute(select(Product.reorder_level).where(Product.gtin == GTIN_10))
        assert level.scalar_one() == 40
    assert "warns below 40 units" in find(screen, QLabel, "Reorder result").text()


def test_the_scanner_method_is_kept_on_this_workstation_and_used_at_once(
    qtbot: QtBot, open_window: Opener
) -> None:
    screen = settings_screen(qtbot, open_window)
    window = screen.window()
    assert isinstance(window, MainWindow)
    method = find(screen, QComboBox, "Scanner separator method")
    method.setCurrentIndex(method.findData("fkey"))
    find(screen, QComboBox, "Separator function key").setCurrentText("F9")
    assert Prefs(make_qsettings()).scanner_method == "fkey"  # on disk, for next time
    assert Prefs(make_qsettings()).scanner_fkey == "F9"
    box_field = find(window.screens["receive"], ScanField, "Scan box")
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(
            box_field, QKeyEvent(kind, Qt.Key.Key_F9, Qt.KeyboardModifier.NoModifier, "")
        )
    assert box_field.scan_text() == "\x1d"


def test_try_your_scanner_shows_what_was_read(qtbot: QtBot, open_window: Opener) -> None:
    screen = settings_screen(qtbot, open_window)
    scan(qtbot, find(screen, ScanField, "Try your scanner"), "010950600010002910LOT1", "21S9")
    text = find(screen, QLabel, "Scanner test result").text()
    assert "GTIN 09506000100029, lot LOT1, serial S9. The scanner works." in text
    assert "\u241d" in text  # the separator arrived, and is shown


def test_window_size_and_screen_are_remembered(qtbot: QtBot, open_window: Opener) -> None:
    first = open_window("inventory")
    first.resize(1100, 700)
    first.close()
    second = open_window(size=None)
    assert (second.width(), second.height()) == (1100, 700)
    assert second.stack.currentWidget() is second.screens["inventory"]


def test_forgetting_the_layout_starts_afresh(qtbot: QtBot, open_window: Opener) -> None:
    first = open_window("settings")
    first.resize(1000, 650)
    find(first.screens["settings"], QPushButton, "Forget window layout").click()
    first.close()
    second = open_window(size=None)
    assert second.stack.currentWidget() is second.screens["dashboard"]
    assert (second.width(), second.height()) == (1280, 800)  # the default size again
