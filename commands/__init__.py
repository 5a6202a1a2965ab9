"""The command line: the same services the desktop app calls, one module per subject.

Exit codes: 0 done, 2 bad usage, 3 refused by a rule (reason on stderr), 1 unexpected.
The entry point is :func:`commands.cli.main`.
"""
