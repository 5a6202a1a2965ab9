"""A throwaway PostgreSQL server for the test suite.

The ledger supports PostgreSQL for clinics with several workstations, so the
suite must exercise the real thing, not a mock. This module starts a private
server in a temporary directory, reachable only through a Unix socket there
(no TCP port, so parallel runs and a system PostgreSQL do not collide), with
durability switched off because the data is thrown away.

PostgreSQL refuses to run as root, so when the tests run as root (CI, fresh
containers) the server runs as the ``postgres`` OS user via ``runuser``.

Only the standard library and psycopg are used, so it can be imported from
``conftest.py`` and also run by hand::

    python tests/pgserver.py
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

import psycopg
from psycopg import sql

#: Debian/Ubuntu install every major version side by side here.
DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")

#: Unix socket paths are limited to 107 bytes on Linux (sun_path).
_MAX_SOCKET_PATH = 107


class PgServerUnavailable(RuntimeError):
    """The throwaway server cannot be started; ``reason`` says why (usually a command's stderr)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _version_key(path: Path) -> tuple[int, ...]:
    """Sort key for ``/usr/lib/postgresql/<version>/bin`` so 15 beats 9.6."""
    return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (-1,)


def _usable_bindir(path: Path | None) -> bool:
    return path is not None and all(
        os.access(path / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")
    )


def find_bindir() -> Path | None:
    """Locate a directory holding ``initdb``/``pg_ctl``/``postgres``, newest first.

    ``pg_config`` is asked first, but on Debian it can belong to a ``libpq-dev``
    of another major version than the installed server, so its answer is only
    taken if the binaries are really there.
    """
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    candidates += sorted(DEBIAN_PG_ROOT.glob("*/bin"), key=_version_key, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    return next((c for c in candidates if _usable_bindir(c)), None)


def _install_server() -> None:
    """Install PostgreSQL with apt (root only); ``apt-get update`` only if needed."""
    if not _is_root() or not shutil.which("apt-get"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"]
    if subprocess.run(install, env=env, capture_output=True, text=True).returncode == 0:
        return
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, text=True)
    result = subprocess.run(install, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise PgServerUnavailable(
            f"apt-get install postgresql failed (exit {result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()}"
        )


def _reachable_by_others(path: Path) -> bool:
    """True if every ancestor of ``path`` can be traversed by an unprivileged user."""
    for part in [path, *path.parents]:
        try:
            if not os.stat(part).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def _temp_base(as_postgres: bool) -> str | None:
    """Choose where to put the temp dir: the usual one unless postgres cannot use it.

    A ``TMPDIR`` under ``/root`` is unreachable for the ``postgres`` user, and a
    deep one can exceed the socket path limit; ``/tmp`` fixes both.
    """
    base = Path(tempfile.gettempdir()).resolve()
    too_long = len(str(base)) + len("/pgtest-XXXXXXXX/.s.PGSQL.65535") > _MAX_SOCKET_PATH
    if too_long or (as_postgres and not _reachable_by_others(base)):
        return "/tmp"
    return None


def _pid_alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie (PID 1 in containers may never reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" not in status


def processes_using(data_dir: Path) -> list[int]:
    """PIDs whose command line mentions ``data_dir``.

    That is the postmaster (``postgres -D <data_dir>``), but also pg_ctl's
    forked child and its ``sh -c "exec postgres ..."`` before the exec, which
    is the state a server is in when ``pg_ctl start`` gave up waiting.
    """
    needle = os.fsencode(str(data_dir))
    found: list[int] = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline and int(proc.name) != os.getpid() and _pid_alive(int(proc.name)):
            found.append(int(proc.name))
    return found


class PgServer:
    """A private PostgreSQL server in a temp dir; ``start()`` it, ``stop()`` it.

    Usage::

        with PgServer() as server:
            server.create_database("ledger")
            engine = create_engine(server.url("ledger"))
    """

    def __init__(
        self,
        bindir: str | Path | None = None,
        *,
        port: int = 5432,
        install: bool = True,
        start_timeout: int = 60,
        user: str = "postgres",
        durable: bool = False,
    ) -> None:
        # durable=True keeps fsync on: for benchmarks that compare with a durable SQLite.
        self.durable = durable
        self.bindir: Path | None = Path(bindir) if bindir else None
        self.port = port
        self.install = install
        self.start_timeout = start_timeout
        self.user = user
        self.base_dir: Path | None = None
        self._owner_pid: int | None = None

    # -- paths ---------------------------------------------------------------

    @property
    def socket_dir(self) -> Path:
        """The directory holding the server's Unix socket (and everything else)."""
        if self.base_dir is None:
            raise RuntimeError("PgServer is not started")
        return self.base_dir

    @property
    def data_dir(self) -> Path:
        return self.socket_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.socket_dir / "postgres.log"

    @property
    def postmaster_pid(self) -> int | None:
        """PID of the running postmaster, read from its ``postmaster.pid`` file."""
        if self.base_dir is None:
            return None
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> PgServer:
        """Create a cluster and start the server; on any failure nothing is left behind."""
        if self.base_dir is not None:
            return self
        as_postgres = _is_root()
        bindir = self._resolve_bindir()
        if as_postgres:
            self._check_os_user()
        self.base_dir = Path(tempfile.mkdtemp(prefix="pgtest-", dir=_temp_base(as_postgres)))
        self._owner_pid = os.getpid()
        atexit.register(self._stop_at_exit)
        try:
            if as_postgres:
                shutil.chown(self.base_dir, user=self.user, group=None)
            self._initdb(bindir)
            self._pg_ctl_start(bindir)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server at once (``-m immediate``: the data is discarded) and delete it."""
        if self.base_dir is None:
            return
        atexit.unregister(self._stop_at_exit)
        try:
            if (self.data_dir / "postmaster.pid").exists() and self.bindir is not None:
                with contextlib.suppress(PgServerUnavailable, OSError):
                    pg_ctl = self.bindir / "pg_ctl"
                    self._run([pg_ctl, "stop", "-D", self.data_dir, "-m", "immediate", "-w"])
            self._kill_leftovers()
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None
            self._owner_pid = None

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases -----------------------------------------------------------

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL for ``dbname`` over the private socket."""
        return (
            f"postgresql+psycopg://{self.user}@/{quote(dbname, safe='')}"
            f"?host={quote(str(self.socket_dir), safe='/')}"
        )

    def connect(self, dbname: str = "postgres", *, autocommit: bool = True) -> psycopg.Connection:
        """A plain psycopg connection, for setup work that should not go through SQLAlchemy."""
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=self.user,
            dbname=dbname,
            autocommit=autocommit,
        )

    def create_database(self, name: str, template: str | None = None) -> None:
        """``CREATE DATABASE``, optionally cloned from ``template``.

        Cloning a migrated template is much cheaper than migrating each test's
        database. PostgreSQL refuses to clone a database that has other
        connections open (after waiting ~5 s), so dispose engines on the
        template first.
        """
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with self.connect() as conn:
            conn.execute(query)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` even if connections are still open (``WITH (FORCE)``)."""
        query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        with self.connect() as conn:
            conn.execute(query)

    # -- internals -----------------------------------------------------------

    def _resolve_bindir(self) -> Path:
        if self.bindir is not None:
            if not _usable_bindir(self.bindir):
                raise PgServerUnavailable(f"no initdb/pg_ctl/postgres in {self.bindir}")
            return self.bindir
        bindir = find_bindir()
        if bindir is None and self.install:
            _install_server()
            bindir = find_bindir()
        if bindir is None:
            raise PgServerUnavailable(
                "PostgreSQL server binaries (initdb, pg_ctl) not found: not in "
                f"`pg_config --bindir`, {DEBIAN_PG_ROOT}/*/bin or PATH"
                + ("" if _is_root() else "; install the Debian package 'postgresql' as root")
            )
        self.bindir = bindir
        return bindir

    def _check_os_user(self) -> None:
        import pwd

        try:
            pwd.getpwnam(self.user)
        except KeyError:
            raise PgServerUnavailable(
                f"running as root but there is no '{self.user}' OS user to run PostgreSQL as"
            ) from None

    def _env(self) -> dict[str, str]:
        """Our environment without PG* variables, which would redirect the tools."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        return env

    def _run(self, args: Sequence[str | Path]) -> subprocess.CompletedProcess[str]:
        """Run a server tool (as ``postgres`` when we are root); raise with its stderr."""
        argv = [str(a) for a in args]
        kwargs: dict[str, object] = {}
        if _is_root():
            if shutil.which("runuser"):
                argv = ["runuser", "-u", self.user, "--", *argv]
            else:  # no util-linux: let Python drop privileges itself
                kwargs = {"user": self.user, "group": self.user, "extra_groups": []}
        result = subprocess.run(
            argv,
            cwd=self.socket_dir,  # postgres cannot chdir back into /root
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            **kwargs,  # type: ignore[call-overload]
        )
        if result.returncode != 0:
            detail = result.stderr.strip() or result.stdout.strip()
            raise PgServerUnavailable(
                f"{shlex.join(argv)} failed (exit {result.returncode}): {detail}"
            )
        return result

    def _initdb(self, bindir: Path) -> None:
        base = [bindir / "initdb", "-D", self.data_dir, "-U", self.user, "-A", "trust"]
        base += ["--encoding=UTF8", "--no-sync"]
        try:
            self._run([*base, "--locale=C.UTF-8"])
        except PgServerUnavailable:
            # Systems without a C.UTF-8 locale; initdb cleans up its own data dir on failure.
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self._run([*base, "--locale=C"])

    def _pg_ctl_start(self, bindir: Path) -> None:
        # pg_ctl hands -o to /bin/sh, hence the quoting; listen_addresses='' means no TCP.
        options = (
            f"-k {shlex.quote(str(self.socket_dir))} -p {self.port} -c listen_addresses='' "
            "-c max_connections=200"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        try:
            # -l matters: without it the postmaster inherits our stdout pipe and
            # subprocess.run would wait for the server to exit.
            wait = ["-w", "-t", str(self.start_timeout)]
            pg_ctl = bindir / "pg_ctl"
            self._run(
                [pg_ctl, "start", "-D", self.data_dir, "-l", self.log_file, "-o", options, *wait]
            )
        except PgServerUnavailable as error:
            log = self._log_tail()
            raise PgServerUnavailable(f"{error.reason}\n--- server log ---\n{log}") from None

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _kill_leftovers(self) -> None:
        """Make sure no postmaster for our data dir survives a failed ``pg_ctl``."""
        # Matched by command line, not just postmaster.pid, so a recycled PID is never hit
        # and a postmaster that had not yet written its pid file is still found.
        for sig in (signal.SIGQUIT, signal.SIGKILL, signal.SIGKILL):
            pids = set(processes_using(self.data_dir))
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 5
            while pids and time.monotonic() < deadline:
                time.sleep(0.02)
                pids = {p for p in pids if _pid_alive(p)}

    def _stop_at_exit(self) -> None:
        """Last resort when a test run forgets ``stop()``; only in the process that started."""
        if self._owner_pid == os.getpid():
            self.stop()


def main() -> int:
    """Manual smoke test: start, create a database, ask its version, stop."""
    t0 = time.perf_counter()
    try:
        server = PgServer().start()
    except PgServerUnavailable as error:
        print(f"PostgreSQL unavailable: {error.reason}", file=sys.stderr)
        return 1
    try:
        t1 = time.perf_counter()
        print(f"started in {t1 - t0:.2f}s, socket dir {server.socket_dir}")
        server.create_database("smoke")
        t2 = time.perf_counter()
        server.create_database("smoke_copy", template="smoke")
        t3 = time.perf_counter()
        with server.connect("smoke_copy") as conn:
            row = conn.execute("select version()").fetchone()
        print(row[0] if row else "?")
        print(f"url: {server.url('smoke')}")
        print(f"create database {t2 - t1:.3f}s, create from template {t3 - t2:.3f}s")
    finally:
        t4 = time.perf_counter()
        server.stop()
        print(f"stopped in {time.perf_counter() - t4:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
