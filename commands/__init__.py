"""The command line: the same services the desktop app calls, one module per subject.

Exit codes: 0 done, 2 bad usage, 3 refused by a rule (reason on stderr), 1 unexpected.
"""

from __future__ import annotations

from commands.cli import main

__all__ = ["main"]
