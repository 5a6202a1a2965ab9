"""The clinic's pseudonym secret never shows in the settings a person can list."""

from __future__ import annotations

from inventory import settings
from inventory.db import Database
from reports.pseudonym import SECRET_KEY, clinic_secret


def test_pseudonym_secret_is_not_listed(db: Database) -> None:
    secret = clinic_secret(db, by="Manager")
    assert len(secret) >= 32
    with db.read() as conn:
        shown = settings.read_all(conn)
    assert SECRET_KEY not in shown
    assert secret.hex() not in shown.values()
    assert clinic_secret(db, by="Manager") == secret  # stable: one secret per clinic
