"""Client references on the way in (encrypted, with a blind index) and on the way out.

The database never holds a client reference in clear (DESIGN: Trust). It keeps the
reference AES-GCM encrypted under the clinic's data key, and a blind index (a keyed
HMAC) to find a client's sessions without decrypting every row. Only a signed-in person
whose role holds the data key reads a reference; anyone else sees :data:`HIDDEN`.
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.keyring import Keyring
from inventory.text import clean

HIDDEN = "(hidden)"


@dataclass(frozen=True)
class StoredClient:
    """What a session row keeps of its client."""

    cipher: str
    key: str


def store(keys: Keyring, client_ref: str) -> StoredClient:
    """The encrypted reference and its blind index, for a new session."""
    ref = clean(client_ref, "client reference")
    return StoredClient(keys.encrypt_client(ref), keys.client_key(ref))


def shown(keys: Keyring | None, cipher: str | None, legacy: str | None = None) -> str:
    """The reference for a person who holds the data key; ``(hidden)`` for anyone else.

    ``legacy`` is the clear column of a ledger from before accounts, emptied at its setup.
    """
    if cipher is None:
        return legacy or ""
    if keys is None or not keys.has("data"):
        return HIDDEN
    return keys.decrypt_client(cipher)
