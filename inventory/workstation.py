"""Where this PC's ledger lives, chosen once at the first start: the workstation file.

Every Windows login of a front-office PC must reach the same ledger, so the choice is kept
in the machine's shared data folder (inventory.paths ``data_dir()``, that is
``C:\\ProgramData\\SterileLedger`` on Windows), in ``workstation.ini``::

    # Sterile Ledger: where this PC's ledger lives ...
    [ledger]
    where = this_pc
    file = C:\\ProgramData\\SterileLedger\\ledger.sqlite3

or, for a clinic with several workstations on one PostgreSQL server::

    [ledger]
    where = postgresql
    host = ledger-server
    port = 5432
    database = ledger
    user = sterile_app

The URL the app opens is built from these fields (``database_url``); ``--db`` and
``STERILE_LEDGER_DB`` still win over the file (inventory.ledger ``resolve_url``).

The password is never in the INI file. It goes into ``workstation.pgpass`` beside it, a
libpq password file (``host:port:database:user:password``) that the URL names with the
``passfile`` connection parameter, so the server's password is read by libpq alone and
the INI file can be shown, copied or sent to whoever helps the clinic without giving it
away. The password file is created readable by its owner only (mode 0600; libpq ignores
a password file that others can read). On Windows the file lives in the shared folder so
that every login of the PC can start the app: anyone signed in to the PC can read it, as
they can start the app anyway. That login is the workstations' "app" role, which owns
nothing (inventory.pg_roles): it can do what the app does, no more. A Windows credential
store (DPAPI, keyring) would tie the password to one login, which is what the shared
folder exists to avoid.

Both files are written whole to a temporary file and then moved over the old one
(``os.replace``), so a crash or a full disk never leaves half a file behind.
"""

from __future__ import annotations

import configparser
import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from inventory.errors import LedgerError
from inventory.paths import data_dir

FILE_NAME = "workstation.ini"
PASSFILE_NAME = "workstation.pgpass"
SECTION = "ledger"
LEDGER_FILE = "ledger.sqlite3"
DEFAULT_PORT = 5432
CONNECT_TIMEOUT_S = 10

_HEADER = (
    "# Sterile Ledger: where this PC's ledger lives. Written by the app at the first start\n"
    "# and by Settings > Where the ledger lives. where = this_pc (a SQLite file on this PC)\n"
    "# or postgresql (host, port, database, user). The password is never kept here: it is\n"
    f"# in {PASSFILE_NAME} beside this file.\n"
)


class WorkstationFileDamaged(LedgerError):
    """The workstation file cannot be read: which file, and what to do about it."""

    code = "workstation_file"


class ConnectionRefused(LedgerError):
    """The PostgreSQL server could not be reached or refused the login."""

    code = "connection_refused"


