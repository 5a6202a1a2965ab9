"""The workstation file: where this PC's ledger lives, read and written whole, no password.

Real files in the test's folder, and a real throwaway PostgreSQL server with a login that
needs a password (a scram-sha-256 line put in front of the server's pg_hba.conf), so the
password file is proved to be what lets the app in.
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PureWindowsPath

import platformdirs.windows
import pytest
from psycopg import sql
from sqlalchemy import create_engine, text

from inventory import paths, workstation
from inventory.ledger import resolve_url
from inventory.workstation import ConnectionRefused, Server, ThisPC, WorkstationFileDamaged
from tests.conftest import pg_or_fail
from tests.pgserver import PgServer

_logins = itertools.count(1)


# -- a password login on the throwaway server (its own pg_hba.conf trusts everyone else)


def add_password_login(server: PgServer, password: str) -> Server:
    """A new role that must give ``password``, owning a new empty database of its name."""
    name = f"clinic{os.getpid()}_{next(_logins)}"
    hba = server.data_dir / "pg_hba.conf"
    line = f"local all {name} scram-sha-256\n"
    hba.write_text(line + hba.read_text(encoding="utf-8"), encoding="utf-8")
    with server.connect() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(name)
            )
        )
        conn.execute("SELECT pg_reload_conf()")
    return Server(host=str(server.socket_dir), port=server.port, database=name, user=name)


def drop_login(server: PgServer, login: Server) -> None:
    server.drop_database(login.database)
    with server.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login.user)))


@pytest.fixture
def pg(pg_server: PgServer | str) -> PgServer:
    return pg_or_fail(pg_server)


@pytest.fixture
def login(pg: PgServer) -> Iterator[Server]:
    made = add_password_login(pg, "Harbour-Clinic-7")
    yield made
    drop_login(pg, made)


@pytest.fixture
def home() -> Path:
    """This PC's shared data folder (STERILE_LEDGER_HOME, set for every test)."""
    return paths.data_dir()


# -- round trips


def test_no_file_means_no_choice_yet(home: Path) -> None:
    assert workstation.read() is None
    assert workstation.configured_url() is None
    assert not workstation.exists()


def test_this_pc_round_trip(home: Path) -> None:
    saved = workstation.write(workstation.this_pc())
    assert saved == home / "workstation.ini"
    location = workstation.read()
    assert location == ThisPC(home / "ledger.sqlite3")
    assert workstation.configured_url() == f"sqlite:///{home / 'ledger.sqlite3'}"
    assert "where = this_pc" in saved.read_text(encoding="utf-8")
    assert not workstation.passfile_path().exists()
    assert not list(home.glob("*.tmp"))  # written whole, no temporary file left


def test_a_server_round_trip_keeps_the_password_out_of_the_ini(home: Path) -> None:
    server = Server(host="ledger-server", port=5433, database="ledger", user="sterile_app")
    saved = workstation.write(server, password="s3cret:with\\colon")
    assert workstation.read() == server
    body = saved.read_text(encoding="utf-8")
    assert "s3cret" not in body and "password" not in body.split("\n[")[1]
    passfile = workstation.passfile_path()
    assert passfile.read_text(encoding="utf-8") == (
        "ledger-server:5433:ledger:sterile_app:s3cret\\:with\\\\colon\n"
    )
    if os.name == "posix":  # libpq ignores a password file that others can read
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
    assert workstation.saved_password("sterile_app") == "s3cret:with\\colon"
    url = workstation.configured_url()
    assert url is not None and "s3cret" not in url
    assert url.startswith("postgresql+psycopg://sterile_app@ledger-server:5433/ledger?passfile=")

    # Changing the server but not the password keeps the saved one; none at all removes it.
    moved = Server(host="new-server", port=5432, database="ledger", user="sterile_app")
    workstation.write(moved)
    assert workstation.saved_password("sterile_app") == "s3cret:with\\colon"
    assert passfile.read_text(encoding="utf-8").startswith("new-server:5432:")
    workstation.write(moved, password="")
    assert not passfile.exists()
    assert "passfile" not in (workstation.configured_url() or "")

    # Back to this PC: the password file goes.
    workstation.write(server, password="again")
    workstation.write(workstation.this_pc())
    assert not passfile.exists()


def test_a_relative_file_is_beside_the_workstation_file(home: Path) -> None:
    workstation.config_path().write_text(
        "[ledger]\nwhere = this_pc\nfile = other.sqlite3\n", encoding="utf-8"
    )
    assert workstation.read() == ThisPC(home / "other.sqlite3")


