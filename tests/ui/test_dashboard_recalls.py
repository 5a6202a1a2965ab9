"""The dashboard shows open recalls whose units were used, and the clients still to tell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pytestqt.qtbot import QtBot

from inventory import receiving
from inventory.db import Database
from sterility import recall_contacts, recalls, sessions
from sterility.chair import use_unit
from tests.conftest import GTIN_05
from tests.people import clear_intake, staff
from tests.ui.helpers import wait_idle
from ui.main_window import MainWindow
from ui.screens.dashboard import DashboardScreen

Opener = Callable[..., MainWindow]


def _recall_after_two_clients(ledger: Database) -> tuple[int, list[int]]:
    treated = []
    for client, unit in (("C-1", "U1-001"), ("C-2", "U1-002")):
        info = sessions.open_session(
            ledger, client_ref=client, practitioner="Sam", area="face", depth_mm="0.5",
            by=staff("Sam"),
            intake=clear_intake(),
        )
        use_unit(ledger, info.id, unit, by=staff("Sam"))
        treated.append(info.id)
    recall = recalls.enter_recall(
        ledger,
        gtin=GTIN_05,
        lots=["A100"],
        reference="FSN-2026-117",
        notice_text="Seal may be breached.",
        notice_date=date(2026, 3, 9),
        by=staff("Test Manager"),
    )
    return recall.recall_id, treated


def dashboard(qtbot: QtBot, window: MainWindow) -> DashboardScreen:
    screen = window.screens["dashboard"]
    assert isinstance(screen, DashboardScreen)
    screen.activated()
    wait_idle(qtbot, window)
    return screen


def test_open_recalls_with_used_units_list_the_clients_to_contact(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, ledger: Database
) -> None:
    recall_id, treated = _recall_after_two_clients(ledger)
    recall_contacts.record_contact(
        ledger, recall_id, treated[0], method="phone", by=staff("Test Manager")
    )
    window = open_window("dashboard")
    screen = dashboard(qtbot, window)
    assert screen.recall_contacts.isVisible()
    row = screen.contacts_model.rows()[0]
    assert (row.recall.reference, row.recall.uses, row.clients, row.to_contact) == (
        "FSN-2026-117", 2, 2, 1,
    )
    assert screen.contacts_model.index(0, 3).data() == "1 of 2"
    assert screen.contacts_note.text().startswith("1 client of 1 open recall still to contact")
    screen.recall_contacts.activated.emit(screen.contacts_model.index(0, 0))
    wait_idle(qtbot, window)
    assert window.current_screen() is window.screens["recalls"]


def test_no_recall_reached_a_client_shows_no_list(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("dashboard")
    screen = dashboard(qtbot, window)
    assert not screen.recall_contacts.isVisible()
    assert screen.contacts_model.rows() == []
