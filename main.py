"""Sterile Ledger wiring: arguments, data folder, logging, then a command or the desktop app."""

from __future__ import annotations

import logging
import os
import sys

EXIT_REFUSED = 3


def utf8_console() -> None:
    """Console output in UTF-8 whatever the code page: cp1252 cannot print 李静, and a
    report's sentence must never crash on the name in it. (A windowed start has no
    console at all: nothing to do then.)"""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if stream is not None and encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")


def setup_logging(*, max_bytes: int = 2_000_000, backups: int = 5) -> None:
    """A rotating log file in the data folder: the app never fails without a trace.

    The desktop app and a command (a scheduled export) may write at once: the handler
    rotates under a file lock, so neither loses lines or fails on Windows, where a file
    open in another process cannot be renamed.
    """
    from concurrent_log_handler import ConcurrentRotatingFileHandler

    from inventory.paths import log_dir

    handler = ConcurrentRotatingFileHandler(
        log_dir() / "sterile-ledger.log", maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    """A command when one is named; otherwise the desktop app, with the same --db and --user."""
    argv = sys.argv[1:] if argv is None else argv
    no_console_streams()
    utf8_console()
    from commands.cli import build_parser
    from commands.cli import main as cli_main
    from inventory.paths import FolderUnwritable

    known, rest = build_parser().parse_known_args(argv)
    try:
        setup_logging()
    except FolderUnwritable as exc:  # said in the user's words, never a bare traceback
        if known.command is not None:
            sys.stderr.write(f"Refused: {exc.message}\n")
            return EXIT_REFUSED
        from ui.app import refuse_to_start

        return refuse_to_start(exc.message)
    if known.command is not None:
        return cli_main(argv)
    from ui.app import run

    return run(rest, db_url=known.db, user=known.user)


def gui() -> int:
    """The windowed entry point (``sterile-ledger-gui``): the desktop app, or a command."""
    return main()


def no_console_streams() -> None:
    """Started without a console (pythonw, the bundle's windowed exe), Python has no
    stdout or stderr at all: output then goes nowhere instead of crashing the start."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    sys.exit(main())
