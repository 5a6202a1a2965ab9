"""Argument parsing and the exit-code contract for every command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from commands import (
    audit_cmd,
    backup_cmd,
    chair_cmd,
    db_cmd,
    demo_cmd,
    equipment_cmd,
    forms_cmd,
    report_cmd,
    settings_cmd,
    staff_cmd,
    stock_cmd,
)
from commands.context import Context
from inventory import __version__
from inventory.errors import LedgerError

log = logging.getLogger("sterile_ledger")

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3

# What to type next, for refusals whose sentence (shared with the desktop app) names no command.
HINTS = {
    "damaged": "Restore a backup with: python main.py restore FILE",
    "unknown_product": "Add it with: python main.py catalog add --gtin {gtin} --maker MAKER "
    "--name NAME --kind pen_cartridge --needles 12 --length-mm 0.5 --sterilization EO "
    "--units-per-pack 10",
    "read_only": "Or choose another database with --db URL or STERILE_LEDGER_DB.",
    "network_mount": "Choose another database with --db URL or STERILE_LEDGER_DB.",
    "sign_in_failed": "Sign in with --user NAME (or STERILE_LEDGER_USER); the password is "
    "asked for, or read from STERILE_LEDGER_PASSWORD.",
    "keys_unreadable": "A manager can reset it: python main.py staff reset-password NAME",
    "needs_verification_key": "Add --key KEY (the verification key on the key sheet), or "
    "--without-key if the key sheet is lost.",
}

MODULES = (
    stock_cmd,
    chair_cmd,
    forms_cmd,
    equipment_cmd,
    audit_cmd,
    settings_cmd,
    staff_cmd,
    demo_cmd,
    db_cmd,
    report_cmd,
    backup_cmd,
)


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors name the command in plain words and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: {message}\n")
        raise SystemExit(EXIT_USAGE)


def program_name() -> str:
    """How the user started us: ``python main.py`` from a checkout, else the command."""
    started = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "python main.py" if started == "main.py" else "sterile-ledger"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=program_name(),
        description="Sterile Ledger: single-use needle cartridges, tracked from box to client.",
        epilog="With no command, the desktop app opens.",
    )
    parser.add_argument("--version", action="version", version=f"Sterile Ledger {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: STERILE_LEDGER_DB or the SQLite file in your data folder)",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="sign in as NAME (default: STERILE_LEDGER_USER); the password is asked for, "
        "or read from STERILE_LEDGER_PASSWORD",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace, Context], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    ctx = Context(db_url=args.db, user=args.user, as_json=bool(args.json))
    try:
        if getattr(args, "sign_in", True):
            ctx.actor  # noqa: B018 - every command signs in before it reads or writes
        return handler(args, ctx) or EXIT_OK
    except LedgerError as exc:
        if ctx.as_json:
            ctx.emit({"refused": exc.code, "message": exc.message}, "")
        sys.stderr.write(f"Refused: {exc.message}\n")
        hint = HINTS.get(exc.code)
        if hint:
            sys.stderr.write(hint.format(gtin=getattr(exc, "gtin", "GTIN")) + "\n")
        return EXIT_REFUSED
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted: nothing half-written was kept.\n")
        return EXIT_UNEXPECTED
    except Exception as exc:
        log.exception("unexpected error in %s", args.command)
        sys.stderr.write(
            f"Unexpected error ({type(exc).__name__}): {exc}\n"
            "Nothing half-written was kept. The details are in the log file.\n"
        )
        return EXIT_UNEXPECTED
    finally:
        ctx.close()
