"""No key or certificate shows among the settings a person can list or export."""

from __future__ import annotations

from inventory import settings
from inventory.db import Database
from inventory.staff import CERTIFICATE_KEY, LEGACY_PSEUDONYM_KEY


def test_keys_and_the_certificate_are_not_listed_as_settings(db: Database) -> None:
    with db.read() as conn:
        shown = settings.read_all(conn)
        stored = conn.exec_driver_sql("SELECT key FROM setting").scalars().all()
    assert CERTIFICATE_KEY in stored  # kept, public, for every workstation
    assert CERTIFICATE_KEY not in shown and LEGACY_PSEUDONYM_KEY not in stored
    assert not any(key.startswith(("secret.", "cert.")) for key in shown)
