"""Every table model passes Qt's model tester while it loads, pages, sorts and changes.

pytest-qt's ``qtmodeltester`` runs Qt's QAbstractItemModelTester, which reports every
broken rule as a Qt warning, and a Qt warning fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from inventory import receiving
from inventory.db import Database
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from sterility.errors import ScanRefused
from tests.conftest import GTIN_05, box
from tests.people import clear_intake, staff
from tests.sterility.equipment_sessions import equipment_day
from tests.ui.helpers import find, wait_idle
from ui.main_window import MainWindow
from ui.models.audit import AuditModel
from ui.models.lots import LotsModel
from ui.models.paged import PagedQueryModel
from ui.models.reorder import LEVEL_COLUMN
from ui.models.rows import Col, RowsModel
from ui.models.units import UnitsModel
from ui.widgets import fit_columns
from ui.worker import Worker

Opener = Callable[..., MainWindow]


@pytest.fixture
def busy_day(ledger: Database, stocked: receiving.ReceiptResult) -> Database:
    """A morning's records: a session with uses, refusals, a recall, a quarantined unit."""
    info = sessions.open_session(
        ledger, client_ref="C-1", practitioner="Sam", area="face", depth_mm="0.5", by=staff("Sam"),
        intake=clear_intake(),
    )
    use_unit(ledger, info.id, "U1-001", by=staff("Sam"))
    use_unit(ledger, info.id, "U1-002", by=staff("Sam"))
    for code in ("U9-999", "U1-001x"):
        with pytest.raises(ScanRefused):
            use_unit(ledger, info.id, code, by=staff("Sam"))
    holds.quarantine(ledger, "U1-005", reason="dented", by=staff("Test Manager"))
    recalls.enter_recall(
        ledger,
        gtin=GTIN_05,
        lots=["A100"],
        reference="FSN-1",
        notice_text="Recalled.",
        notice_date=date(2026, 3, 9),
        by=staff("Test Manager"),
    )
    equipment_day(ledger, info.id)
    return ledger


@pytest.fixture
def worker(qtbot: QtBot) -> Worker:
    w = Worker()
    yield w
    w.stop()


def _idle(qtbot: QtBot, worker: Worker) -> None:
    qtbot.waitUntil(lambda: worker.idle, timeout=10_000)


@pytest.mark.parametrize("kind", [UnitsModel, LotsModel, AuditModel])
def test_sql_models_pass_while_loading_paging_sorting_and_filtering(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    busy_day: Database,
    worker: Worker,
    kind: type[PagedQueryModel],
) -> None:
    receiving.receive(busy_day, [box(GTIN_05, "BIG")], by=staff("Test Manager"), units=450)
    model = kind(busy_day, worker)
    model.page_size = {LotsModel: 2, AuditModel: 5}.get(kind, 50)  # several pages each
    qtmodeltester.check(model)
    model.reload()
    _idle(qtbot, worker)
    assert model.rowCount() >= model.page_size  # the tester itself asks for more pages
    while model.canFetchMore():
        model.fetchMore()
        _idle(qtbot, worker)
    assert model.rowCount() == model.total
    for column in range(model.columnCount()):
        if model.columns[column].sort is not None:
            model.sort(column, Qt.SortOrder.DescendingOrder)
            _idle(qtbot, worker)
            model.fetchMore()
            _idle(qtbot, worker)
    model.set_filters(lot="A100") if kind is not AuditModel else model.set_filters(action="use")
    _idle(qtbot, worker)
    assert model.rowCount() == model.total > 0


def test_units_model_pages_join_without_gaps_in_any_order(
    qtbot: QtBot, busy_day: Database, worker: Worker
) -> None:
    receiving.receive(busy_day, [box(GTIN_05, "BIG")], by=staff("Test Manager"), units=450)
    for column in (0, 2, 6, 7, 8):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model = UnitsModel(busy_day, worker)
            model.page_size = 37
            model.sort(column, order)
            model.reload()
            _idle(qtbot, worker)
            while model.canFetchMore():
                model.fetchMore()
                _idle(qtbot, worker)
            codes = [model.code_of(r) for r in range(model.rowCount())]
            assert len(codes) == len(set(codes)) == 471, (column, order)
    model = UnitsModel(busy_day, worker)
    model.reload()
    _idle(qtbot, worker)
    assert model.rowCount() == 200  # without a view or tester asking: one page only


def test_refreshing_rows_in_place_passes_the_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, busy_day: Database, worker: Worker
) -> None:
    model = UnitsModel(busy_day, worker)
    qtmodeltester.check(model)
    model.reload()
    _idle(qtbot, worker)
    row = next(r for r in range(model.rowCount()) if model.code_of(r) == "U1-011")
    holds.waste(busy_day, "U1-011", reason="dropped", by=staff("Test Manager"))
    model.refresh_keys([model.key_of(row)])
    _idle(qtbot, worker)
    assert model.index(row, 7).data() == "Wasted"


@dataclass
class Thing:
    name: str
    size: int | None


