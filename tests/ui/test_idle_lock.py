"""The idle lock: an unattended window hides clients and the open session, and keeps them.

Windows here lock after a fraction of a second without input (the clinic's setting is
minutes). Unlocking signs in for real: the same person's password, or a manager's.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from inventory import receiving
from inventory.access import Actor
from inventory.db import Database
from inventory.errors import LedgerError
from sterility.models import Refusal, UnitUse
from tests import people
from tests.people import staff
from tests.ui.chair_helpers import fill_intake, ready_room
from tests.ui.helpers import find, message_box, open_dialog, scan, wait_idle
from ui.dialogs import RecallDialog
from ui.idle_lock import LockPage
from ui.main_window import MainWindow
from ui.scan_field import ScanField
from ui.screens.chair import ChairScreen

Opener = Callable[..., MainWindow]
CLIENT = "C-1042"
SHORT_MS = 200


def chair_with_session(
    qtbot: QtBot, open_window: Opener, actor: Actor | None = None, practitioner: str = ""
) -> tuple[MainWindow, ChairScreen]:
    """A window at the chair with a session open for CLIENT (no idle lock yet)."""
    window = open_window("chair", actor=actor)
    ready_room(window.ctx.db)
    chair = window.screens["chair"]
    assert isinstance(chair, ChairScreen)
    find(chair, QLineEdit, "Client reference").setText(CLIENT)
    if practitioner:
        find(chair, QComboBox, "Practitioner").setCurrentText(practitioner)
    fill_intake(qtbot, chair)
    find(chair, QPushButton, "Open session").click()
    wait_idle(qtbot, window)
    assert chair.session is not None and chair.session.client_ref == CLIENT
    return window, chair


def texts_on_screen() -> list[str]:
    """Every text a person can see now: window titles, labels, fields, list and table cells."""
    seen: list[str] = []
    for widget in QApplication.allWidgets():
        if not widget.isVisible():
            continue
        if widget.isWindow():
            seen.append(widget.windowTitle())
        if isinstance(widget, QLabel | QPushButton | QLineEdit):
            seen.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            seen.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            seen += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model, top = widget.model(), QModelIndex()
            seen += [
                str(model.index(r, c).data() or "")
                for r in range(model.rowCount(top))
                for c in range(1 if isinstance(widget, QListView) else model.columnCount(top))
            ]
        seen.append(widget.toolTip())
    return seen


def lock_page(window: MainWindow) -> LockPage:
    return window.lock_page


def unlock(qtbot: QtBot, window: MainWindow, name: str, password: str = people.PASSWORD) -> None:
    page = lock_page(window)
    find(page, QLineEdit, "Staff name").setText(name)
    find(page, QLineEdit, "Password").setText(password)
    qtbot.keyClick(find(page, QLineEdit, "Password"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.form._checking, timeout=10_000)
    wait_idle(qtbot, window)


def counts(db: Database) -> tuple[int, int]:
    with db.read() as conn:
        uses = conn.execute(select(func.count()).select_from(UnitUse)).scalar_one()
        refusals = conn.execute(select(func.count()).select_from(Refusal)).scalar_one()
    return uses, refusals


def test_an_idle_window_locks_and_hides_the_client_and_the_session(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window, chair = chair_with_session(qtbot, open_window)
    assert any(CLIENT in text for text in texts_on_screen())  # shown while someone works
    window.lock_after_ms = SHORT_MS
    qtbot.waitUntil(lambda: window.locked, timeout=3_000)

    page = lock_page(window)
    assert page.isVisible()
    assert find(page, QLabel, "Lock message").text() == "Locked: Test Manager was signed in"
    assert find(page, QLineEdit, "Staff name").text() == "Test Manager"
    assert not chair.isVisible() and not window.stack.isVisible() and not window.nav.isVisible()
    assert not chair.session_title.isVisible()
    on_screen = texts_on_screen()
    assert not [text for text in on_screen if CLIENT in text]
    assert not [text for text in on_screen if f"Session {chair.session.id}" in text]
    assert "(locked)" in window.windowTitle()
    assert window.who.text() == "Locked: Test Manager"


def test_the_same_person_unlocks_and_carries_on_where_they_were(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    window, chair = chair_with_session(qtbot, open_window)
    session_id = chair.session.id
    window.lock_after_ms = SHORT_MS
    qtbot.waitUntil(lambda: window.locked, timeout=3_000)
    window.lock_after_ms = 60_000  # no second lock while the test types

    unlock(qtbot, window, "Test Manager", "wrong password")
    assert window.locked
    assert "do not match" in find(lock_page(window), QLabel, "Sign-in message").text()
    unlock(qtbot, window, "Test Manager")
    assert window.locked  # until the person has read that someone tried their name
    said = find(lock_page(window), QLabel, "Sign-in message").text()
    assert "There was 1 failed sign-in for this name" in said
    find(lock_page(window), QPushButton, "Continue").click()
    assert not window.locked
    assert chair.isVisible() and chair.session is not None and chair.session.id == session_id
    assert CLIENT in chair.session_title.text() and chair.session_title.isVisible()
    assert window.who.text() == "Signed in as Test Manager (manager)"
    assert "(locked)" not in window.windowTitle()
    field = find(chair, ScanField, "Scan unit")
    qtbot.waitUntil(field.hasFocus)  # straight back to scanning
    scan(qtbot, field, "U1-001")
    wait_idle(qtbot, window)
    assert chair.verdict.state == "ok"
    assert counts(ledger) == (1, 0)


def test_a_manager_unlocks_a_practitioners_window_and_carries_on_as_the_manager(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window, chair = chair_with_session(qtbot, open_window, staff("Sam Okafor"))
    session_id = chair.session.id
    window.lock()  # File > Lock now
    page = lock_page(window)
    assert find(page, QLabel, "Lock message").text() == "Locked: Sam Okafor was signed in"

    unlock(qtbot, window, "Jo")  # another practitioner: their password is right, but no
    assert window.locked
    said = find(page, QLabel, "Sign-in message").text()
    assert said.startswith("Only Sam Okafor or a manager can unlock this window")

    unlock(qtbot, window, "Manager")
    assert not window.locked
    assert window.ctx.actor.name == "Manager" and window.ctx.actor.role == "manager"
    assert window.who.text() == "Signed in as Manager (manager)"
    assert chair.session is not None and chair.session.id == session_id  # the work is kept
    assert CLIENT in chair.session_title.text()


def test_no_scan_is_used_or_refused_while_locked(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    window, chair = chair_with_session(qtbot, open_window)
    field = find(chair, ScanField, "Scan unit")
    qtbot.keyClicks(field, "U1-0")  # a scan half-way through when the window locks
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # Lock now
    assert window.locked
    assert field.text() == ""  # the half-read scan was thrown away
    before = counts(ledger)

    scan(qtbot, field, "U1-001")  # a scanner firing into the locked window
    QApplication.sendEvent(
        field, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
    )
    chair.submit_scan("U1-002")  # and the screen's own guard
    wait_idle(qtbot, window)
    assert counts(ledger) == before == (0, 0)
    assert field.text() == "" and not field.isEnabled()
    assert chair.verdict.state != "ok"


def test_open_dialogs_are_hidden_while_locked_and_come_back_as_they_were(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("recalls")
    find(window.screens["recalls"], QPushButton, "Enter a recall notice").click()
    dialog = open_dialog(qtbot, "Enter a recall notice", RecallDialog)
    find(dialog, QLineEdit, "Notice reference").setText("FSN-half-typed")
    window.lock()
    assert not dialog.isVisible() and shiboken6.isValid(dialog)  # hidden, not closed
    unlock(qtbot, window, "Test Manager")
    qtbot.waitUntil(dialog.isVisible)
    assert find(dialog, QLineEdit, "Notice reference").text() == "FSN-half-typed"
    dialog.reject()


def test_sign_out_lets_anyone_sign_in_and_clears_the_last_persons_form(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window, chair = chair_with_session(qtbot, open_window, practitioner="Dr Haddad")
    chair.intake.answer_buttons["acne"][1].setChecked(True)  # the next client's, begun
    window.sign_out()
    page = lock_page(window)
    assert window.locked
    assert find(page, QLabel, "Lock message").text() == "Signed out: Test Manager"
    assert find(page, QLineEdit, "Staff name").text() == ""
    assert window.who.text() == "Signed out: Test Manager"

    unlock(qtbot, window, "Sam Okafor")
    assert not window.locked
    assert window.who.text() == "Signed in as Sam Okafor (practitioner)"
    assert chair.session is None  # Dr Haddad's session is not Sam's to continue
    assert len(chair.intake.unanswered()) == len(chair.intake.answer_buttons)
    practitioner = find(chair, QComboBox, "Practitioner")
    assert [practitioner.itemText(i) for i in range(practitioner.count())] == ["Sam Okafor"]


def test_the_menu_locks_and_only_quit_works_while_locked(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window()
    actions = {a.text().replace("&", ""): a for a in window.menu_actions}
    assert actions["Lock now"].shortcut().toString() == "Ctrl+L"
    actions["Lock now"].trigger()
    assert window.locked
    assert [name for name, a in actions.items() if a.isEnabled()] == ["Quit"]
    unlock(qtbot, window, "Test Manager")
    assert all(a.isEnabled() for a in actions.values())


def test_an_error_while_locked_waits_for_the_unlock(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window, chair = chair_with_session(qtbot, open_window)
    window.lock()
    chair.show_error(LedgerError("Session 9 is already closed."))  # a late background answer
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    unlock(qtbot, window, "Test Manager")
    box = message_box(qtbot)
    assert box.text() == "Session 9 is already closed."
    box.close()