def test_the_windows_shared_folder_holds_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """platformdirs' Windows answers (stood in for by its own override variables)."""
    monkeypatch.setenv("WIN_PD_OVERRIDE_COMMON_APPDATA", r"C:\ProgramData")
    dirs = platformdirs.windows.Windows(appname=paths.APP_NAME, appauthor=False)
    shared = paths.machine_dir(dirs, system="nt")
    assert PureWindowsPath(str(workstation.config_path(shared))) == PureWindowsPath(
        r"C:\ProgramData\SterileLedger\workstation.ini"
    )
    assert PureWindowsPath(str(workstation.this_pc(shared).file)) == PureWindowsPath(
        r"C:\ProgramData\SterileLedger\ledger.sqlite3"
    )
    assert PureWindowsPath(str(workstation.passfile_path(shared))).name == "workstation.pgpass"


# -- a damaged file says which file and what to do


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("where = this_pc\n", "line 1 comes before any [ledger] section"),
        ("[other]\nwhere = this_pc\n", "no [ledger] section"),
        ("[ledger]\nwhere = cloud\n", "'where = cloud' is neither this_pc nor postgresql"),
        ("[ledger]\nfile = x\n", "does not say where the ledger lives"),
        ("[ledger]\nwhere = postgresql\nhost = s\n", "names no database and no user"),
        (
            "[ledger]\nwhere = postgresql\nhost = s\ndatabase = d\nuser = u\nport = 99999\n",
            "the port '99999' is not a number",
        ),
        ("[ledger]\nwhere = this_pc\nwhere = postgresql\n", "says something twice"),
        ("[ledger]\nwhere = this_pc\n  no key here\n[", "cannot be read"),
    ],
)
def test_a_damaged_file_is_a_sentence(home: Path, content: str, why: str) -> None:
    path = workstation.config_path()
    path.write_text(content, encoding="utf-8")
    with pytest.raises(WorkstationFileDamaged) as caught:
        workstation.read()
    message = caught.value.message
    assert str(path) in message and why in message
    assert "delete it and start Sterile Ledger again" in message
    with pytest.raises(WorkstationFileDamaged):
        resolve_url(None)


def test_a_binary_file_is_a_sentence(home: Path) -> None:
    workstation.config_path().write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(WorkstationFileDamaged, match="not a text file"):
        workstation.read()


# -- resolve_url: --db, then STERILE_LEDGER_DB, then the file, then the default


def test_resolve_url_precedence(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = f"sqlite:///{home / 'ledger.sqlite3'}"
    assert resolve_url(None) == default
    server = Server(host="ledger-server", port=5432, database="ledger", user="app")
    workstation.write(server, password="pw")
    from_file = resolve_url(None)
    assert from_file.startswith("postgresql+psycopg://app@ledger-server:5432/ledger")
    monkeypatch.setenv("STERILE_LEDGER_DB", "sqlite:///from-env.sqlite3")
    assert resolve_url(None) == "sqlite:///from-env.sqlite3"
    assert resolve_url("sqlite:///from-flag.sqlite3") == "sqlite:///from-flag.sqlite3"
    # A damaged file does not stand in the way of --db or the variable.
    workstation.config_path().write_text("garbage", encoding="utf-8")
    assert resolve_url("sqlite:///from-flag.sqlite3") == "sqlite:///from-flag.sqlite3"
    assert resolve_url(None) == "sqlite:///from-env.sqlite3"
    monkeypatch.delenv("STERILE_LEDGER_DB")
    workstation.remove()
    assert resolve_url(None) == default


# -- a real server that wants a password


def test_the_password_file_lets_the_app_in(home: Path, login: Server) -> None:
    with pytest.raises(ConnectionRefused, match="refused the password"):
        workstation.check_server(login, "wrong password")
    check = workstation.check_server(login, "Harbour-Clinic-7")
    assert check.sentence.startswith("Connected to PostgreSQL")
    assert "is empty" in check.sentence and not check.has_ledger

    workstation.write(login, password="Harbour-Clinic-7")
    url = resolve_url(None)
    assert "Harbour" not in url and "passfile=" in url
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == login.user
    finally:
        engine.dispose()


def test_refusals_in_words(login: Server) -> None:
    no_db = Server(login.host, "no_such_ledger", login.user, login.port)
    with pytest.raises(ConnectionRefused) as caught:
        workstation.check_server(no_db, "Harbour-Clinic-7")
    assert "no database called no_such_ledger" in caught.value.message
    nowhere = Server("/nonexistent-socket-folder", "ledger", "app", 5432)
    with pytest.raises(ConnectionRefused) as caught:
        workstation.check_server(nowhere, "x", timeout_s=2)
    assert "Nothing answers at /nonexistent-socket-folder port 5432" in caught.value.message
    assert "The server said:" in caught.value.message