@dataclass(frozen=True)
class ThisPC:
    """A SQLite ledger on this PC, shared by all its users."""

    file: Path

    def describe(self) -> str:
        return f"This PC: {self.file}"


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server that every workstation of the clinic shares."""

    host: str
    database: str
    user: str
    port: int = DEFAULT_PORT

    def describe(self) -> str:
        return (
            f"PostgreSQL server {self.host}:{self.port}, database {self.database}, "
            f"as {self.user}"
        )

    def url(self, *, passfile: Path | None = None, password: str | None = None) -> str:
        """The SQLAlchemy URL; the password only through ``passfile`` unless given here."""
        query: dict[str, str] = {}
        host: str | None = self.host
        port: int | None = self.port
        if _is_socket_dir(self.host):  # a local socket folder, not a host name
            query |= {"host": self.host, "port": str(self.port)}
            host = port = None
        if passfile is not None:
            query["passfile"] = str(passfile)
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=password or None,
            host=host,
            port=port,
            database=self.database,
            query=query,
        ).render_as_string(hide_password=False)


Location = ThisPC | Server


def _is_socket_dir(host: str) -> bool:
    return host.startswith("/")


def config_path(folder: Path | None = None) -> Path:
    """The workstation file in ``folder`` (by default this PC's shared data folder)."""
    return (folder if folder is not None else data_dir()) / FILE_NAME


def passfile_path(folder: Path | None = None) -> Path:
    """The libpq password file beside the workstation file."""
    return (folder if folder is not None else data_dir()) / PASSFILE_NAME


def this_pc(folder: Path | None = None) -> ThisPC:
    """The SQLite ledger in this PC's shared data folder."""
    return ThisPC((folder if folder is not None else data_dir()) / LEDGER_FILE)


def exists(folder: Path | None = None) -> bool:
    return config_path(folder).is_file()


def read(folder: Path | None = None) -> Location | None:
    """The location in the workstation file; None when there is no file yet."""
    path = config_path(folder)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise _damaged(path, "it is not a text file") from None
    except OSError as exc:
        raise WorkstationFileDamaged(
            f"The workstation file {path} cannot be opened ({exc.strerror or exc}). Ask "
            "whoever looks after this PC to let your Windows account read it."
        ) from exc
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise _damaged(path, _parser_problem(exc)) from None
    if not parser.has_section(SECTION):
        raise _damaged(path, f"it has no [{SECTION}] section")
    values = parser[SECTION]
    where = values.get("where", "").strip().lower()
    if where == "this_pc":
        file = values.get("file", "").strip()
        if not file:
            return this_pc(path.parent)
        chosen = Path(file)
        return ThisPC(chosen if chosen.is_absolute() else path.parent / chosen)
    if where == "postgresql":
        missing = [key for key in ("host", "database", "user") if not values.get(key, "").strip()]
        if missing:
            raise _damaged(path, "it names no " + " and no ".join(missing) + " for the server")
        port_text = values.get("port", str(DEFAULT_PORT)).strip()
        if not (port_text.isdigit() and 1 <= int(port_text) <= 65535):
            raise _damaged(path, f"the port '{port_text}' is not a number from 1 to 65535")
        return Server(
            host=values["host"].strip(),
            port=int(port_text),
            database=values["database"].strip(),
            user=values["user"].strip(),
        )
    if not where:
        raise _damaged(path, "it does not say where the ledger lives (where = ...)")
    raise _damaged(path, f"'where = {where}' is neither this_pc nor postgresql")


def _parser_problem(exc: configparser.Error) -> str:
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno} comes before any [{SECTION}] section"
    if isinstance(exc, configparser.DuplicateOptionError | configparser.DuplicateSectionError):
        return f"line {exc.lineno} says something twice"
    if isinstance(exc, configparser.ParsingError):
        lines = ", ".join(str(number) for number, _text in exc.errors[:3])
        return f"line {lines} cannot be read"
    return "it cannot be read"


def _damaged(path: Path, why: str) -> WorkstationFileDamaged:
    return WorkstationFileDamaged(
        f"The workstation file {path} is damaged: {why}. It says where this PC's ledger "
        "lives. Correct it, or delete it and start Sterile Ledger again to choose the "
        "ledger's place afresh (the ledger itself is not touched)."
    )


def database_url(location: Location, folder: Path | None = None) -> str:
    """The URL to open for ``location`` (a server's password through the password file)."""
    if isinstance(location, ThisPC):
        return f"sqlite:///{location.file}"
    passfile = passfile_path(folder)
    return location.url(passfile=passfile if passfile.is_file() else None)


def configured_url(folder: Path | None = None) -> str | None:
    """The URL the workstation file names, or None when there is none."""
    location = read(folder)
    return None if location is None else database_url(location, folder)


