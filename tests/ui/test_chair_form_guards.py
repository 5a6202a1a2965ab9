"""The chair's form: a scan is never a client, Enter opens from a drop-down, the
practitioner is a person picked, and a used unit that was recalled says so."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from inventory import receiving
from inventory.db import Database
from sterility import recalls
from sterility.chair import use_unit
from tests.conftest import GTIN_05
from tests.people import staff
from tests.ui.chair_helpers import fill_intake, open_direct, ready_room
from tests.ui.helpers import find, open_dialog, scan, wait_idle
from ui.main_window import MainWindow
from ui.screens.chair import ChairScreen

Opener = Callable[..., MainWindow]


def chair_of(window: MainWindow) -> ChairScreen:
    chair = window.screens["chair"]
    assert isinstance(chair, ChairScreen)
    return chair


def ready(qtbot: QtBot, window: MainWindow) -> ChairScreen:
    """The chair with its room's sharps container open and the intake filled in."""
    ready_room(window.ctx.db)
    chair = chair_of(window)
    fill_intake(qtbot, chair)
    return chair


def test_a_unit_label_scanned_into_client_reference_opens_nothing(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("chair")
    chair = chair_of(window)
    client = find(chair, QLineEdit, "Client reference")
    assert client.hasFocus()
    scan(qtbot, client, "U1-008")  # the scanner's burst, Enter included
    wait_idle(qtbot, window)
    assert chair.session is None
    assert chair.verdict.headline.text() == "Open a session first"
    assert "unit label" in chair.verdict.details.text()
    assert client.text() == ""


def test_a_gs1_barcode_scanned_into_client_reference_opens_nothing(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("chair")
    chair = chair_of(window)
    client = find(chair, QLineEdit, "Client reference")
    scan(qtbot, client, f"01{GTIN_05}1727013110A100", "21SN1")  # Ctrl+] dropped here
    wait_idle(qtbot, window)
    assert chair.session is None
    assert "Open a session first" in chair.verdict.details.text()


def test_a_reference_shaped_like_a_unit_code_is_confirmed_first(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("chair")
    chair = ready(qtbot, window)
    client = find(chair, QLineEdit, "Client reference")
    qtbot.keyClicks(client, "U3-08")
    qtbot.keyClick(client, Qt.Key.Key_Return)
    box = open_dialog(qtbot, "Confirm client reference")
    assert chair.session is None
    find(box, QPushButton, "It is the client's reference").click()
    wait_idle(qtbot, window)
    assert chair.session is not None and chair.session.client_ref == "U3-08"


def test_enter_on_a_drop_down_opens_the_session(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("chair")
    chair = ready(qtbot, window)
    qtbot.keyClicks(find(chair, QLineEdit, "Client reference"), "C-5")
    depth = find(chair, QComboBox, "Planned depth")
    depth.setFocus()
    qtbot.keyClick(depth, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert chair.session is not None and chair.session.client_ref == "C-5"


def test_the_practitioner_is_the_signed_in_one_never_the_login(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("chair", actor=staff("Sam Okafor"))
    chair = ready(qtbot, window)
    practitioner = find(chair, QComboBox, "Practitioner")
    shown = [practitioner.itemText(i) for i in range(practitioner.count())]
    assert shown == ["Sam Okafor"] and getpass.getuser() not in shown
    qtbot.keyClicks(find(chair, QLineEdit, "Client reference"), "C-6")
    qtbot.keyClick(practitioner, Qt.Key.Key_Enter)
    wait_idle(qtbot, window)
    assert chair.session is not None and chair.session.practitioner == "Sam Okafor"


def test_with_nobody_picked_no_session_opens(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("chair")
    chair = chair_of(window)
    find(chair, QComboBox, "Practitioner").setCurrentIndex(-1)
    qtbot.keyClicks(find(chair, QLineEdit, "Client reference"), "C-7")
    qtbot.keyClick(find(chair, QLineEdit, "Client reference"), Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert chair.session is None
    assert chair.verdict.headline.text() == "Choose the practitioner"


def test_a_used_unit_whose_lot_was_recalled_says_both(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    earlier = open_direct(ledger, client_ref="C-9", practitioner="Sam")
    use_unit(ledger, earlier.id, "U1-002", by=staff("Sam"))
    recalls.enter_recall(
        ledger,
        gtin=GTIN_05,
        lots=["A100"],
        reference="FSN-2026-117",
        notice_text="Seal may be breached.",
        notice_date=date(2026, 3, 9),
        by=staff("Test Manager"),
    )
    window = open_window("chair")
    chair = ready(qtbot, window)
    qtbot.keyClicks(find(chair, QLineEdit, "Client reference"), "C-10")
    qtbot.keyClick(find(chair, QLineEdit, "Client reference"), Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert chair.session is not None
    scan(qtbot, chair.scan, "U1-002")
    qtbot.waitUntil(lambda: not chair.busy and chair.ctx.worker.idle)
    assert chair.verdict.code == "already_used"
    assert chair.verdict.headline.text() == "Do not use: already used, and recalled"
    details = chair.verdict.details.text()
    assert f"already used in session {earlier.id}" in details
    assert "lot was recalled by notice FSN-2026-117" in details
