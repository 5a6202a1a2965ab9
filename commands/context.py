"""What every command gets: the open ledger, the signed-in person, and how to print.

Every command that reads or changes the ledger signs in first: the name from --user or
STERILE_LEDGER_USER, the password from a prompt, or from STERILE_LEDGER_PASSWORD for
automation (scripts, scheduled exports). A command without a valid sign-in is refused
with exit code 3, like any other refusal.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from inventory import seal, staff
from inventory.access import Actor
from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.ledger import open_ledger
from inventory.staff import NoStaffYet, SignedIn, SignInFailed, has_staff
from sterility.errors import ScanRefused

USER_VARIABLE = "STERILE_LEDGER_USER"
PASSWORD_VARIABLE = "STERILE_LEDGER_PASSWORD"


def read_password(prompt: str, *, variable: str | None = None, confirm: bool = False) -> str:
    """A password from an environment variable (automation) or typed at a hidden prompt."""
    if variable:
        value = os.environ.get(variable)
        if value:
            return value
    if not sys.stdin or not sys.stdin.isatty():
        where = f" or set {variable}" if variable else ""
        raise SignInFailed(f"A password is needed: run this in a terminal{where}.")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Type it again: ") != first:
        raise InvalidInput("The two passwords differ; nothing was changed.")
    return first


@dataclass
class Context:
    db_url: str | None
    user: str | None = None
    as_json: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    _db: Database | None = None
    _actor: Actor | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_ledger(self.db_url)
        return self._db

    @property
    def actor(self) -> Actor:
        """The signed-in person (signing in on first use): refused without a valid sign-in."""
        if self._actor is None:
            self._actor = self.sign_in().actor
        return self._actor

    def sign_in(self) -> SignedIn:
        name = (self.user or os.environ.get(USER_VARIABLE) or "").strip()
        if not name:
            with self.db.read() as conn:
                if not has_staff(conn):
                    raise NoStaffYet(
                        "This ledger has no staff accounts yet. Create the clinic's first "
                        "manager: python main.py staff add --name NAME --role manager"
                    )
            raise SignInFailed(
                f"Sign in first: give your name with --user NAME (or {USER_VARIABLE})."
            )
        password = read_password(f"Password for {name}: ", variable=PASSWORD_VARIABLE)
        signed = staff.sign_in(self.db, name, password, record=False)
        if signed.failures_before:
            sys.stderr.write(signed.sentence + "\n")
        self._actor = signed.actor
        return signed

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()

    def emit(self, data: Any, text: str) -> None:
        """JSON for scripts with --json, plain text for people otherwise."""
        if self.as_json:
            json.dump(data, self.out, ensure_ascii=False, indent=2, default=str)
            self.out.write("\n")
        else:
            self.out.write(text.rstrip("\n") + "\n")


KEY_VARIABLE = "STERILE_LEDGER_VERIFICATION_KEY"


def add_key_flag(parser: argparse.ArgumentParser, what: str) -> None:
    """``--key KEY``: the clinic's verification key, from the key sheet."""
    parser.add_argument(
        "--key", metavar="KEY", help=f"the clinic's verification key, {what} (or {KEY_VARIABLE})"
    )


def verification_key(args: argparse.Namespace) -> bytes | None:
    """The verification key given with --key or in the environment (None when neither)."""
    text = getattr(args, "key", None) or os.environ.get(KEY_VARIABLE)
    try:
        return seal.key_from_text(text) if text else None
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Every listing command also takes --json after its name."""
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON for scripts"
    )


def day(text: str) -> date:
    """An argparse type: a calendar date YYYY-MM-DD, else a usage error (exit 2)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-03-31") from None


MAX_WHOLE = 2**31 - 1  # the largest integer every database column here holds


def whole(text: str) -> int:
    """An argparse type: a whole number 0 to 2,147,483,647, else a usage error (exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= value <= MAX_WHOLE:
        raise argparse.ArgumentTypeError(f"{value} is outside 0 to {MAX_WHOLE}")
    return value


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain aligned text table for the terminal."""
    cells = [[str(c) if c is not None else "" for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    if not rows:
        lines.append("(none)")
    return "\n".join(lines)


def refused(ctx: Context, error: ScanRefused) -> int:
    """A refusal at the chair (a unit, a pack): JSON for scripts, the reason on stderr, 3."""
    if ctx.as_json:
        ctx.emit(
            {
                "accepted": False,
                "reason": error.code,
                "message": error.message,
                "refusal": error.refusal_id,
            },
            "",
        )
    sys.stderr.write(f"REFUSED: {error.message}\n")
    return 3
