"""Forward-secure sealing of the audit trail: a key that moves one way with every event.

After systemd-journald's Forward Secure Sealing (Marson and Poettering's seekable
sequential key generators) and Schneier and Kelsey's secure audit logs. At setup the
clinic gets a random **verification key** ``K0``, shown once (as text and a QR code to
print) and never stored. Event ``i`` carries ``seal_i = HMAC-SHA256(K(i-1), hash_i)``;
then the key moves on, ``K(i) = SHA-256("...evolve" || K(i-1))``, and only the newest
key is kept in the ledger, overwriting the one before. The event hash already covers
the event's fields and the previous event's hash, so the seals chain too.

What it holds against: whoever takes the PC (or the file) at event ``n`` holds only
``K(n)``, which cannot be turned back into any earlier key. So they cannot rewrite,
insert, delete or reorder any event before ``n`` and make the seals check out with the
verification key, and they cannot cut the newest events off unseen: the kept key, and
its position, have already moved past them.

What it cannot hold against: someone holding the verification key (they can forge the
whole trail: keep it away from the PC, with the clinic's owner or the inspector), and
anything done before the first seal (a ledger's events from before sealing was set up
are checked by the hash chain only). Whoever holds the current key can add new,
well-sealed events after it; what they cannot do is change the past.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_BYTES = 32
_EVOLVE = b"sterile-ledger seal evolve"
_GROUPS = 8


def new_verification_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def seal(key: bytes, event_hash: str) -> str:
    """The seal of one event under the key of its position."""
    return hmac.digest(key, event_hash.encode("ascii"), "sha256").hex()


def evolve(key: bytes) -> bytes:
    """The next key: one way, so the one before cannot be found from it."""
    return hashlib.sha256(_EVOLVE + key).digest()


def key_text(key: bytes) -> str:
    """The verification key as a person copies it: base32 in groups, e.g. ``ABCD-EFGH-...``."""
    text = base64.b32encode(key).decode("ascii").rstrip("=")
    size = -(-len(text) // _GROUPS)
    return "-".join(text[i : i + size] for i in range(0, len(text), size))


def key_from_text(text: str) -> bytes:
    """The key back from its text (case, spaces and dashes as typed do not matter)."""
    letters = "".join(ch for ch in text.upper() if ch.isalnum())
    try:
        key = base64.b32decode(letters + "=" * (-len(letters) % 8))
    except ValueError as exc:
        raise ValueError("That is not a verification key (letters A-Z and digits 2-7).") from exc
    if len(key) != KEY_BYTES:
        raise ValueError("That is not a verification key: it is too short or too long.")
    return key


@dataclass(frozen=True)
class SealCheck:
    """What checking the seals found, with the verification key."""

    ok: bool
    checked: int
    first_sealed: int | None
    first_broken: int | None = None
    problem: str = ""


class Sealer:
    """Walks the trail from the verification key, event by event, as the writer did."""

    def __init__(self, verification_key: bytes, first_sealed: int) -> None:
        self.key = verification_key
        self.position = first_sealed - 1  # the key now is the key of the next event

    def check(self, number: int, event_hash: str, stored_seal: str | None) -> bool:
        if number != self.position + 1:
            return False
        ok = stored_seal is not None and hmac.compare_digest(
            seal(self.key, event_hash), stored_seal
        )
        self.key, self.position = evolve(self.key), number
        return ok

    def skip_to(self, position: int) -> None:
        """Move the key on without events (to compare with a kept key ahead of them)."""
        while self.position < position:
            self.key, self.position = evolve(self.key), self.position + 1
