"""Staff sign-in and roles: each person does only their part, and a copied file gives up nothing.

Every service that changes the ledger is called here under each role: only the roles
allowed succeed, and a refused call (an inspector's above all) changes nothing at all:
the same rows in every table and the same audit head, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import extract_parameters
from sqlalchemy import func, inspect, select, text, update

from inventory import backup, catalog, receiving, settings
from inventory import staff as accounts
from inventory.access import NotAllowed
from inventory.db import Database
from inventory.errors import DatabaseProblem, InvalidInput
from inventory.models import AuditEvent, SignInGuard, Staff
from reports.export import export_compliance
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from sterility.errors import BeyondScope
from sterility.models import Refusal, TreatmentSession
from tests import people
from tests.conftest import GTIN_05, GTIN_10, box
from tests.people import clear_intake, staff

ROLES = {"manager": "Manager", "practitioner": "Sam", "inspector": "Inspector"}
Call = Callable[[Database, Any, dict[str, Any], Path], object]


@pytest.fixture
def clinic(db: Database, stocked) -> dict[str, Any]:
    """A morning's state: an open session, a quarantined unit and an open recall."""
    manager = staff("Manager")
    session = sessions.open_session(
        db, client_ref="C-1", area="face", depth_mm="1.0", by=staff("Sam"), intake=clear_intake()
    )
    holds.quarantine(db, "U1-010", reason="dented", by=manager)
    recall = recalls.enter_recall(
        db, gtin=GTIN_10, lots=["B200"], reference="FSN-1", notice_text="Recalled.", by=manager
    )
    return {"session": session.id, "recall": recall.recall_id}


CALLS: dict[str, tuple[set[str], Call]] = {
    "set a setting": (
        {"manager"},
        lambda db, by, c, _t: settings.set_value(db, "clinic_name", "Elsewhere", by=by),
    ),
    "add a product": (
        {"manager"},
        lambda db, by, c, _t: catalog.add_product(
            db,
            gtin="09506000100043",
            maker="M",
            name="N",
            kind="roller",
            needle_count=1,
            needle_length_mm="0.5",
            sterilization="EO",
            by=by,
        ),
    ),
    "set a reorder level": (
        {"manager"},
        lambda db, by, c, _t: catalog.set_reorder_level(db, GTIN_05, 7, by=by),
    ),
    "receive a box": (
        {"manager"},
        lambda db, by, c, _t: receiving.receive(db, [box(GTIN_05, "N1")], by=by),
    ),
    "open a session": (
        {"manager", "practitioner"},
        lambda db, by, c, _t: sessions.open_session(
            db, client_ref="C-2", area="face", depth_mm="0.5", by=by, intake=clear_intake()
        ),
    ),
    "close a session": (
        {"manager", "practitioner"},
        lambda db, by, c, _t: sessions.close_session(db, c["session"], by=by, adverse="none"),
    ),
    "use a unit": (
        {"manager", "practitioner"},
        lambda db, by, c, _t: use_unit(db, c["session"], "U1-001", by=by),
    ),
    "quarantine a unit": (
        {"manager", "practitioner"},
        lambda db, by, c, _t: holds.quarantine(db, "U1-002", reason="dented", by=by),
    ),
    "quarantine a lot": (
        {"manager"},
        lambda db, by, c, _t: holds.quarantine(db, "A100", reason="suspect", by=by),
    ),
    "release a unit": (
        {"manager"},
        lambda db, by, c, _t: holds.release(db, "U1-010", reason="fine", by=by),
    ),
    "waste a unit": (
        {"manager"},
        lambda db, by, c, _t: holds.waste(db, "U1-003", reason="dropped", by=by),
    ),
    "enter a recall": (
        {"manager"},
        lambda db, by, c, _t: recalls.enter_recall(
            db, gtin=GTIN_05, lots=["A100"], reference="FSN-2", notice_text="x", by=by
        ),
    ),
    "close a recall": (
        {"manager"},
        lambda db, by, c, _t: recalls.close_recall(db, c["recall"], note="returned", by=by),
    ),
    "add a body area": (
        {"manager"},
        lambda db, by, c, _t: sessions.add_body_area(db, "hands", by=by),
    ),
    "add staff": (
        {"manager"},
        lambda db, by, c, _t: accounts.add_staff(
            db, name="New Person", role="practitioner", password=people.PASSWORD, by=by
        ),
    ),
    "deactivate staff": ({"manager"}, lambda db, by, c, _t: accounts.deactivate(db, "Jo", by=by)),
    "reset a password": (
        {"manager"},
        lambda db, by, c, _t: accounts.reset_password(db, "Jo", "another password", by=by),
    ),
    "set a scope of practice": (
        {"manager"},
        lambda db, by, c, _t: accounts.set_max_depth(db, "Jo", "1.0", by=by),
    ),
    "change one's own password": (
        {"manager", "practitioner"},
        lambda db, by, c, _t: accounts.change_password(
            db, people.PASSWORD, "a new password", by=by
        ),
    ),
    "export a compliance report": (
        {"manager", "inspector"},
        lambda db, by, c, tmp: export_compliance(
            db, date(2026, 3, 1), date(2026, 3, 31), pdf=None, csv=tmp / "csv", by=by
        ),
    ),
    "back up the ledger": (
        {"manager"},
        lambda db, by, c, tmp: backup.backup_to(db, tmp / "copy.sqlite3", by=by),
    ),
}


