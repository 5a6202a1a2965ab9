"""Sterile Ledger wiring: arguments, data folder, logging, then a command or the desktop app."""

from __future__ import annotations

import logging
import logging.handlers
import sys


def setup_logging() -> None:
    """A rotating log file in the data folder: the app never fails without a trace."""
    from inventory.paths import log_dir

    handler = logging.handlers.RotatingFileHandler(
        log_dir() / "sterile-ledger.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    """A command when one is named; otherwise the desktop app, with the same --db and --user."""
    argv = sys.argv[1:] if argv is None else argv
    setup_logging()
    from commands.cli import build_parser
    from commands.cli import main as cli_main

    known, rest = build_parser().parse_known_args(argv)
    if known.command is not None:
        return cli_main(argv)
    from ui.app import run

    return run(rest, db_url=known.db, user=known.user)


if __name__ == "__main__":
    sys.exit(main())
