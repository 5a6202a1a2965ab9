"""What every command gets: the open ledger, who is acting, and how to print."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from inventory.db import Database
from inventory.ledger import open_ledger


def default_actor() -> str:
    """STERILE_LEDGER_USER, else the computer login: who did it goes on every record."""
    name = os.environ.get("STERILE_LEDGER_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


@dataclass
class Context:
    db_url: str | None
    actor: str
    as_json: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    _db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_ledger(self.db_url)
        return self._db

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
