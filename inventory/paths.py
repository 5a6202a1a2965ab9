"""Where the clinic's files live: the user's data directory, unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "SterileLedger"


def data_dir() -> Path:
    """STERILE_LEDGER_HOME if set (tests, portable installs), else the platform's place."""
    override = os.environ.get("STERILE_LEDGER_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'ledger.sqlite3'}"


def backups_dir() -> Path:
    return data_dir() / "backups"


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
