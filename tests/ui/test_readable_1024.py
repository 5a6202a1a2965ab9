"""Readable on an old 1024x768 front-desk monitor, and beside a long scan.

A 60-character scan in the dashboard's "Recent refusals" once squeezed the Why column to
"Do ..."; at 1024x768 the Recalls headings were cut. Columns now keep a readable minimum,
a long cell elides with its whole text as a tooltip, and headings fit.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableView
from pytestqt.qtbot import QtBot

from inventory import receiving
from inventory.db import Database
from sterility.chair import use_unit
from sterility.errors import ScanRefused
from tests.people import staff
from tests.ui.chair_helpers import open_direct
from tests.ui.helpers import find, wait_idle
from ui.main_window import MainWindow
from ui.widgets import CONTENT_MAX_CHARS, STRETCH_MIN_CHARS

Opener = Callable[..., MainWindow]
LONG_SCAN = "0109506000100043" + "17281231" + "10" + "LOT-" * 10 + "\x1d" + "21" + "SERIAL-" * 4


def _refuse_a_long_scan(db: Database) -> None:
    session = open_direct(db, client_ref="C-1001", practitioner="Dr Haddad", depth_mm="1.0")
    with pytest.raises(ScanRefused):
        use_unit(db, session.id, LONG_SCAN, by=staff("Dr Haddad"))


def _headings_fit(view: QTableView) -> list[str]:
    header = view.horizontalHeader()
    cut = []
    for column in range(view.model().columnCount()):
        if view.isColumnHidden(column):
            continue
        need = header.sectionSizeFromContents(column).width()
        if header.sectionSize(column) < need - 2:
            name = view.model().headerData(column, Qt.Orientation.Horizontal)
            cut.append(f"{view.accessibleName()}: {name} ({header.sectionSize(column)} < {need})")
    return cut


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_a_long_scan_does_not_squeeze_why_it_was_refused(
    qtbot: QtBot,
    open_window: Opener,
    stocked: receiving.ReceiptResult,
    ledger: Database,
    size: tuple[int, int],
) -> None:
    _refuse_a_long_scan(ledger)
    window = open_window("dashboard", size=size)
    screen = window.screens["dashboard"]
    qtbot.waitUntil(lambda: screen.refusals_model.rowCount() > 0)  # type: ignore[attr-defined]
    view = find(screen, QTableView, "Recent refusals")
    wait_idle(qtbot, window)
    qtbot.wait(50)  # the columns fit once the rows have arrived
    char = view.fontMetrics().averageCharWidth()
    model = view.model()
    why, scanned = 1, 3
    why_text = model.index(0, why).data()
    assert why_text  # "Not read: scan again" for this one
    need = min(view.fontMetrics().horizontalAdvance(why_text), STRETCH_MIN_CHARS * char)
    assert view.columnWidth(why) >= need  # "Do not use: unknown unit", not "Do ..."
    assert view.columnWidth(scanned) <= CONTENT_MAX_CHARS * char + 1  # the scan elides
    assert model.index(0, scanned).data(Qt.ItemDataRole.ToolTipRole)  # whole, as a tooltip
    assert _headings_fit(view) == []


def test_recall_headings_fit_at_1024(qtbot: QtBot, open_window: Opener, demo: Database) -> None:
    window = open_window("recalls", size=(1024, 768))
    wait_idle(qtbot, window)
    qtbot.wait(50)
    screen = window.screens["recalls"]
    cut = []
    for view in screen.findChildren(QTableView):
        if view.isVisible():
            header = view.horizontalHeader()
            if header.sectionResizeMode(0) != QHeaderView.ResizeMode.Fixed:
                cut += _headings_fit(view)
    assert cut == []


def test_the_window_fits_a_1024_screen(qtbot: QtBot, open_window: Opener, demo: Database) -> None:
    window = open_window("dashboard", size=(1024, 768))
    for key in window.screens:
        window.show_screen(key)
        wait_idle(qtbot, window)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 768, (key, hint)
