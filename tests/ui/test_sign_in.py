"""Signing in at the start: the first manager of a new ledger, wrong passwords, the wait.

The dialogs run over a real SQLite ledger and sign in for real (argon2id, off the main
thread); tests find every control by its accessible name and click it like a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from inventory import audit, seal, staff
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.ledger import open_ledger
from inventory.staff import SignInFailed
from tests import people
from tests.conftest import T0
from tests.ui.helpers import find, is_closed, read_codes
from ui.app import run, start_dialog
from ui.first_run import FirstRunDialog
from ui.main_window import MainWindow
from ui.sign_in import SignInDialog

NEW_PASSWORD = "harbour clinic 7"


@pytest.fixture
def new_ledger(empty_ledger_url: str) -> Iterator[Database]:
    db = open_ledger(empty_ledger_url, clock=FixedClock(T0))
    yield db
    db.dispose()


@pytest.fixture
def shown(qtbot: QtBot) -> Iterator[Callable[[QDialog], QDialog]]:
    """Open a start dialog; afterwards it is closed, which ends its worker thread (a dialog
    dropped unclosed would take a running thread with it)."""
    opened: list[QDialog] = []

    def show(dialog: QDialog) -> QDialog:
        opened.append(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    yield show
    for dialog in opened:
        if dialog.isVisible():
            if isinstance(dialog, FirstRunDialog) and dialog.on_code_page:
                dialog.written.setChecked(True)
                dialog.accept()
            else:
                dialog.reject()
        dialog.worker.stop()


def message_of(dialog: QDialog) -> QLabel:
    return find(dialog, QLabel, "Sign-in message")


def sign_in_with(qtbot: QtBot, dialog: QDialog, password: str) -> None:
    find(dialog, QLineEdit, "Password").setText(password)
    find(dialog, QPushButton, "Sign in").click()
    form = dialog.form  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not form._checking and dialog.worker.idle, timeout=10_000)


# -- the first start


def test_the_first_start_creates_the_manager_and_shows_the_code_once(
    qtbot: QtBot,
    shown: Callable[[QDialog], QDialog],
    app: object,
    new_ledger: Database,
    tmp_path: Path,
) -> None:
    dialog = start_dialog(new_ledger)
    assert isinstance(dialog, FirstRunDialog)
    shown(dialog)
    assert dialog.accessibleName() == "Create the clinic's first manager"

    find(dialog, QLineEdit, "Manager's name").setText("Amira Haddad")
    find(dialog, QLineEdit, "New password").setText(NEW_PASSWORD)
    find(dialog, QLineEdit, "New password again").setText(NEW_PASSWORD + "x")
    find(dialog, QPushButton, "Create manager").click()
    problem = find(dialog, QLabel, "Problem")
    assert problem.isVisible() and "not the same" in problem.text()
    with new_ledger.read() as conn:
        assert not staff.has_staff(conn)  # nothing was made from two different passwords

    find(dialog, QLineEdit, "New password again").setText(NEW_PASSWORD)
    find(dialog, QPushButton, "Create manager").click()
    qtbot.waitUntil(lambda: dialog.on_code_page, timeout=10_000)

    code = find(dialog, QLabel, "Recovery code")
    fingerprint = find(dialog, QLabel, "Signing certificate fingerprint")
    assert code.isVisible() and len(code.text().split("-")) == 6
    recovery_code = code.text()
    from inventory.signing_key import fingerprint as fingerprint_of

    with new_ledger.read() as conn:
        certificate = staff.certificate(conn)
    assert certificate is not None
    assert " ".join(fingerprint.text().split()) == fingerprint_of(certificate)

    # The verification key: as text and as a QR code that reads back to the same text,
    # and it checks this ledger's seals.
    key = find(dialog, QLabel, "Verification key")
    (read,) = read_codes(find(dialog, QLabel, "Verification key QR code").pixmap().toImage())
    assert read.text == key.text()
    verification_key = key.text()
    with new_ledger.read() as conn:
        assert audit.verify(conn, key=seal.key_from_text(verification_key)).seals_checked

    # The box must be ticked: Continue, Esc and the window's close do not leave.
    go_on = find(dialog, QPushButton, "Continue")
    assert not go_on.isEnabled()
    dialog.reject()
    dialog.close()
    assert dialog.isVisible() and dialog.on_code_page
    assert "shown only this once" in find(dialog, QLabel, "Recovery code reminder").text()
    find(dialog, QCheckBox, "I have written down or printed both codes").setChecked(True)
    assert go_on.isEnabled()
    go_on.click()
    assert is_closed(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    actor = dialog.actor
    assert actor is not None and (actor.name, actor.role) == ("Amira Haddad", "manager")
    assert code.text() == "" and key.text() == ""  # shown once: the dialog keeps no copy
    assert find(dialog, QLabel, "Verification key QR code").pixmap().isNull()

    # The code is not in the ledger in readable form; it works, once, as designed.
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("first-run.sqlite3*"))
    assert recovery_code.encode() not in stored
    assert recovery_code.replace("-", "").encode() not in stored
    raw_key = seal.key_from_text(verification_key)
    assert raw_key not in stored and raw_key.hex().encode() not in stored
    assert verification_key.encode() not in stored

    # The manager can now sign in; the next start asks to sign in, never for a code.
    signed = staff.sign_in(new_ledger, "Amira Haddad", NEW_PASSWORD)
    assert signed.actor.role == "manager"
    again = start_dialog(new_ledger, user="Amira Haddad")
    assert isinstance(again, SignInDialog)
    again.reject()  # its worker thread ends with it


def test_quitting_the_first_start_creates_nothing(
    qtbot: QtBot, shown: Callable[[QDialog], QDialog], app: object, new_ledger: Database
) -> None:
    dialog = shown(start_dialog(new_ledger))
    find(dialog, QLineEdit, "Manager's name").setText("Amira Haddad")
    find(dialog, QPushButton, "Quit").click()
    assert is_closed(dialog) and dialog.actor is None
    with new_ledger.read() as conn:
        assert not staff.has_staff(conn)


def test_a_short_password_is_refused_before_anything_is_made(
    qtbot: QtBot, shown: Callable[[QDialog], QDialog], app: object, new_ledger: Database
) -> None:
    dialog = shown(start_dialog(new_ledger))
    find(dialog, QLineEdit, "Manager's name").setText("Amira Haddad")
    for name in ("New password", "New password again"):
        find(dialog, QLineEdit, name).setText("short")
    find(dialog, QPushButton, "Create manager").click()
    assert "at least 8 characters" in find(dialog, QLabel, "Problem").text()
    assert not dialog.on_code_page


# -- signing in


def test_a_wrong_password_then_the_right_one_says_there_was_one_failed_try(
    qtbot: QtBot, shown: Callable[[QDialog], QDialog], app: object, ledger: Database
) -> None:
    dialog = start_dialog(ledger, user="Sam Okafor")
    assert isinstance(dialog, SignInDialog)
    shown(dialog)
    assert find(dialog, QLineEdit, "Staff name").text() == "Sam Okafor"
    assert dialog.focusWidget() is find(dialog, QLineEdit, "Password")  # the name is filled in

    sign_in_with(qtbot, dialog, "not my password")
    assert dialog.isVisible() and dialog.actor is None
    said = message_of(dialog)
    assert said.isVisible()
    assert said.text() == "That name and password do not match an active staff account."
    assert find(dialog, QLineEdit, "Password").text() == ""

    sign_in_with(qtbot, dialog, people.PASSWORD)
    assert dialog.isVisible()  # the sentence is shown once, and read
    assert said.text() == (
        "Signed in as Sam Okafor. There was 1 failed sign-in for this name before this one."
    )
    find(dialog, QPushButton, "Continue").click()
    assert is_closed(dialog)
    actor = dialog.actor
    assert actor is not None and (actor.name, actor.role) == ("Sam Okafor", "practitioner")
    assert actor.keys.has("data")  # the keys came with the password


def test_a_right_password_goes_straight_in(
    qtbot: QtBot, shown: Callable[[QDialog], QDialog], app: object, ledger: Database
) -> None:
    dialog = shown(start_dialog(ledger))
    find(dialog, QLineEdit, "Staff name").setText("Inspector")
    sign_in_with(qtbot, dialog, people.PASSWORD)
    assert is_closed(dialog)
    assert dialog.actor is not None and dialog.actor.role == "inspector"


def test_too_many_failures_make_the_button_count_down(
    qtbot: QtBot,
    shown: Callable[[QDialog], QDialog],
    app: object,
    ledger: Database,
    clock: FixedClock,
) -> None:
    for _ in range(3):  # three slips are free; the fourth try must wait
        with pytest.raises(SignInFailed):
            staff.sign_in(ledger, "Jo", "wrong password")
    dialog = shown(start_dialog(ledger, user="Jo"))
    button = find(dialog, QPushButton, "Sign in")
    sign_in_with(qtbot, dialog, people.PASSWORD)
    said = re.search(
        r"Too many failed sign-ins for 'Jo': wait (\d) seconds", message_of(dialog).text()
    )
    assert said is not None
    seconds = int(said.group(1))
    assert not button.isEnabled()
    assert button.text() == f"Sign in (wait {seconds} s)"
    qtbot.waitUntil(lambda: button.text() == f"Sign in (wait {seconds - 1} s)", timeout=2_500)
    assert not button.isEnabled()
    qtbot.waitUntil(button.isEnabled, timeout=1_000 * seconds + 1_500)
    assert button.text() == "Sign in"
    assert message_of(dialog).text() == "You can try again now."

    clock.advance(seconds=3)  # the ledger's clock, too, has moved past the wait
    sign_in_with(qtbot, dialog, people.PASSWORD)
    assert "There were 3 failed sign-ins for this name" in message_of(dialog).text()
    find(dialog, QPushButton, "Continue").click()
    assert dialog.actor is not None and dialog.actor.name == "Jo"


def test_quit_at_sign_in_leaves_without_anyone_signed_in(
    qtbot: QtBot, shown: Callable[[QDialog], QDialog], app: object, ledger: Database
) -> None:
    dialog = shown(start_dialog(ledger))
    find(dialog, QPushButton, "Quit").click()
    assert is_closed(dialog) and dialog.actor is None


# -- the whole start, as main.py runs it


def _when_shown(kind: type[QWidget], then: Callable[[QWidget], None]) -> None:
    """Inside the app's own event loops: wait for a visible ``kind``, then act on it."""

    def look() -> None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
        if not found:
            QTimer.singleShot(20, look)
            return
        then(found[0])

    QTimer.singleShot(0, look)


