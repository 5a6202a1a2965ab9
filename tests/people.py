"""The tests' clinic staff: one set of keys and accounts, seeded into every test ledger.

Signing in costs two argon2id derivations (about 0.2 s), so the accounts are made once
per run in the template ledgers (SQLite and PostgreSQL) and each test's ledger is a copy
of its template: every copy has the same account numbers and the same clinic keys, and
:func:`staff` hands out the matching signed-in :class:`Actor` without signing in again.
Tests of signing in itself (tests/inventory/test_staff.py) sign in for real.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from inventory import seal
from inventory import staff as accounts
from inventory.access import Actor
from inventory.db import Database
from inventory.keyring import HELD_BY_ROLE, Keyring, new_keyring
from inventory.signing_key import new_signing_key
from sterility.forms import SCREENING_V1
from sterility.intake import Intake

PASSWORD = "test password"
SEEDED_AT = datetime(2026, 3, 1, tzinfo=UTC)  # before every test's clock (tests.conftest.T0)
RECOVERY_CODE = "TESTS-RECOV-ERYCO-DE234-56789-ABCDE"
# name -> (role, scope of practice in mm). The first is the clinic's first manager.
ROSTER: dict[str, tuple[str, str | None]] = {
    "Test Manager": ("manager", None),
    "Manager": ("manager", None),
    "Clinic Manager": ("manager", None),
    "Front desk": ("manager", None),
    "setup": ("manager", None),
    "M": ("manager", None),
    "Sam": ("practitioner", None),
    "Sam Okafor": ("practitioner", None),
    "Dr H": ("practitioner", None),
    "Dr Haddad": ("practitioner", None),
    "Jo": ("practitioner", None),
    "李静": ("practitioner", None),
    "Esthetician": ("practitioner", "0.5"),
    "Inspector": ("inspector", None),
    "Dr Amira Haddad": ("practitioner", None),
    "李静 (Li Jing)": ("practitioner", None),
    "another workstation": ("manager", None),
    "other PC": ("manager", None),
    "x": ("manager", None),
    "t": ("manager", None),
    "test": ("manager", None),
}


KEYS_VARIABLE = "STERILE_LEDGER_TEST_KEYS"  # child processes (races, crash writers) share them


@cache
def _clinic() -> tuple[Keyring, bytes, bytes]:
    """The tests' clinic keys (and verification key): made once per run, handed to child
    processes by a file."""
    saved = os.environ.get(KEYS_VARIABLE)
    if saved and Path(saved).is_file():
        data = json.loads(Path(saved).read_text(encoding="utf-8"))
        ring = Keyring({name: bytes.fromhex(value) for name, value in data["keys"].items()})
        return ring, bytes.fromhex(data["certificate"]), bytes.fromhex(data["verification"])
    key_der, cert_der = new_signing_key("Test Clinic")
    ring = new_keyring(key_der)
    verification = seal.new_verification_key()
    fd, name = tempfile.mkstemp(prefix="sterile-ledger-test-keys-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        keys = {k: v.hex() for k, v in ring.secrets.items()}
        json.dump(
            {"keys": keys, "certificate": cert_der.hex(), "verification": verification.hex()},
            out,
        )
    os.environ[KEYS_VARIABLE] = name
    return ring, cert_der, verification


def verification_key() -> bytes:
    """The seeded ledgers' verification key (what the clinic would keep off the PC)."""
    return _clinic()[2]


def seed(db: Database) -> None:
    """Give an empty ledger the tests' clinic: its keys, its first manager, its staff."""
    ring, cert, verification = _clinic()
    names = list(ROSTER)
    setup = accounts.setup_clinic(
        db,
        name=names[0],
        password=PASSWORD,
        ring=ring,
        certificate_der=cert,
        recovery_code=RECOVERY_CODE,
        verification_key=verification,
    )
    for name in names[1:]:
        role, depth = ROSTER[name]
        accounts.add_staff(
            db, name=name, role=role, password=PASSWORD, max_depth_mm=depth, by=setup.actor
        )


@cache
def sqlite_template() -> Path:
    """A migrated, seeded SQLite ledger for this run, copied for each test that needs one."""
    from inventory.clock import FixedClock
    from inventory.ledger import open_ledger

    path = Path(tempfile.mkdtemp(prefix="sterile-ledger-template-")) / "ledger.sqlite3"
    database = open_ledger(f"sqlite:///{path}", clock=FixedClock(SEEDED_AT), warn=lambda _s: None)
    try:
        seed(database)
        with database.engine.connect() as conn:  # one self-contained file to copy
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.dispose()
    return path


def staff(name: str) -> Actor:
    """The signed-in actor of a roster name, valid on every seeded test ledger."""
    role, depth = ROSTER[name]
    ring = _clinic()[0]
    depth_um = None if depth is None else int(float(depth) * 1000)
    return Actor(list(ROSTER).index(name) + 1, name, role, depth_um, ring.only(HELD_BY_ROLE[role]))


MANAGER = "Test Manager"
SEEDED_EVENTS = len(ROSTER)  # the clinic's setup and one event per account added


# Every session opens with its intake (sterility.intake). Tests that are not about the
# intake open theirs with this one: every built-in screening question answered no, the
# built-in consent (version 1), the concern "fine lines" (0.5 to 1.5 mm, the range that
# holds every test cartridge and roller, so the chair asks nothing more than before), and
# the warnings such a test meets confirmed in advance: no sharps container is open (no
# room is named), a depth planned outside the range, a client treated again within the
# series spacing. A confirmation is written only for a warning that arises.
CLEAR_CONFIRMATIONS = {
    "no_sharps_container": "",
    "depth_outside_range": "",
    "series_spacing": "test clinic: sessions minutes apart",
}


def clear_intake(**overrides: object) -> Intake:
    """An intake that raises nothing a test not about intake would notice."""

    values: dict[str, object] = {
        "concern": "fine_lines",
        "answers": {key: False for key, _question in SCREENING_V1},
        "consent_version": 1,
        "confirmations": dict(CLEAR_CONFIRMATIONS),
    }
    return Intake(**(values | overrides))  # type: ignore[arg-type]


def clear_intake_args(*extra: str) -> list[str]:
    """The same intake as ``session open`` options, for command-line tests."""
    args = ["--concern", "fine_lines", "--consent-version", "1"]
    for key, _question in SCREENING_V1:
        args += ["--screen", f"{key}=no"]
    for kind, reason in CLEAR_CONFIRMATIONS.items():
        args += ["--confirm", f"{kind}={reason}" if reason else kind]
    return [*args, *extra]
