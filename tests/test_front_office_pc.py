"""The front-office PC as it is: a Windows code page, folders it may not write, two
programs logging at once, one shared data folder for every login."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path, PureWindowsPath

import platformdirs.windows
import pytest

from inventory import paths
from tests import people
from tests.test_cli import ROOT, run


def test_a_cp1252_console_prints_any_name(db_url: str, tmp_path: Path) -> None:
    """Windows' console code page cannot encode 李静: the app writes UTF-8 instead of crashing."""
    env = os.environ | {
        "PYTHONIOENCODING": "cp1252",
        "STERILE_LEDGER_DB": db_url,
        "STERILE_LEDGER_HOME": str(tmp_path / "home"),
        "STERILE_LEDGER_USER": "Clinic Manager",
        "STERILE_LEDGER_PASSWORD": people.PASSWORD,
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "staff", "list"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "李静".encode() in done.stdout
    assert b"UnicodeEncodeError" not in done.stderr


def test_an_unwritable_data_folder_is_said_in_words(db_url: str, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    done = run(db_url, "staff", "list", home=blocked)
    assert done.returncode == 3
    assert f"cannot write to its data folder {blocked}" in done.stderr
    assert "STERILE_LEDGER_HOME" in done.stderr and "Traceback" not in done.stderr


WRITER = """
import logging, sys
sys.path.insert(0, sys.argv[1])
import main
main.setup_logging(max_bytes=20_000, backups=200)
log = logging.getLogger(sys.argv[2])
for n in range(2000):
    log.info("line %d from %s", n, sys.argv[2])
"""


def test_two_programs_log_at_once_and_rotation_loses_nothing(tmp_path: Path) -> None:
    env = os.environ | {"STERILE_LEDGER_HOME": str(tmp_path)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(ROOT), name],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("desktop", "scheduled-export")
    ]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert all(w.returncode == 0 for w in writers), errors
    assert not any("Logging error" in e for e in errors)
    logs = list((tmp_path / "logs").glob("sterile-ledger.log*"))
    assert len(logs) > 2  # it did rotate
    lines = [line for f in logs for line in f.read_text(encoding="utf-8").splitlines()]
    for name in ("desktop", "scheduled-export"):
        assert sum(f"from {name}" in line for line in lines) == 2000


def test_every_windows_login_shares_one_ledger_folder(monkeypatch) -> None:
    """platformdirs' Windows answers (stood in for by its own override variables)."""
    monkeypatch.setenv("WIN_PD_OVERRIDE_COMMON_APPDATA", r"C:\ProgramData")
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", r"C:\Users\amira\AppData\Local")
    dirs = platformdirs.windows.Windows(appname=paths.APP_NAME, appauthor=False)
    shared = paths.machine_dir(dirs, system="nt")
    assert PureWindowsPath(str(shared)) == PureWindowsPath(r"C:\ProgramData\SterileLedger")
    assert "amira" not in str(shared)  # not the login's own folder
    assert "amira" in str(paths.legacy_user_dir(dirs))


@pytest.mark.parametrize("system", ["posix"])
def test_elsewhere_the_users_own_folder(system: str) -> None:
    dirs = platformdirs.PlatformDirs(paths.APP_NAME, appauthor=False)
    assert paths.machine_dir(dirs, system=system) == Path(dirs.user_data_dir)
