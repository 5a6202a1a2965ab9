"""UI tests: the real main window over a real SQLite file, offscreen, failing on Qt warnings.

Each test gets a fresh ledger file in its tmp_path (a copy of the seeded template: the
tests' staff and clinic keys, tests.people), a FixedClock, its own QSettings folder, and
a main window with its own worker thread, signed in as the test manager, closed (and the
thread stopped) afterwards. A test that asks for ``demo`` gets the demo clinic instead,
with the demo's staff (``demo_cast``); ``empty_ledger_url`` is a first run, no staff at
all. Tests drive widgets the way a person does and find them by accessible name.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import logging
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from commands.demo_cmd import Cast
from inventory import receiving, settings
from inventory.access import Actor
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.ledger import open_ledger
from tests import people
from tests.conftest import GTIN_05, GTIN_10, GTIN_ROLLER, T0, add_products, box
from tests.people import staff
from tests.ui.helpers import wait_idle
from ui import desktop
from ui.app import application, make_window
from ui.main_window import MainWindow
from ui.prefs import Prefs, make_qsettings

# The offscreen platform plugin warns about this for every top-level window; it is the
# plugin's own missing feature, not a fault in the app (qutebrowser ignores it the same
# way). Every other Qt warning still fails the test.
OFFSCREEN_NOISE = r"^This plugin does not support propagateSizeHints\(\)$"
SCREEN = {
    "name": "ClinicScreen",
    "x": 0,
    "y": 0,
    "width": 1920,
    "height": 1080,
    "logicalDpi": 96,
    "logicalBaseDpi": 96,
    "dpr": 1,
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(scope="session")
def qapp_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Offscreen, give the virtual screen a clinic PC's size (the default is 800x800)."""
    if os.environ.get("QT_QPA_PLATFORM", "") != "offscreen":
        return []
    config = tmp_path_factory.mktemp("qpa") / "screens.json"
    config.write_text(json.dumps({"screens": [SCREEN]}), encoding="utf-8")
    return ["sterile-ledger-tests", "-platform", f"offscreen:configfile={config}"]


@pytest.fixture(autouse=True)
def _qsettings_in_tmp(tmp_path: Path) -> None:
    """This workstation's preferences go to the test's folder, never the real one."""
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )


@pytest.fixture(autouse=True)
def _no_unexpected_errors(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """A bug shown to the user as an error report is a failed test, even if nothing raised
    (unless the test asks for ``expect_error_log``: it provokes one on purpose)."""
    caplog.set_level(logging.INFO)
    yield
    if "expect_error_log" in request.fixturenames:
        return
    errors = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR and r.name.startswith(("sterile_ledger", "ui"))
    ]
    assert not errors, "unexpected errors were reported: " + "; ".join(
        r.getMessage() for r in errors
    )


@pytest.fixture(autouse=True)
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Files and folders the app asked the desktop to open (nothing is launched)."""
    calls: list[Path] = []

    def fake_open(path: Path) -> bool:
        calls.append(Path(path))
        return True

    monkeypatch.setattr(desktop, "open_path", fake_open)
    return calls


@pytest.fixture
def app(qapp: QApplication) -> QApplication:
    return application()


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"


@pytest.fixture
def empty_ledger_url(tmp_path: Path) -> str:
    """A ledger file that does not exist yet: the clinic's first start, no staff at all."""
    return f"sqlite:///{tmp_path / 'first-run.sqlite3'}"


@pytest.fixture(scope="session")
def _demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Cast]:
    """The demo clinic and its signed-in staff, made once per run and copied per test."""
    from commands.demo_cmd import fill, make_staff

    path = tmp_path_factory.mktemp("demo") / "ledger.sqlite3"
    db = open_ledger(f"sqlite:///{path}", clock=FixedClock(T0))
    story_ends = date(2026, 3, 10)
    cast = make_staff(db, today=story_ends)
    fill(db, cast, today=story_ends)
    db.dispose()
    return path, cast


@pytest.fixture(scope="session")
def demo_template(_demo: tuple[Path, Cast]) -> Path:
    return _demo[0]


@pytest.fixture
def demo_cast(_demo: tuple[Path, Cast]) -> Cast:
    """The demo's people (cast.manager is "Demo Manager", password "demo")."""
    return _demo[1]


@pytest.fixture
def ledger(
    request: pytest.FixtureRequest,
    ledger_url: str,
    tmp_path: Path,
    clock: FixedClock,
    sqlite_template: Path,
) -> Iterator[Database]:
    """The test's own SQLite ledger: the tests' staff and nothing else recorded (a copy
    of the demo clinic when the test asks for ``demo``)."""
    with_demo = "demo" in request.fixturenames
    template = request.getfixturevalue("demo_template") if with_demo else sqlite_template
    shutil.copyfile(template, tmp_path / "ledger.sqlite3")
    db = open_ledger(ledger_url, clock=clock)
    if not with_demo:
        settings.set_value(db, "timezone", "Australia/Brisbane", by=staff("setup"))
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def stocked(ledger: Database) -> receiving.ReceiptResult:
    """20 cartridges (lots A100 of 0.5 mm, B200 of 1.0 mm) and one serialised roller."""
    add_products(ledger)
    return receiving.receive(
        ledger,
        [box(GTIN_05, "A100"), box(GTIN_10, "B200"), box(GTIN_ROLLER, "R1", serial="SN0001")],
        by=staff("Test Manager"),
        supplier="MedSupply",
        invoice="INV-1",
    )


@pytest.fixture
def demo(ledger: Database) -> Database:
    """The demo clinic (products, deliveries, sessions, a recall), as of 2026-03-10."""
    return ledger


@pytest.fixture
def prefs(app: QApplication) -> Prefs:
    return Prefs(make_qsettings())


@pytest.fixture
def manager(request: pytest.FixtureRequest) -> Actor:
    """Who the window is signed in as: the test manager, or the demo's manager."""
    if "demo" in request.fixturenames:
        cast: Cast = request.getfixturevalue("demo_cast")
        return cast.manager
    return staff(people.MANAGER)


@pytest.fixture
def open_window(
    qtbot: QtBot,
    app: QApplication,
    ledger: Database,
    ledger_url: str,
    prefs: Prefs,
    manager: Actor,
) -> Iterator[Callable[..., MainWindow]]:
    """Open the main window on the test's ledger (after the test filled it), signed in as
    the manager unless ``actor`` says who; ``lock_after_ms`` sets a short idle lock."""
    windows: list[MainWindow] = []

    def opener(
        screen: str | None = None,
        *,
        size: tuple[int, int] | None = (1280, 800),
        actor: Actor | None = None,
        lock_after_ms: int | None = None,
        **filters: Any,
    ) -> MainWindow:
        window = make_window(
            ledger,
            actor=actor or manager,
            db_url=ledger_url,
            prefs=prefs,
            lock_after_ms=lock_after_ms,
        )
        qtbot.addWidget(window, before_close_func=_stop_workers)
        if size is not None:  # None: as the workstation remembers it
            window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        wait_idle(qtbot, window)
        if screen is not None:
            window.show_screen(screen, filters or None)
            wait_idle(qtbot, window)
        return window

    yield opener
    for window in windows:
        _stop_workers(window)


def _stop_workers(window: MainWindow) -> None:
    for worker in (window.ctx.worker, window.ctx.long_worker):
        if worker is not None:
            worker.stop()
