"""Where the clinic's files live: one folder for the whole PC, unless told otherwise.

A front-office PC often has several Windows logins (or one shared by the front desk).
platformdirs' per-user folder would give each login its own ledger and its own signing
key, so the ledger lives in the machine's shared folder: ``C:\\ProgramData\\SterileLedger``
on Windows (the installer gives the PC's users the right to change files there). On
Linux and macOS, where a desk PC has one user and the shared folders belong to root, it
stays in the user's data folder. ``STERILE_LEDGER_HOME`` moves it (tests, a portable
install); a workstation configuration file there may point at another ledger
(inventory.workstation).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from platformdirs.api import PlatformDirsABC

from inventory.errors import LedgerError

APP_NAME = "SterileLedger"
HOME_VARIABLE = "STERILE_LEDGER_HOME"


class FolderUnwritable(LedgerError):
    """The data or log folder cannot be created or written."""

    code = "folder_unwritable"


def machine_dir(dirs: PlatformDirsABC | None = None, *, system: str = os.name) -> Path:
    """The folder every user of this PC shares (the per-user one outside Windows)."""
    dirs = dirs or platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Path(dirs.site_data_dir if system == "nt" else dirs.user_data_dir)


def legacy_user_dir(dirs: PlatformDirsABC | None = None) -> Path:
    """Where versions before the shared folder kept a Windows user's ledger."""
    dirs = dirs or platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Path(dirs.user_data_dir)


def data_dir() -> Path:
    """STERILE_LEDGER_HOME if set, else this PC's shared folder; created if need be."""
    override = os.environ.get(HOME_VARIABLE)
    path = Path(override) if override else machine_dir()
    return ensure_folder(path, "data")


def ensure_folder(path: Path, what: str) -> Path:
    """``path``, created if need be, or a sentence saying which folder and what to do."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise FolderUnwritable(
            f"Sterile Ledger cannot write to its {what} folder {path} "
            f"({exc.strerror or exc}). Ask whoever looks after this PC to give your Windows "
            f"account the right to change files in that folder, or set {HOME_VARIABLE} to a "
            "folder you can write to (not a network share)."
        ) from exc
    return path


def default_database_url() -> str:
    """The SQLite ledger in the data folder (a legacy per-user ledger, if that is all)."""
    shared = data_dir() / "ledger.sqlite3"
    if not shared.exists() and os.name == "nt" and not os.environ.get(HOME_VARIABLE):
        legacy = legacy_user_dir() / "ledger.sqlite3"
        if legacy.exists():
            return f"sqlite:///{legacy}"
    return f"sqlite:///{shared}"


def log_dir() -> Path:
    return ensure_folder(data_dir() / "logs", "log")
