"""The dashboard on a demo clinic: the figures, and each one opening the list behind it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from commands.demo_cmd import Cast
from inventory.db import Database
from sterility import dashboard
from tests.ui.helpers import find, wait_idle
from ui.main_window import MainWindow
from ui.screens.dashboard import DashboardScreen

Opener = Callable[..., MainWindow]


def card_value(screen: DashboardScreen, caption: str) -> int:
    card = find(screen, QPushButton, caption)
    return int(card.findChild(QLabel, "cardValue").text().replace(",", ""))


@pytest.fixture
def shown(qtbot: QtBot, open_window: Opener, demo: Database) -> DashboardScreen:
    window = open_window("dashboard")
    screen = window.screens["dashboard"]
    assert isinstance(screen, DashboardScreen)
    qtbot.waitUntil(lambda: screen.data is not None)
    return screen


def test_the_figures_match_the_ledger(shown: DashboardScreen, demo: Database) -> None:
    with demo.read() as conn:
        truth = dashboard.load(conn, demo.clock.now(conn))
    assert card_value(shown, "Units in stock") == truth.in_stock > 0
    assert card_value(shown, "Expiring within 30 days") == truth.expiring_within(30).units
    assert card_value(shown, "Expiring within 90 days") == truth.expiring_within(90).units
    assert card_value(shown, "Open recalls") == len(truth.open_recalls) == 1
    assert card_value(shown, "Sessions today") == len(truth.sessions_today) > 0
    assert shown.stock_model.rowCount() == 7
    assert shown.refusals_model.rowCount() == len(truth.refusals_recent) > 0
    assert find(shown, QPushButton, "Open recalls").property("level") == "alert"
    assert "(Australia/Sydney)" in find(shown, QLabel, "Dashboard time").text()


@pytest.mark.parametrize(
    ("caption", "screen_key", "filters"),
    [
        ("Units in stock", "inventory", {"status": "in_stock"}),
        ("Expiring within 30 days", "inventory", {"status": "in_stock", "expiry": "30"}),
        ("Expired on the shelf", "inventory", {"status": "in_stock", "expiry": "expired"}),
        ("In quarantine", "inventory", {"status": "quarantined"}),
        ("Sessions today", "chair", None),
        ("Refusals in the last 7 days", "audit", {"action": "refuse"}),
        ("Open recalls", "recalls", None),
    ],
)
def test_each_figure_opens_the_list_behind_it(
    qtbot: QtBot,
    shown: DashboardScreen,
    caption: str,
    screen_key: str,
    filters: dict[str, str] | None,
) -> None:
    window = shown.window()
    assert isinstance(window, MainWindow)
    figure = card_value(shown, caption)
    card = find(shown, QPushButton, caption)
    card.setFocus()
    qtbot.keyClick(card, Qt.Key.Key_Space)  # by keyboard, like a click
    wait_idle(qtbot, window)
    target = window.screens[screen_key]
    assert window.stack.currentWidget() is target
    if screen_key == "inventory":
        assert {k: target.units_model.filters.get(k) for k in filters} == filters  # type: ignore[union-attr, attr-defined]
        assert target.units_model.total == figure  # type: ignore[attr-defined]
    if screen_key == "audit":
        assert target.model.filters == filters  # type: ignore[attr-defined]
        assert target.model.total >= figure  # type: ignore[attr-defined]
    if screen_key == "recalls":
        assert target.recalls_model.rowCount() == figure  # type: ignore[attr-defined]


def test_below_reorder_shows_only_those_products(
    qtbot: QtBot, shown: DashboardScreen, demo: Database, demo_cast: Cast
) -> None:
    from inventory import catalog

    catalog.set_reorder_level(demo, "09506000100067", 500, by=demo_cast.manager)
    shown.activated()
    wait_idle(qtbot, shown.window())  # type: ignore[arg-type]
    assert card_value(shown, "Products below reorder level") == 1
    find(shown, QPushButton, "Products below reorder level").click()
    assert find(shown, QCheckBox, "Only below reorder level").isChecked()
    assert [shown.stock_model.row(r).gtin for r in range(shown.stock_model.rowCount())] == [
        "09506000100067"
    ]
    view = find(shown, QTableView, "Stock on hand")
    assert view.hasFocus()
    index = shown.stock_model.index(0, 2)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "Below its reorder level: order more"