def test_rows_model_sorting_keeps_selections_on_the_same_rows(
    qtmodeltester: ModelTester,
) -> None:
    model = RowsModel([Col("Name", lambda t: t.name), Col("Size", lambda t: t.size, right=True)])
    qtmodeltester.check(model)
    model.set_rows([Thing("b", 2), Thing("a", None), Thing("c", 1)])
    kept = QPersistentModelIndex(model.index(0, 0))  # "b"
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert [model.row(r).name for r in range(3)] == ["a", "c", "b"]
    assert kept.row() == 2 and kept.data() == "b"
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert [model.index(r, 0).data() for r in range(3)] == ["c", "b", "a"]
    model.set_rows([])
    assert model.rowCount() == 0


def test_a_list_that_grew_keeps_the_selection_and_widens_for_a_longer_new_row(
    qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    """After a scan the session's uses are read again: the rows already shown stay (with
    the selection on them), and a longer new row widens its column rather than being cut."""
    model = RowsModel([Col("Unit", lambda t: t.name), Col("Size", lambda t: t.size)])
    qtmodeltester.check(model)
    view = QTableView()
    qtbot.addWidget(view)  # closed at the end: a window left open keeps the app from quitting
    view.setModel(model)
    fit_columns(view, 1)
    view.resize(700, 300)
    view.show()
    first = [Thing("U1-001", 1), Thing("U1-002", 2)]
    model.set_rows(first)
    qtbot.wait(20)
    view.selectRow(1)
    narrow = view.columnWidth(0)
    reset: list[bool] = []
    model.modelReset.connect(lambda: reset.append(True))
    model.set_rows([*first, Thing("U1-003 from the second box of the lot", 3)])
    qtbot.waitUntil(lambda: view.columnWidth(0) > narrow)
    assert not reset and model.rowCount() == 3
    assert [i.row() for i in view.selectionModel().selectedRows()] == [1]
    view.resize(500, 300)  # a narrower window lays the same widths out again
    qtbot.wait(20)
    assert view.columnWidth(0) > narrow

    model.replace_row(0, Thing("U1-001, the longest unit code of all these rows", 1))
    wide = view.columnWidth(0)
    qtbot.waitUntil(lambda: view.columnWidth(0) > wide)
    assert model.index(0, 0).data().startswith("U1-001, the longest")


SCREEN_TABLES = [
    ("dashboard", "Stock on hand"),
    ("dashboard", "Today's sessions"),
    ("dashboard", "Recent refusals"),
    ("dashboard", "Recalls with clients to contact"),
    ("receive", "Boxes to receive"),
    ("chair", "Units used in this session"),
    ("chair", "Today's sessions"),
    ("inventory", "Units table"),
    ("inventory", "Lots table"),
    ("recalls", "Recalls table"),
    ("recalls", "Quarantined stock"),
    ("recalls", "Affected sessions"),
    ("recalls", "Affected clients"),
    ("equipment", "Pens table"),
    ("equipment", "Sharps containers table"),
    ("equipment", "Sterilizer cycles table"),
    ("equipment", "Packs of the cycle"),
    ("equipment", "Exposed sessions"),
    ("audit", "Audit table"),
    ("settings", "Reorder levels"),
    ("settings", "Staff accounts"),
]


def test_every_table_in_the_window_is_listed_here(open_window: Opener, busy_day: Database) -> None:
    window = open_window()
    names = {
        (key, view.accessibleName())
        for key, screen in window.screens.items()
        for view in screen.findChildren(QTableView)
    }
    assert names == set(SCREEN_TABLES)


@pytest.mark.parametrize(("screen_key", "table_name"), SCREEN_TABLES)
def test_every_table_model_in_the_window_passes_the_tester(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    open_window: Opener,
    busy_day: Database,
    screen_key: str,
    table_name: str,
) -> None:
    window = open_window()
    screen = window.show_screen(screen_key)
    wait_idle(qtbot, window)
    view = find(screen, QTableView, table_name)
    model = view.model()
    qtmodeltester.check(model)
    if table_name == "Lots table":  # a hidden tab loads when it is shown
        screen.tabs.setCurrentIndex(1)  # type: ignore[attr-defined]
        wait_idle(qtbot, window)
    screen.activated()  # reload: the model is reset and filled again under the tester
    wait_idle(qtbot, window)
    if view.isSortingEnabled():
        for column in range(min(model.columnCount(), 4)):
            view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
            wait_idle(qtbot, window)
    if table_name == "Boxes to receive":
        screen.add_scan(box(GTIN_05, "NEW1"))  # type: ignore[attr-defined]
        wait_idle(qtbot, window)
        assert model.rowCount() == 1
    if table_name == "Reorder levels":
        index = model.index(0, LEVEL_COLUMN)
        assert model.setData(index, 7)
        wait_idle(qtbot, window)
        assert index.data() == "7"
    if table_name == "Units used in this session":
        screen.resume_session(1)  # type: ignore[attr-defined]
        wait_idle(qtbot, window)
        assert model.rowCount() == 2
    assert model.rowCount() > 0 or table_name in ("Boxes to receive", "Quarantined stock")
