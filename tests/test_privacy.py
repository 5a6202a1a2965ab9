"""A copied database gives up no client and no secret; one clinic signs with one key.

Tried as someone holding a copy would: read the demo ledger's file (and its -wal) as
bytes for every client reference and every secret the demo made; connect to PostgreSQL
with the inspector's read-only login and look for keys; and export from two
workstations (two data folders) on one PostgreSQL database.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from inventory import staff as accounts
from inventory.clock import FixedClock
from inventory.ledger import open_ledger
from inventory.roles import create_readonly_role
from reports.export import export_compliance
from tests.conftest import T0, _pg_copy
from tests.people import staff
from tests.test_cli import run


def _forms(secret: bytes) -> list[bytes]:
    """The ways a secret could sit in a file: raw, hex, base64."""
    return [secret, secret.hex().encode(), base64.b64encode(secret), base64.b64encode(secret)[:24]]


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A seeded PostgreSQL ledger (these tests are about a shared server)."""
    yield from _pg_copy(request, "ledger_template")


def test_the_demo_file_holds_no_client_reference_and_no_secret(tmp_path: Path) -> None:
    empty_db_url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    home = tmp_path / "home"
    made = run(empty_db_url, "demo", "--json", home=home, user="Demo Manager", password="demo")
    assert made.returncode == 0, made.stderr
    demo = json.loads(made.stdout)
    db = open_ledger(empty_db_url)
    try:
        manager = accounts.sign_in(db, "Demo Manager", "demo", record=False).actor
        with db.read() as conn:
            refs = {
                manager.keys.decrypt_client(c)
                for c in conn.exec_driver_sql(
                    "SELECT client_cipher FROM treatment_session"
                ).scalars()
            }
    finally:
        db.dispose()
    assert len(refs) > 50 and all(re.fullmatch(r"C-\d{4}", r) for r in refs)
    files = [p for p in tmp_path.rglob("ledger.sqlite3*") if p.is_file()]
    blob = b"".join(p.read_bytes() for p in files)
    found = sorted(r for r in refs if r.encode() in blob)
    assert found == []
    secrets = [*manager.keys.secrets.values(), demo["recovery_code"].encode()]
    leaks = [form[:12] for secret in secrets for form in _forms(secret) if form in blob]
    assert leaks == []
    # The recovery code opens the keys, so the code itself is kept nowhere either.
    assert demo["recovery_code"].replace("-", "").encode() not in blob


def test_a_postgresql_inspector_login_reads_no_key(pg_url: str) -> None:
    db = open_ledger(pg_url)
    try:
        role = f"insp_{make_url(pg_url).database}"
        create_readonly_role(db, role, "insp pw")
    finally:
        db.dispose()
    raw = make_url(pg_url)
    with psycopg.connect(dbname=raw.database, user=role, host=raw.query["host"]) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        blob = b""
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                blob += repr(row).encode()
    ring = staff("Manager").keys.secrets
    leaks = [name for name, secret in ring.items() for form in _forms(secret) if form in blob]
    assert leaks == []  # the wrapped keys are there, but no key itself in any form


def test_two_workstations_on_one_database_sign_with_one_certificate(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_url = pg_url
    prints = []
    for workstation in ("front-desk", "room-2"):
        monkeypatch.setenv("STERILE_LEDGER_HOME", str(tmp_path / workstation))
        here = open_ledger(db_url, clock=FixedClock(T0))
        try:
            signed_in = accounts.sign_in(here, "Manager", "test password", record=False).actor
            out = tmp_path / workstation / "report"
            out.mkdir(parents=True)
            result = export_compliance(
                here, date(2026, 3, 1), date(2026, 3, 31), pdf=None, csv=out, by=signed_in
            )
        finally:
            here.dispose()
        prints.append(result.fingerprint)
        # No key in either folder: the export carries only the public certificate.
        files = [p for p in (tmp_path / workstation).rglob("*") if p.is_file()]
        assert not [p for p in files if b"PRIVATE KEY" in p.read_bytes()]
        assert [p.name for p in files if p.suffix == ".pem"] == [
            "compliance-2026-03-01-to-2026-03-31-certificate.pem"
        ]
    assert prints[0] == prints[1]
