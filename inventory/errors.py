"""Typed errors that carry a sentence for the user.

Every rule the ledger enforces raises a subclass of :class:`LedgerError`. The
``message`` is written for clinic staff (no stack traces, no SQL); ``code`` is a
stable machine word used by refusals, JSON output and tests.
"""

from __future__ import annotations


class LedgerError(Exception):
    """A refusal or data error that the user can act on (exit code 3)."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InvalidInput(LedgerError):
    """A value typed by a person does not fit (bad GTIN, needle length out of range)."""

    code = "invalid_input"


class NotFound(LedgerError):
    """A named record (product, lot, unit, session) does not exist."""

    code = "not_found"


class BarcodeUnreadable(LedgerError):
    """A scan could not be read with certainty; nothing was guessed."""

    code = "unreadable"


class UnknownProduct(LedgerError):
    """A GTIN that is not in the catalogue."""

    code = "unknown_product"

    def __init__(self, message: str, *, gtin: str = "") -> None:
        super().__init__(message)
        self.gtin = gtin


class LotExpiryConflict(LedgerError):
    """A second expiry date for the same GTIN and lot: one lot has one expiry."""

    code = "lot_expiry_conflict"


class LotExpired(LedgerError):
    """The lot's expiry date has passed in the clinic's time zone."""

    code = "expired"


class DatabaseProblem(LedgerError):
    """The database cannot be used as it is (newer schema, damaged, read-only...)."""

    code = "database"


class DatabaseBusy(DatabaseProblem):
    """Another workstation or program holds the lock we need; nothing was saved."""

    code = "busy"


class DatabaseDamaged(DatabaseProblem):
    """The file is not a database, or a page of it is damaged: restore a backup."""

    code = "damaged"


class DatabaseReadOnly(DatabaseProblem):
    """The file, folder or login cannot be written: the ledger can only be read."""

    code = "read_only"


class DiskFull(DatabaseProblem):
    """No space left for the write: it was rolled back whole, earlier records are intact."""

    code = "disk_full"


class SchemaTooNew(DatabaseProblem):
    """The database was written by a newer version of Sterile Ledger."""

    code = "schema_too_new"


class BackupUnusable(LedgerError):
    """A file offered for restore that fails its checks: nothing was changed."""

    code = "backup_unusable"


class BackupFailed(LedgerError):
    """A backup could not be written where it was asked for; the ledger is unchanged."""

    code = "backup_failed"
