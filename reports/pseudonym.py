"""Client references as keyed pseudonyms: stable within a clinic, not reversible.

A pseudonym is HMAC-SHA256 of the reference under a clinic secret. The secret is kept
in the settings table, so every workstation of the clinic prints the same pseudonym
for the same client, and it is made on first use inside a write transaction (which
holds the ledger's write lock, so two workstations cannot make two secrets). Without
the secret nobody can go from a pseudonym back to the client, or test a guess.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata

from sqlalchemy import Connection, insert, select

from inventory import audit
from inventory.db import Database
from inventory.models import Setting

SECRET_KEY = "secret.client_pseudonym_key"


def _stored(conn: Connection) -> str | None:
    return conn.execute(select(Setting.value).where(Setting.key == SECRET_KEY)).scalar()


def clinic_secret(db: Database, *, by: str) -> bytes:
    """The clinic's pseudonym secret, created (and the creation audited) on first use."""
    with db.read() as conn:
        value = _stored(conn)
    if value is None:
        with db.write() as conn:
            value = _stored(conn)
            if value is None:
                value = secrets.token_hex(32)
                conn.execute(insert(Setting).values(key=SECRET_KEY, value=value))
                audit.record(
                    conn,
                    at=db.clock.now(conn),
                    actor=by,
                    action="create",
                    entity="setting",
                    entity_id=SECRET_KEY,
                    new="a new random key for client pseudonyms in reports (not shown)",
                )
    return bytes.fromhex(value)


class Pseudonymiser:
    """Maps a client reference to its pseudonym, e.g. ``P-7KQ3MZ9X2A``."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._cache: dict[str, str] = {}

    def __call__(self, client_ref: str) -> str:
        found = self._cache.get(client_ref)
        if found is None:
            key = unicodedata.normalize("NFC", client_ref.strip())
            digest = hmac.new(self._secret, key.encode("utf-8"), hashlib.sha256).digest()
            found = "P-" + base64.b32encode(digest[:10]).decode("ascii")[:10]
            self._cache[client_ref] = found
        return found
