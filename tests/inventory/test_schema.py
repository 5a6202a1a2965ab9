"""Migrations: empty database to head, backup before migrating, newer schema refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import sterility.models  # noqa: F401 - registers the sterility tables on the metadata
from inventory import schema
from inventory.db import make_engine
from inventory.errors import SchemaTooNew
from inventory.ledger import open_ledger
from inventory.models import Base


def test_empty_database_migrates_to_head(db_url: str) -> None:
    engine = make_engine(db_url)
    state = schema.upgrade(engine)
    assert state.up_to_date and state.current == schema.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {
        "product",
        "lot",
        "unit",
        "receipt",
        "audit_event",
        "unit_use",
        "refusal",
        "recall",
        "treatment_session",
    } <= tables
    engine.dispose()


def test_migrations_match_the_models(db_url: str) -> None:
    """What the code declares is what the migrations build: no drift on either database."""
    engine = make_engine(db_url)
    schema.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_settings_are_durable(tmp_path: Path) -> None:
    db = open_ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    db.dispose()


def test_older_database_is_backed_up_then_migrated(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    cfg = schema.alembic_config()
    from alembic import command

    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('clinic_name', 'Old')"))
    engine.dispose()

    db = open_ledger(f"sqlite:///{path}")
    db.dispose()
    backups = list((tmp_path / "backups").glob("*.sqlite3"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert copy.execute("SELECT value FROM setting").fetchone() == ("Old",)
    copy.close()
    assert schema.state(make_engine(f"sqlite:///{path}")).up_to_date


def test_newer_schema_is_refused_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    open_ledger(f"sqlite:///{path}").dispose()
    raw = create_engine(f"sqlite:///{path}")
    with raw.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    raw.dispose()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew, match="newer version of Sterile Ledger"):
        open_ledger(f"sqlite:///{path}")
    assert path.read_bytes() == before
    assert not (tmp_path / "backups").exists()


def test_the_known_head_is_the_migrations_folders_head() -> None:
    assert schema.head_revision() == schema.HEAD


def test_a_ledger_at_head_opens_without_loading_the_migrations(tmp_path: Path) -> None:
    """Start-up of an up-to-date ledger reads its revision with one query, no alembic."""
    from tests.reports.test_lazy_imports import loaded_after

    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    open_ledger(url, warn=lambda _s: None).dispose()  # created and migrated here
    opened = f"inventory.ledger; inventory.ledger.open_ledger({url!r}).dispose()"
    assert loaded_after(opened, ("alembic",)) == []
    assert schema.state(make_engine(url)).up_to_date
