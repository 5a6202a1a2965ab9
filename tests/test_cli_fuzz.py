"""No input to any command-line option crashes with a traceback.

Hypothesis builds command lines from the real parser: every command, every option, with
hostile values (any script, quotes, SQL, wildcards, control characters, huge numbers).
Each must end in 0 (done), 2 (bad usage) or 3 (refused, in plain words), never 1.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.cli import build_parser, main
from inventory import receiving
from inventory.ledger import open_ledger
from tests.conftest import GTIN_05, add_products, box
from tests.people import staff

PATH_OPTIONS = {"pdf", "csv", "dest", "file", "path", "backup", "out"}
HOSTILE = st.sampled_from([
    "", " ", "%", "_", "'", '"', "' OR 1=1 --", "; DROP TABLE unit; --", "\\", "\x00", "\x1d",
    "U1-001", "u1-001", "A100", GTIN_05, "0", "-1", "1e309", "99999999999999999999", "2026-02-30",
    "2026-03-10", "0.5", "2.6", "face", "Ünïcödé", "李静", "محمد", "\u202eevil", "Zoë", "\t=cmd",
    "=HYPERLINK(\"x\")", "a" * 300,
])
VALUE = st.one_of(HOSTILE, st.text(max_size=25))


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list:
    """Every runnable command: its words and its arguments."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _leaves(sub, (*path, name))
    if path and not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
        found.append((path, [a for a in parser._actions
                             if not isinstance(a, argparse._HelpAction)]))
    return found


LEAVES = _leaves(build_parser())


@st.composite
def command_lines(draw: st.DrawFn, folder: Path) -> list[str]:
    path, actions = draw(st.sampled_from(LEAVES))
    argv = list(path)
    for action in actions:
        if not draw(st.booleans()) and not action.required:
            continue
        if action.nargs == 0:
            argv += [action.option_strings[0]] if action.option_strings else []
            continue
        value = draw(VALUE)
        if action.dest in PATH_OPTIONS:
            value = str(folder / ("f" + "".join(c for c in value if c.isalnum())[:20]))
        argv += [action.option_strings[0], value] if action.option_strings else [value]
    return argv


def test_the_parser_knows_every_command() -> None:
    names = {" ".join(path) for path, _ in LEAVES}
    assert {"receive", "session use", "catalog add", "audit verify", "recall"} <= names


def test_no_command_line_crashes(tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'ledger.sqlite3'}"
    db = open_ledger(url)
    add_products(db)
    receiving.receive(db, [box(GTIN_05, "A100")], by=staff("Manager"))
    db.dispose()
    env = {"STERILE_LEDGER_DB": url, "STERILE_LEDGER_HOME": str(folder / "home")}

    @settings(max_examples=300 if os.environ.get("SOAK") else 120, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(argv=command_lines(folder))
    def run(argv: list[str]) -> None:
        if argv[0] == "demo":
            return  # fills a database; covered by its own test
        out, err = io.StringIO(), io.StringIO()
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exit_:
                    code = exit_.code
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        assert code in (0, 2, 3), (argv, code, err.getvalue())
        assert "Traceback" not in err.getvalue(), argv

    run()