def write(
    location: Location, *, password: str | None = None, folder: Path | None = None
) -> Path:
    """Save the choice (and a server's password in the password file); returns the file.

    ``password=None`` keeps the password already saved for the same user, "" saves none
    (a server that trusts this PC's login).
    """
    path = config_path(folder)
    passfile = passfile_path(folder)
    parser = configparser.ConfigParser(interpolation=None)
    if isinstance(location, ThisPC):
        parser[SECTION] = {"where": "this_pc", "file": str(location.file)}
    else:
        parser[SECTION] = {
            "where": "postgresql",
            "host": location.host,
            "port": str(location.port),
            "database": location.database,
            "user": location.user,
        }
    text = io.StringIO()
    text.write(_HEADER)
    parser.write(text)
    if isinstance(location, Server):
        if password is None:
            password = saved_password(location.user, folder)
        if password:
            _replace(passfile, pgpass_line(location, password), private=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                passfile.unlink()
    else:
        with contextlib.suppress(FileNotFoundError):
            passfile.unlink()
    _replace(path, text.getvalue())
    return path


def remove(folder: Path | None = None) -> None:
    """Forget the choice (the next start asks again); the ledger itself is not touched."""
    for path in (config_path(folder), passfile_path(folder)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _replace(path: Path, text: str, *, private: bool = False) -> None:
    """Write ``text`` to a temporary file beside ``path``, then move it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o600 if private else 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if private:
            os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def pgpass_line(server: Server, password: str) -> str:
    """One line of a libpq password file for ``server`` (``:`` and ``\\`` escaped)."""
    fields = (server.host, str(server.port), server.database, server.user, password)
    return ":".join(_escape(field) for field in fields) + "\n"


def _split_pgpass(line: str) -> list[str]:
    fields, current, escaped = [], [], False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


def saved_password(user: str, folder: Path | None = None) -> str:
    """The password kept for ``user`` in the password file ("" when there is none)."""
    try:
        lines = passfile_path(folder).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    for line in lines:
        fields = _split_pgpass(line)
        if len(fields) == 5 and fields[3] == user:
            return fields[4]
    return ""


def has_saved_password(folder: Path | None = None) -> bool:
    return passfile_path(folder).is_file()


@dataclass(frozen=True)
class ServerCheck:
    """What a connection test found."""

    version: str
    has_ledger: bool
    sentence: str


def check_server(
    server: Server, password: str, *, timeout_s: int = CONNECT_TIMEOUT_S
) -> ServerCheck:
    """Log in to the server once; a sentence for success, ConnectionRefused in words if not."""
    import psycopg

    params: dict[str, str | int] = {
        "host": server.host,
        "port": server.port,
        "dbname": server.database,
        "user": server.user,
        "connect_timeout": timeout_s,
    }
    if password:
        params["password"] = password
    try:
        with psycopg.connect(**params) as conn:  # type: ignore[arg-type]
            version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
            found = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
            has_ledger = bool(found and found[0])
    except psycopg.Error as exc:
        raise ConnectionRefused(refusal_sentence(server, str(exc))) from exc
    where = f"{server.host}:{server.port}"
    if has_ledger:
        sentence = (
            f"Connected to PostgreSQL {version} at {where} as {server.user}. The database "
            f"{server.database} already holds a Sterile Ledger: this PC will use it."
        )
    else:
        sentence = (
            f"Connected to PostgreSQL {version} at {where} as {server.user}. The database "
            f"{server.database} is empty: Sterile Ledger sets it up when you continue."
        )
    return ServerCheck(version, has_ledger, sentence)


def refusal_sentence(server: Server, text: str) -> str:
    """The server's refusal in a manager's words, with the server's own words after."""
    low = text.lower()
    said = " ".join(text.replace("FATAL:", "").split())
    if "password authentication failed" in low or "no password supplied" in low:
        head = (
            f"The server refused the password for user {server.user}. Check the password "
            "(it is case-sensitive) with whoever set up the server."
        )
    elif "does not exist" in low and "database" in low:
        head = (
            f"The server has no database called {server.database}. Check its name, or ask "
            "whoever runs the server to create it (an empty database is enough)."
        )
    elif "role" in low and "does not exist" in low:
        head = f"The server has no user called {server.user}. Check the user name."
    elif "no pg_hba.conf entry" in low or "not permitted" in low:
        head = (
            "The server does not let this PC log in (its pg_hba.conf has no entry for "
            "this PC). Ask whoever runs the server to allow it."
        )
    elif "timeout" in low or "timed out" in low:
        head = (
            f"The server {server.host} did not answer in time. Check that it is switched "
            "on and that this PC is on the clinic's network."
        )
    elif "could not translate host name" in low or "name or service not known" in low:
        head = f"No computer called {server.host} was found on the network. Check the name."
    elif "connection refused" in low or "no such file" in low or "could not connect" in low:
        head = (
            f"Nothing answers at {server.host} port {server.port}. Check the server's name "
            "and port, and that PostgreSQL is running there."
        )
    else:
        head = "The server could not be used."
    return f"{head} The server said: {said}" if said else head


def describe_url(url: str) -> str:
    """The ledger a URL names, in a manager's words (never its password)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return "A ledger this app cannot name"
    if parsed.get_backend_name() == "sqlite":
        return f"This PC: {parsed.database}" if parsed.database else "A ledger in memory"
    query = parsed.query
    host = parsed.host or str(query.get("host", "")) or "localhost"
    port = parsed.port or query.get("port") or DEFAULT_PORT
    return Server(
        host=host, port=int(str(port)), database=parsed.database or "", user=parsed.username or ""
    ).describe()
