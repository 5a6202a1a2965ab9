"""The throwaway PostgreSQL server starts, serves SQLAlchemy, clones templates and cleans up.

Every PostgreSQL test depends on this fixture code; a leaked server would pile
up across runs and a half-started one would make later failures baffling.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.pgserver import PgServer, PgServerUnavailable, _pid_alive, processes_using

pytestmark = pytest.mark.pg


def _children_of(pid: int) -> list[int]:
    """PIDs whose parent is ``pid`` (the postmaster's checkpointer, walwriter, ...)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _wait_gone(pids: list[int], seconds: float = 5.0) -> list[int]:
    """Backends exit just after the postmaster; give them a moment before judging."""
    deadline = time.monotonic() + seconds
    alive = [p for p in pids if _pid_alive(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if _pid_alive(p)]
    return alive


def test_server_lifecycle_sqlalchemy_and_template_clone() -> None:
    started = time.perf_counter()
    server = PgServer().start()
    try:
        socket_dir, data_dir = server.socket_dir, server.data_dir
        assert server.url("ledger") == (f"postgresql+psycopg://postgres@/ledger?host={socket_dir}")

        server.create_database("ledger")
        engine = create_engine(server.url("ledger"))
        with engine.begin() as conn:
            assert conn.execute(text("select current_database()")).scalar_one() == "ledger"
            conn.execute(text("create table lot (gtin text primary key, lot text not null)"))
            conn.execute(text("insert into lot values ('04012345678901', 'L42')"))
        engine.dispose()  # a template must have no open connections

        server.create_database("ledger_copy", template="ledger")
        copy = create_engine(server.url("ledger_copy"))
        with copy.connect() as conn:
            assert conn.execute(text("select lot from lot")).scalar_one() == "L42"
            # The copy is independent of its template.
            conn.execute(text("delete from lot"))
            conn.commit()
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from lot")).scalar_one() == 1

        # FORCE drops even with a pooled connection still open.
        with copy.connect() as conn:
            conn.execute(text("select 1"))
        with copy.connect():
            server.drop_database("ledger_copy")
        copy.dispose()
        engine.dispose()
        with server.connect() as conn:
            names = {r[0] for r in conn.execute("select datname from pg_database")}
        assert "ledger" in names
        assert "ledger_copy" not in names

        postmaster = server.postmaster_pid
        assert postmaster is not None
        assert processes_using(data_dir) == [postmaster]
        children = _children_of(postmaster)
        assert children, "a running postmaster has background workers"
    finally:
        server.stop()
    elapsed = time.perf_counter() - started

    assert not socket_dir.exists()
    assert server.base_dir is None
    assert _wait_gone([postmaster, *children]) == []
    assert processes_using(data_dir) == []
    assert elapsed < 60
    server.stop()  # idempotent


def test_context_manager_stops_on_error() -> None:
    with pytest.raises(ZeroDivisionError), PgServer() as server:
        socket_dir, data_dir = server.socket_dir, server.data_dir
        1 / 0  # noqa: B018
    assert not socket_dir.exists()
    assert processes_using(data_dir) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"port": 0}, "port"),  # the postmaster refuses the setting and exits
        ({"start_timeout": 0}, "did not start in time"),  # pg_ctl gives up, server lives on
    ],
)
def test_failed_start_leaves_nothing_behind(
    options: dict[str, int], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args: object, **kwargs: object) -> str:
        path = real_mkdtemp(*args, **kwargs)  # type: ignore[call-overload]
        made.append(Path(path))
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    server = PgServer(**options)
    with pytest.raises(PgServerUnavailable) as caught:
        server.start()
    assert expected in caught.value.reason
    assert server.base_dir is None
    assert len(made) == 1
    assert not made[0].exists()
    assert _wait_gone(processes_using(made[0] / "data")) == []


def test_missing_binaries_give_a_clear_reason(tmp_path: Path) -> None:
    with pytest.raises(PgServerUnavailable, match="no initdb"):
        PgServer(bindir=tmp_path).start()
