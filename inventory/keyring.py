"""The clinic's keys: made once, stored only wrapped by a person's password, unlocked by signing in.

A copied database or data folder must give up no client and no secret. So every secret
is kept in the database only wrapped (AES-256-GCM) under a key derived from one
person's password with argon2id, once per account that may hold it, and once under the
clinic's recovery code. Signing in unwraps the account's secrets into a
:class:`Keyring` held in memory for the session; nothing unwrapped is ever written.

The secrets, and who holds them:

- ``data``: encrypts client references (AES-256-GCM). Managers and practitioners.
- ``index``: a keyed blind index of each client reference (HMAC-SHA256), so a client's
  sessions can be found without decrypting every row. Managers and practitioners.
- ``pseudonym``: turns a blind index into the pseudonym printed in reports. Managers and
  inspectors: an inspector holds no ``index`` key, so cannot test a guessed reference
  against a pseudonym.
- ``signing``: the clinic's report-signing private key (PKCS#8 DER), one per clinic, so
  every workstation signs with the one certificate. Managers and inspectors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from argon2 import Type
from argon2.low_level import hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from inventory.errors import LedgerError

SECRETS = ("data", "index", "pseudonym", "signing")
HELD_BY_ROLE: dict[str, tuple[str, ...]] = {
    "manager": SECRETS,
    "practitioner": ("data", "index"),
    "inspector": ("pseudonym", "signing"),
}
# argon2id at RFC 9106's second recommended option (m = 64 MiB, t = 3, p = 4): above the
# OWASP minimum (m = 19 MiB, t = 2, p = 1). The same costs guard the password hashes.
KDF_TIME, KDF_MEMORY_KIB, KDF_LANES = 3, 65536, 4
SALT_BYTES, KEY_BYTES, NONCE_BYTES = 16, 32, 12
RECOVERY_HOLDER = "recovery"
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud safely
RECOVERY_GROUPS = 6


class KeyMissing(LedgerError):
    """The signed-in person does not hold the key this needs (their role never does)."""

    code = "key_missing"


class WrongKey(LedgerError):
    """A wrapped key did not open: a wrong password or recovery code, or changed data."""

    code = "wrong_key"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def derive_kek(secret: str, salt: bytes) -> bytes:
    """The key that wraps an account's secrets, from its password (argon2id)."""
    return hash_secret_raw(
        secret.encode("utf-8"),
        salt,
        time_cost=KDF_TIME,
        memory_cost=KDF_MEMORY_KIB,
        parallelism=KDF_LANES,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def wrap(kek: bytes, value: bytes, *, holder: str, name: str) -> str:
    """AES-256-GCM of ``value`` under ``kek``, bound to who holds it and which secret it is."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return b64(nonce + AESGCM(kek).encrypt(nonce, value, _label(holder, name)))


def unwrap(kek: bytes, wrapped: str, *, holder: str, name: str) -> bytes:
    raw = unb64(wrapped)
    try:
        return AESGCM(kek).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _label(holder, name))
    except InvalidTag as exc:
        raise WrongKey("The key did not open: the password or code is not the right one.") from exc


def _label(holder: str, name: str) -> bytes:
    return f"sterile-ledger key {name} held by {holder}".encode()


def new_recovery_code() -> str:
    """A code to print once at setup: 6 groups of 5 letters and digits (about 147 bits)."""
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * 5))
    return "-".join(chars[i : i + 5] for i in range(0, len(chars), 5))


def normal_recovery_code(text: str) -> str:
    """The code as typed (any case, spaces or dashes) in the one form it was wrapped with."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def normal_reference(client_ref: str) -> str:
    """One form per client for the blind index: the same reference however it was typed."""
    return unicodedata.normalize("NFC", client_ref).strip().casefold()


@dataclass
class Keyring:
    """The secrets one signed-in person holds, unwrapped, for this session only."""

    secrets: dict[str, bytes] = field(default_factory=dict, repr=False)

    def has(self, name: str) -> bool:
        return name in self.secrets

    def get(self, name: str) -> bytes:
        found = self.secrets.get(name)
        if found is None:
            raise KeyMissing(_WHY_MISSING.get(name, f"This needs the clinic's {name} key."))
        return found

    def only(self, names: Iterable[str]) -> Keyring:
        """The subset another role holds (to wrap for a new account)."""
        return Keyring({n: self.secrets[n] for n in names if n in self.secrets})

    # -- client references

    def encrypt_client(self, client_ref: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.get("data")).encrypt(nonce, client_ref.encode("utf-8"), b"client")
        return b64(nonce + sealed)

    def decrypt_client(self, cipher: str | None) -> str:
        if cipher is None:
            return ""
        raw = unb64(cipher)
        nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        try:
            plain = AESGCM(self.get("data")).decrypt(nonce, sealed, b"client")
        except InvalidTag as exc:
            raise WrongKey("A client reference did not decrypt: it was changed.") from exc
        return plain.decode("utf-8")

    def client_key(self, client_ref: str) -> str:
        """The blind index: the same for the same client, useless without the index key."""
        return hmac.new(
            self.get("index"), normal_reference(client_ref).encode("utf-8"), hashlib.sha256
        ).hexdigest()

    def pseudonym(self, client_key: str) -> str:
        """What reports print for a client, e.g. ``P-7KQ3MZ9X2A``: stable, not reversible."""
        digest = hmac.new(self.get("pseudonym"), client_key.encode("ascii"), hashlib.sha256)
        return "P-" + base64.b32encode(digest.digest()[:10]).decode("ascii")[:10]


_WHY_MISSING = {
    "data": "Client references can be read only by a manager or a practitioner.",
    "index": "Client references can be looked up only by a manager or a practitioner.",
    "pseudonym": "Reports can be exported only by a manager or an inspector.",
    "signing": "Reports can be signed only by a manager or an inspector.",
}


def new_keyring(signing_key_der: bytes) -> Keyring:
    """A new clinic's secrets: random keys, and the signing key made for it."""
    ring = {name: secrets.token_bytes(KEY_BYTES) for name in ("data", "index", "pseudonym")}
    return Keyring(ring | {"signing": signing_key_der})


def wrapped_for(ring: Keyring, names: Iterable[str], kek: bytes, holder: str) -> Mapping[str, str]:
    """Each of ``names`` that ``ring`` holds, wrapped under ``kek`` for ``holder``."""
    return {
        name: wrap(kek, ring.get(name), holder=holder, name=name)
        for name in names
        if ring.has(name)
    }
