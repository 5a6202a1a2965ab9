"""Settings > Staff: a manager adds, resets, scopes and deactivates accounts; anyone changes
their own password; the idle-lock minutes are saved for every workstation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from inventory import settings, staff
from inventory.db import Database
from inventory.staff import SignInFailed
from tests import people
from tests.people import staff as actor_of
from tests.ui.helpers import find, is_closed, open_dialog, wait_idle
from ui.main_window import MainWindow
from ui.screens.settings import SettingsScreen
from ui.screens.staff import StaffSection
from ui.staff_dialogs import (
    AddStaffDialog,
    ChangePasswordDialog,
    ConfirmDialog,
    ResetPasswordDialog,
)

Opener = Callable[..., MainWindow]
NEW = "brand new pass"


def staff_section(qtbot: QtBot, open_window: Opener, **options: object) -> StaffSection:
    window = open_window("settings", **options)
    screen = window.screens["settings"]
    assert isinstance(screen, SettingsScreen)
    screen.tabs.setCurrentWidget(screen.staff)
    wait_idle(qtbot, window)
    return screen.staff


def select(section: StaffSection, name: str) -> None:
    row = next(r for r in range(section.model.rowCount()) if section.model.row(r).name == name)
    section.table.selectRow(row)


def saved(qtbot: QtBot, section: StaffSection, dialog: object) -> None:
    qtbot.waitUntil(lambda: is_closed(dialog), timeout=10_000)  # type: ignore[arg-type]
    wait_idle(qtbot, section.window())  # type: ignore[arg-type]


def problem_after(qtbot: QtBot, dialog: object) -> str:
    label = find(dialog, QLabel, "Problem")  # type: ignore[arg-type]
    qtbot.waitUntil(label.isVisible, timeout=10_000)
    return label.text()


def test_the_accounts_are_listed_with_role_and_scope(qtbot: QtBot, open_window: Opener) -> None:
    section = staff_section(qtbot, open_window)
    rows = {section.model.row(r).name: r for r in range(section.model.rowCount())}
    assert set(rows) == set(people.ROSTER)
    esthetician = rows["Esthetician"]
    assert section.model.index(esthetician, 1).data() == "Practitioner"
    assert section.model.index(esthetician, 2).data() == "0.5 mm"
    assert section.model.index(rows["Sam"], 2).data() == "no limit"
    assert section.model.index(rows["Sam"], 3).data() == "active"


def test_a_manager_adds_a_practitioner_who_can_then_sign_in(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    section = staff_section(qtbot, open_window)
    find(section, QPushButton, "Add staff account").click()
    dialog = open_dialog(qtbot, "Add a staff account", AddStaffDialog)
    find(dialog, QLineEdit, "Staff name").setText("Sam")
    find(dialog, QComboBox, "Deepest needle").setCurrentText("1.0")
    find(dialog, QLineEdit, "New password").setText(NEW)
    find(dialog, QLineEdit, "New password again").setText(NEW + "!")
    find(dialog, QPushButton, "Add staff").click()
    assert "not the same" in problem_after(qtbot, dialog)

    find(dialog, QLineEdit, "New password again").setText(NEW)
    find(dialog, QPushButton, "Add staff").click()  # the service's refusal, in its words
    assert problem_after(qtbot, dialog) == "There is already a staff account called 'Sam'."
    assert dialog.isVisible()

    find(dialog, QLineEdit, "Staff name").setText("Noor Rahman")
    find(dialog, QLineEdit, "New password again").setText(NEW)
    find(dialog, QPushButton, "Add staff").click()
    saved(qtbot, section, dialog)
    assert find(section, QLabel, "Staff result").text() == (
        "Noor Rahman can now sign in as practitioner."
    )
    assert any(section.model.row(r).name == "Noor Rahman" for r in range(section.model.rowCount()))
    signed = staff.sign_in(ledger, "Noor Rahman", NEW)
    assert (signed.actor.role, signed.actor.max_depth_um) == ("practitioner", 1000)


def test_deactivate_and_reset_a_password(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    section = staff_section(qtbot, open_window)
    select(section, "Jo")
    find(section, QPushButton, "Deactivate account").click()
    dialog = open_dialog(qtbot, "Deactivate Jo", ConfirmDialog)
    find(dialog, QPushButton, "Deactivate").click()
    saved(qtbot, section, dialog)
    with pytest.raises(SignInFailed):
        staff.sign_in(ledger, "Jo", people.PASSWORD)
    select(section, "Jo")
    assert not find(section, QPushButton, "Reset password").isEnabled()

    select(section, "Sam")
    find(section, QPushButton, "Reset password").click()
    dialog = open_dialog(qtbot, "Reset Sam's password", ResetPasswordDialog)
    find(dialog, QLineEdit, "New password").setText(NEW)
    find(dialog, QLineEdit, "New password again").setText(NEW)
    find(dialog, QPushButton, "Reset password").click()
    saved(qtbot, section, dialog)
    assert staff.sign_in(ledger, "Sam", NEW).actor.name == "Sam"


def test_a_practitioner_changes_their_own_password_and_manages_nobody(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    section = staff_section(qtbot, open_window, actor=actor_of("Sam Okafor"))
    assert not find(section, QPushButton, "Add staff account").isEnabled()
    select(section, "Jo")
    assert not find(section, QPushButton, "Deactivate account").isEnabled()
    assert not find(section, QSpinBox, "Lock after idle minutes").isEnabled()

    find(section, QPushButton, "Change my password").click()
    dialog = open_dialog(qtbot, "Change my password", ChangePasswordDialog)
    find(dialog, QLineEdit, "Current password").setText("not it")
    find(dialog, QLineEdit, "New password").setText(NEW)
    find(dialog, QLineEdit, "New password again").setText(NEW)
    find(dialog, QPushButton, "Change password").click()
    said = problem_after(qtbot, dialog)
    assert said == "The current password is not right; nothing was changed."
    find(dialog, QLineEdit, "Current password").setText(people.PASSWORD)
    find(dialog, QLineEdit, "New password again").setText(NEW)
    find(dialog, QPushButton, "Change password").click()
    saved(qtbot, section, dialog)
    assert staff.sign_in(ledger, "Sam Okafor", NEW).actor.name == "Sam Okafor"


def test_the_idle_lock_minutes_are_saved_and_used_at_once(
    qtbot: QtBot, open_window: Opener, ledger: Database
) -> None:
    section = staff_section(qtbot, open_window)
    window = section.window()
    assert isinstance(window, MainWindow)
    assert window.lock_after_ms == 5 * 60_000  # the clinic's default
    minutes = find(section, QSpinBox, "Lock after idle minutes")
    minutes.setValue(2)
    find(section, QPushButton, "Save lock time").click()
    wait_idle(qtbot, window)
    with ledger.read() as conn:
        assert settings.idle_lock_minutes(conn) == 2
    assert window.lock_after_ms == 2 * 60_000
    assert "locks after 2 idle minutes" in find(section, QLabel, "Lock time result").text()