def test_quit_at_the_start_ends_the_app_with_exit_code_0(
    qtbot: QtBot, app: object, ledger: Database, ledger_url: str
) -> None:
    def windows() -> set[int]:
        return {id(w) for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)}

    before = windows()
    _when_shown(SignInDialog, lambda d: find(d, QPushButton, "Quit").click())
    assert run([], db_url=ledger_url, user="Sam Okafor") == 0
    assert windows() == before  # no main window was made


def test_a_first_start_opens_the_window_as_the_new_manager(
    qtbot: QtBot, app: object, empty_ledger_url: str
) -> None:
    seen: dict[str, str] = {}

    def create(dialog: QWidget) -> None:
        find(dialog, QLineEdit, "Manager's name").setText("Amira Haddad")
        find(dialog, QLineEdit, "New password").setText(NEW_PASSWORD)
        find(dialog, QLineEdit, "New password again").setText(NEW_PASSWORD)
        find(dialog, QPushButton, "Create manager").click()
        _when_written(dialog)

    def _when_written(dialog: QWidget) -> None:
        assert isinstance(dialog, FirstRunDialog)
        if not dialog.on_code_page:
            QTimer.singleShot(20, lambda: _when_written(dialog))
            return
        seen["code"] = find(dialog, QLabel, "Recovery code").text()
        find(dialog, QCheckBox, "I have written down or printed both codes").setChecked(True)
        find(dialog, QPushButton, "Continue").click()
        _when_shown(MainWindow, close_window)

    def close_window(window: QWidget) -> None:
        assert isinstance(window, MainWindow)
        seen["who"] = window.who.text()
        window.close()

    _when_shown(FirstRunDialog, create)
    assert run([], db_url=empty_ledger_url, user="") == 0
    assert seen["who"] == "Signed in as Amira Haddad (manager)"
    assert len(seen["code"].split("-")) == 6