def _snapshot(db: Database) -> dict[str, object]:
    """Every table's row count and the audit head: what "changed nothing" means."""
    with db.read() as conn:
        tables = sorted(inspect(conn).get_table_names())
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
        head = conn.execute(select(func.max(AuditEvent.id))).scalar_one()
        stored = conn.execute(select(Staff.name, Staff.password_hash, Staff.active)).all()
    return {"counts": counts, "head": head, "staff": sorted(stored)}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("call", sorted(CALLS))
def test_each_role_does_only_its_part(
    db: Database, clinic: dict[str, Any], tmp_path: Path, role: str, call: str
) -> None:
    allowed, act = CALLS[call]
    before = _snapshot(db)
    actor = staff(ROLES[role])
    if role in allowed and call == "back up the ledger" and db.dialect == "postgresql":
        with pytest.raises(DatabaseProblem, match="pg_dump"):  # backed up on its server
            act(db, actor, clinic, tmp_path)
        return
    if role in allowed:
        act(db, actor, clinic, tmp_path)
        if role == "inspector":  # an inspector's export leaves the ledger as it was
            assert _snapshot(db) == before
        return
    with pytest.raises(NotAllowed) as refused:
        act(db, actor, clinic, tmp_path)
    assert actor.name in refused.value.message and "Nothing was changed" in refused.value.message
    assert _snapshot(db) == before


def test_a_practitioner_cannot_open_a_session_for_someone_else(db: Database) -> None:
    with pytest.raises(NotAllowed, match="opens sessions for themselves"):
        sessions.open_session(
            db, client_ref="C-1", area="face", depth_mm="0.5", practitioner="Jo", by=staff("Sam"),
            intake=clear_intake(),
        )
    info = sessions.open_session(
        db, client_ref="C-1", area="face", depth_mm="0.5", practitioner="Jo", by=staff("Manager"),
        intake=clear_intake(),
    )
    assert (info.practitioner, info.practitioner_id) == ("Jo", staff("Jo").staff_id)


# --- scope of practice -------------------------------------------------------------------


def test_a_session_planned_beyond_the_scope_is_refused_and_recorded(db: Database) -> None:
    with pytest.raises(BeyondScope) as refused:
        sessions.open_session(
            db, client_ref="C-9", area="face", depth_mm="1.0", by=staff("Esthetician"),
            intake=clear_intake(),
        )
    assert "up to 0.5 mm" in refused.value.message and refused.value.refusal_id
    with db.read() as conn:
        row = conn.execute(select(Refusal).where(Refusal.id == refused.value.refusal_id)).one()
        opened = conn.execute(select(func.count()).select_from(TreatmentSession)).scalar_one()
    assert (row.reason, row.refused_by, row.session_id) == ("beyond_scope", "Esthetician", None)
    assert "0.5 mm" in row.message and opened == 0


def test_a_cartridge_beyond_the_scope_is_refused_at_the_chair_even_confirmed(
    db: Database, stocked
) -> None:
    info = sessions.open_session(
        db, client_ref="C-9", area="face", depth_mm="0.5", by=staff("Esthetician"),
        intake=clear_intake(),
    )
    long_one = stocked.lines[1].unit_codes[0]  # 1.0 mm
    with pytest.raises(BeyondScope) as refused:
        use_unit(db, info.id, long_one, by=staff("Esthetician"), allow_deeper=True)
    assert "up to 0.5 mm (scope of practice)" in refused.value.message
    assert use_unit(db, info.id, stocked.lines[0].unit_codes[0], by=staff("Esthetician")).accepted


# --- signing in --------------------------------------------------------------------------


