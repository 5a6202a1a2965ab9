"""Shared fixtures: a real database per test, on SQLite and on PostgreSQL.

Every test that takes ``db`` runs twice: once on a SQLite file, once on a PostgreSQL
database on a throwaway server, each a copy of a migrated template that holds the
tests' clinic staff and keys (tests.people). ``empty_db_url`` is a ledger with nothing
in it at all (first run). Only the clock is faked (it is the edge of the world);
nothing in the database is.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from inventory import catalog, receiving, schema, settings
from inventory.barcode import element_string
from inventory.catalog import ProductInfo
from inventory.clock import FixedClock
from inventory.db import Database, make_engine
from inventory.ledger import open_ledger
from tests import people
from tests.people import staff
from tests.pgserver import PgServer, PgServerUnavailable

BACKENDS = ["sqlite", "postgresql"]
T0 = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)
_db_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the real data folder or an inherited database URL."""
    monkeypatch.setenv("STERILE_LEDGER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STERILE_LEDGER_DB", raising=False)
    monkeypatch.setenv("STERILE_LEDGER_USER", people.MANAGER)
    monkeypatch.setenv("STERILE_LEDGER_PASSWORD", people.PASSWORD)


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """A migrated SQLite ledger with the tests' staff, copied for each test."""
    return people.sqlite_template()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | str]:
    """One throwaway server for the run, with a migrated template database."""
    server = PgServer()
    try:
        server.start()
    except PgServerUnavailable as exc:
        yield f"PostgreSQL could not be started: {exc.reason}"
        return
    try:
        server.create_database("ledger_template")
        engine = make_engine(server.url("ledger_template"))
        schema.upgrade(engine)
        engine.dispose()
        template = open_ledger(server.url("ledger_template"), clock=FixedClock(people.SEEDED_AT))
        people.seed(template)
        template.dispose()
        server.create_database("empty_template")
        engine = make_engine(server.url("empty_template"))
        schema.upgrade(engine)
        engine.dispose()
        yield server
    finally:
        server.stop()


def pg_or_fail(pg_server: PgServer | str) -> PgServer:
    """The throwaway server, or a failure that says why it is missing: `make test` installs
    PostgreSQL, so a test that needs it never passes by being left out."""
    if isinstance(pg_server, str):
        pytest.fail(pg_server + " (the PostgreSQL tests need it: `make test` installs it)")
    return pg_server


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new ledger of each backend with the tests' staff and nothing else recorded."""
    if request.param == "sqlite":
        path = tmp_path / "ledger.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    yield from _pg_copy(request, "ledger_template")


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A ledger with nothing in it, not even staff: a clinic's first run."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
        return
    yield from _pg_copy(request, "empty_template")


def _pg_copy(request: pytest.FixtureRequest, template: str) -> Iterator[str]:
    server = pg_or_fail(request.getfixturevalue("pg_server"))
    name = f"t{os.getpid()}_{next(_db_numbers)}"
    server.create_database(name, template=template)
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def db(db_url: str, clock: FixedClock) -> Iterator[Database]:
    database = open_ledger(db_url, clock=clock)
    settings.set_value(database, "timezone", "Australia/Brisbane", by=staff("setup"))
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def backend(db: Database) -> str:
    return db.dialect


GTIN_05 = "09506000100029"  # 12-pin cartridge 0.5 mm
GTIN_10 = "09506000100036"  # 12-pin cartridge 1.0 mm
GTIN_ROLLER = "09506000100074"  # serialised roller, 1.5 mm


def add_products(db: Database) -> dict[str, ProductInfo]:
    """A small catalogue: two cartridge lengths (10 per box) and a serialised roller."""
    specs = [
        (GTIN_05, "12-pin cartridge 0.5 mm", "pen_cartridge", 12, "0.5", 10),
        (GTIN_10, "12-pin cartridge 1.0 mm", "pen_cartridge", 12, "1.0", 10),
        (GTIN_ROLLER, "Scalp roller 192 x 1.5 mm", "roller", 192, "1.5", 1),
    ]
    return {
        gtin: catalog.add_product(
            db,
            gtin=gtin,
            maker="Lumina MedTech",
            name=name,
            kind=kind,
            needle_count=needles,
            needle_length_mm=mm,
            sterilization="EO",
            units_per_pack=per_pack,
            by=staff("Test Manager"),
        )
        for gtin, name, kind, needles, mm, per_pack in specs
    }


def box(
    gtin: str, lot: str = "LOT1", expiry: date = date(2027, 1, 31), serial: str | None = None
) -> str:
    """The GS1 element string printed on a box (with the group separator)."""
    return element_string(gtin, expiry, lot, serial)


@pytest.fixture
def products(db: Database) -> dict[str, ProductInfo]:
    return add_products(db)


@pytest.fixture
def stocked(db: Database, products: dict[str, ProductInfo]) -> receiving.ReceiptResult:
    """Two boxes of cartridges (20 units) and one serialised roller on the shelf."""
    return receiving.receive(
        db,
        [box(GTIN_05, "A100"), box(GTIN_10, "B200"), box(GTIN_ROLLER, "R1", serial="SN0001")],
        by=staff("Test Manager"),
        supplier="MedSupply",
        invoice="INV-1",
    )
