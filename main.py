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
    argv = sys.argv[1:] if argv is None else argv
    setup_logging()
    from commands.cli import build_parser
    from commands.cli import main as cli_main

    known, _rest = build_parser().parse_known_args(argv)
    if known.command is None:
        return open_desktop(argv)
    return cli_main(argv)


def open_desktop(argv: list[str]) -> int:
    """The desktop app; until it exists on this install, say so plainly."""
    try:
        from ui.app import run
    except ImportError:
        sys.stderr.write(
            "The desktop app is not part of this version yet. Use the commands: "
            "python main.py --help\n"
        )
        return 2
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