def test_sign_in_unlocks_the_roles_keys(db: Database) -> None:
    manager = accounts.sign_in(db, "test manager", people.PASSWORD).actor
    inspector = accounts.sign_in(db, "Inspector", people.PASSWORD).actor
    assert manager.name == "Test Manager" and manager.role == "manager"
    assert sorted(manager.keys.secrets) == ["data", "index", "pseudonym", "signing"]
    assert sorted(inspector.keys.secrets) == ["pseudonym", "signing"]  # no client keys
    assert manager.keys.secrets == staff("Test Manager").keys.secrets  # one clinic, one key set


def test_failed_sign_ins_slow_down_and_are_recorded_with_the_name_tried(
    db: Database, clock
) -> None:
    for _ in range(accounts.FREE_TRIES):
        with pytest.raises(accounts.SignInFailed):
            accounts.sign_in(db, "Sam", "wrong password")
    with pytest.raises(accounts.SignInWait) as waiting:  # the right one must wait too
        accounts.sign_in(db, "Sam", people.PASSWORD)
    assert waiting.value.seconds == 2
    clock.advance(seconds=3)
    with pytest.raises(accounts.SignInFailed):
        accounts.sign_in(db, "Sam", "still wrong")
    with pytest.raises(accounts.SignInWait) as longer:
        accounts.sign_in(db, "Sam", people.PASSWORD)
    assert longer.value.seconds == 4  # 2, 4, 8... seconds
    clock.advance(seconds=5)
    signed = accounts.sign_in(db, "Sam", people.PASSWORD)
    assert signed.failures_before == 4 and "4 failed sign-ins" in signed.sentence
    with db.read() as conn:
        failed = conn.execute(
            select(AuditEvent.entity_id, AuditEvent.actor).where(
                AuditEvent.action == "sign_in_failed"
            )
        ).all()
        guard = conn.execute(select(func.count()).select_from(SignInGuard)).scalar_one()
    assert failed == [("Sam", "(not signed in)")] * 4 and guard == 0  # a success resets it
    with pytest.raises(accounts.SignInFailed):  # an unknown name is recorded as tried
        accounts.sign_in(db, "Nobody Here", "x")
    with db.read() as conn:
        tried = (
            conn.execute(select(AuditEvent.entity_id).where(AuditEvent.action == "sign_in_failed"))
            .scalars()
            .all()
        )
    assert tried[-1] == "Nobody Here"


def test_passwords_are_argon2id_at_or_above_owasp_and_rehashed_when_costs_rise(
    db: Database,
) -> None:
    with db.read() as conn:
        hashes = conn.execute(select(Staff.password_hash)).scalars().all()
    for stored in hashes:
        found = extract_parameters(stored)
        assert stored.startswith("$argon2id$")
        assert found.memory_cost >= 19_456 and found.time_cost >= 2  # OWASP minimum
    weak = accounts.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(people.PASSWORD)
    with db.write() as conn:
        conn.execute(update(Staff).where(Staff.name == "Jo").values(password_hash=weak))
    accounts.sign_in(db, "Jo", people.PASSWORD)
    with db.read() as conn:
        again = conn.execute(select(Staff.password_hash).where(Staff.name == "Jo")).scalar_one()
    assert extract_parameters(again).memory_cost == accounts.HASHER.memory_cost


def test_a_deactivated_account_cannot_sign_in_and_keeps_its_name_on_records(
    db: Database, stocked
) -> None:
    info = sessions.open_session(
        db, client_ref="C-1", area="face", depth_mm="0.5", by=staff("Jo"), intake=clear_intake()
    )
    accounts.deactivate(db, "Jo", by=staff("Manager"))
    with pytest.raises(accounts.SignInFailed):
        accounts.sign_in(db, "Jo", people.PASSWORD)
    with db.read() as conn:
        assert sessions.get_session(conn, info.id).practitioner == "Jo"
        listed = {p.name: p.active for p in accounts.list_staff(conn)}
    assert listed["Jo"] is False
    with pytest.raises(InvalidInput, match="already deactivated"):
        accounts.deactivate(db, "Jo", by=staff("Manager"))


def test_the_last_manager_cannot_be_deactivated(empty_db_url: str, tmp_path: Path) -> None:
    from inventory.ledger import open_ledger

    db = open_ledger(empty_db_url)
    try:
        first = accounts.setup_clinic(db, name="Only Manager", password=people.PASSWORD)
        with pytest.raises(InvalidInput, match="last active manager"):
            accounts.deactivate(db, "Only Manager", by=first.actor)
    finally:
        db.dispose()


def test_a_reset_password_opens_the_same_keys(db: Database) -> None:
    accounts.reset_password(db, "Sam", "fresh password", by=staff("Manager"))
    with pytest.raises(accounts.SignInFailed):
        accounts.sign_in(db, "Sam", people.PASSWORD)
    signed = accounts.sign_in(db, "Sam", "fresh password").actor
    assert signed.keys.secrets == staff("Sam").keys.secrets


def test_the_recovery_code_sets_a_forgotten_managers_password_and_is_recorded(
    db: Database,
) -> None:
    with pytest.raises(Exception, match="not the right one"):
        accounts.recover(db, "WRONG-CODE", name="Test Manager", new_password="new password 1")
    actor = accounts.recover(
        db, people.RECOVERY_CODE.lower(), name="Test Manager", new_password="new password 1"
    )
    assert actor.keys.secrets == staff("Test Manager").keys.secrets
    assert accounts.sign_in(db, "Test Manager", "new password 1").actor.role == "manager"
    with db.read() as conn:
        used = conn.execute(
            select(func.count()).where(AuditEvent.action == "recovery_code_used")
        ).scalar_one()
    assert used == 1


def test_a_weak_new_password_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        accounts.add_staff(db, name="Kim", role="practitioner", password="short", by=staff("M"))


# --- a ledger from before accounts ---------------------------------------------------------


def test_setup_encrypts_a_legacy_ledgers_clients_and_drops_its_clear_secret(
    empty_db_url: str, tmp_path: Path
) -> None:
    from inventory.ledger import open_ledger
    from inventory.models import Setting

    db = open_ledger(empty_db_url)
    try:
        with db.write() as conn:  # what an earlier version left: clear refs, a clear secret
            conn.execute(
                text("INSERT INTO body_area (name) VALUES ('face') ON CONFLICT DO NOTHING")
            )
            conn.execute(
                text(
                    "INSERT INTO treatment_session (client_ref, practitioner, area, "
                    "planned_depth_um, device, opened_by, opened_at) VALUES "
                    "('C-OLD-1', 'Dr Old', 'face', 500, '', 'reception', :at)"
                ),
                {"at": db.clock.now(conn).replace(tzinfo=None)},
            )
            conn.execute(
                Setting.__table__.insert().values(
                    key=accounts.LEGACY_PSEUDONYM_KEY, value="ab" * 32
                )
            )
        made = accounts.setup_clinic(db, name="New Manager", password=people.PASSWORD)
        with db.read() as conn:
            row = conn.execute(select(TreatmentSession)).one()
            secret = conn.execute(
                select(Setting.value).where(Setting.key == accounts.LEGACY_PSEUDONYM_KEY)
            ).scalar()
            shown = sessions.get_session(conn, row.id, made.actor.keys)
        assert row.client_ref is None and row.client_cipher and secret is None
        assert shown.client_ref == "C-OLD-1"
    finally:
        db.dispose()


def test_setup_carries_over_the_workstation_signing_key(empty_db_url: str, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from inventory.ledger import open_ledger
    from inventory.signing_key import fingerprint, make_certificate

    folder = tmp_path / "signing"
    folder.mkdir()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = make_certificate(key, "Old Clinic")
    (folder / "report-signing-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "report-signing-cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    db = open_ledger(empty_db_url)
    try:
        made = accounts.setup_clinic(
            db, name="New Manager", password=people.PASSWORD, legacy_signing_folder=folder
        )
    finally:
        db.dispose()
    assert made.fingerprint == fingerprint(cert.public_bytes(serialization.Encoding.DER))
    assert not (folder / "report-signing-key.pem").exists()  # no key left in clear


def test_sign_in_waits_for_its_delay_window(db: Database, clock) -> None:
    """The delay counts from the last failure: after it, one more try is allowed."""
    for _ in range(accounts.FREE_TRIES):
        with pytest.raises(accounts.SignInFailed):
            accounts.sign_in(db, "Dr H", "nope")
    clock.advance(seconds=1)
    with pytest.raises(accounts.SignInWait):
        accounts.sign_in(db, "Dr H", "nope")
    clock.at += timedelta(seconds=2)
    assert accounts.sign_in(db, "Dr H", people.PASSWORD).failures_before == 3


def test_a_practitioner_scans_only_into_their_own_session(db: Database, stocked) -> None:
    from sterility.errors import NotYourSession

    jo = sessions.open_session(

        db, client_ref="C-1", area="face", depth_mm="0.5", by=staff("Jo"), intake=clear_intake()

    )
    with pytest.raises(NotYourSession, match="Jo's") as refused:
        use_unit(db, jo.id, "U1-001", by=staff("Sam"))
    assert refused.value.refusal_id  # recorded like every refusal
    assert use_unit(db, jo.id, "U1-001", by=staff("Manager")).accepted  # a manager may help
