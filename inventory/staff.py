"""Staff accounts: the first manager, adding staff, signing in, passwords, deactivating.

Each person signs in with their own name and password (argon2id). Signing in unwraps
the clinic keys their role holds (inventory.keyring), so the same account works on
every workstation of the clinic and a copied file gives up nothing. Accounts are
deactivated, never deleted: a name stays on its records. Failed sign-ins are recorded
with the name tried, and repeated failures wait longer and longer before the next try.

A forgotten manager password on a one-manager clinic is the one lockout designed for:
setup prints a recovery code once; it unwraps the keys like a password does, and
using it (to set a manager's new password) is recorded.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, MetaData, Table, delete, func, insert, inspect, select, update

from inventory import audit, seal
from inventory.access import Actor, NotAllowed
from inventory.db import Database
from inventory.errors import InvalidInput, LedgerError, NotFound
from inventory.keyring import (
    HELD_BY_ROLE,
    KDF_LANES,
    KDF_MEMORY_KIB,
    KDF_TIME,
    RECOVERY_HOLDER,
    SECRETS,
    Keyring,
    WrongKey,
    b64,
    derive_kek,
    new_keyring,
    new_recovery_code,
    new_salt,
    normal_recovery_code,
    unb64,
    unwrap,
    wrapped_for,
)
from inventory.models import ROLES, KeyWrap, Setting, SignInGuard, Staff
from inventory.needles import mm_text, needle_um
from inventory.signing_key import fingerprint, legacy_signing_key, new_signing_key
from inventory.text import clean

log = logging.getLogger(__name__)

MIN_PASSWORD = 8
FREE_TRIES = 3  # failures before the first wait
MAX_WAIT_S = 300
CERTIFICATE_KEY = "cert.signing"  # the clinic certificate (public), in the settings table
LEGACY_PSEUDONYM_KEY = "secret.client_pseudonym_key"  # kept in clear before accounts
NOBODY = Actor(staff_id=0, name="(not signed in)", role="none")
HASHER = PasswordHasher(
    time_cost=KDF_TIME, memory_cost=KDF_MEMORY_KIB, parallelism=KDF_LANES, hash_len=32
)


class SignInFailed(LedgerError):
    """The name or the password is wrong (which, is not said)."""

    code = "sign_in_failed"


class SignInWait(LedgerError):
    """Too many failed sign-ins for this name: the next try must wait."""

    code = "sign_in_wait"

    def __init__(self, message: str, *, seconds: int) -> None:
        super().__init__(message)
        self.seconds = seconds


class NoStaffYet(LedgerError):
    """A ledger without accounts: the first manager must be created first."""

    code = "no_staff"


@dataclass(frozen=True)
class StaffInfo:
    id: int
    name: str
    role: str
    max_depth_um: int | None
    active: bool
    created_at: datetime

    @property
    def max_depth_mm(self) -> str | None:
        return None if self.max_depth_um is None else mm_text(self.max_depth_um)

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "max_depth_mm": self.max_depth_mm,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: who, and how many failed tries came before it."""

    actor: Actor
    failures_before: int

    @property
    def sentence(self) -> str:
        if not self.failures_before:
            return f"Signed in as {self.actor.name}."
        tries = (
            "was 1 failed sign-in"
            if self.failures_before == 1
            else (f"were {self.failures_before} failed sign-ins")
        )
        return f"Signed in as {self.actor.name}. There {tries} for this name before this one."


@dataclass(frozen=True)
class ClinicSetup:
    """What setup made: the first manager, signed in, and the codes shown only once.

    ``verification_key`` checks the audit trail's seals (inventory.seal): it is kept by
    nobody but the people it is given to, never in the ledger.
    """

    actor: Actor
    recovery_code: str
    fingerprint: str
    verification_key: str


_COLUMNS = [getattr(Staff, f) for f in StaffInfo.__dataclass_fields__]


def holder(staff_id: int) -> str:
    return f"staff:{staff_id}"


def name_key(name: str) -> str:
    return clean(name, "name").casefold()


# --- reading -----------------------------------------------------------------------------


def has_staff(conn: Connection) -> bool:
    return conn.execute(select(func.count()).select_from(Staff)).scalar_one() > 0


def list_staff(conn: Connection, *, active_only: bool = False) -> list[StaffInfo]:
    query = select(*_COLUMNS).order_by(Staff.role, Staff.name)
    if active_only:
        query = query.where(Staff.active.is_(True))
    return [StaffInfo(*row) for row in conn.execute(query)]


def find_staff(conn: Connection, name: str) -> StaffInfo:
    row = conn.execute(select(*_COLUMNS).where(Staff.name_key == name_key(name))).first()
    if row is None:
        raise NotFound(f"There is no staff account called '{name.strip()}'.")
    return StaffInfo(*row)


def staff_by_id(conn: Connection, staff_id: int) -> StaffInfo:
    row = conn.execute(select(*_COLUMNS).where(Staff.id == staff_id)).first()
    if row is None:
        raise NotFound(f"There is no staff account number {staff_id}.")
    return StaffInfo(*row)


def certificate(conn: Connection) -> bytes | None:
    """The clinic's signing certificate (DER), public; None before setup."""
    pem = conn.execute(select(Setting.value).where(Setting.key == CERTIFICATE_KEY)).scalar()
    return None if pem is None else unb64(pem)


# --- setup -------------------------------------------------------------------------------


def setup_clinic(
    db: Database,
    *,
    name: str,
    password: str,
    legacy_signing_folder: Path | None = None,
    check_password: bool = True,
    ring: Keyring | None = None,
    certificate_der: bytes | None = None,
    recovery_code: str | None = None,
    verification_key: bytes | None = None,
) -> ClinicSetup:
    """Create the first manager and the clinic's keys, once, in one transaction.

    A ledger from before accounts is brought in line here: its client references are
    encrypted, its clear pseudonym secret is removed, and the signing key an earlier
    version kept in the data folder (if any) becomes the clinic's, so the fingerprint
    inspectors know carries on. ``ring`` and ``recovery_code`` carry an existing clinic's
    keys and certificate into a new database (a copy of the ledger); a new clinic gets new
    ones.
    """
    name = clean(name, "manager's name")
    if check_password:
        _check_new_password(password)
    legacy = legacy_signing_key(legacy_signing_folder) if legacy_signing_folder else None
    with db.write() as conn:
        if has_staff(conn):
            raise InvalidInput("This ledger already has staff accounts: sign in instead.")
        clinic_name = conn.execute(
            select(Setting.value).where(Setting.key == "clinic_name")
        ).scalar()
        if ring is None or certificate_der is None:
            key_der, cert_der = legacy or new_signing_key(clinic_name or "Clinic")
            ring = new_keyring(key_der)
        else:
            cert_der = certificate_der
        now = db.now(conn)
        staff_id = _insert_account(conn, name, "manager", password, None, now, None)
        actor = Actor(staff_id, name, "manager", None, ring)
        _wrap(conn, ring, SECRETS, holder(staff_id), password)
        code = recovery_code or new_recovery_code()
        _wrap(conn, ring, SECRETS, RECOVERY_HOLDER, normal_recovery_code(code))
        conn.execute(insert(Setting).values(key=CERTIFICATE_KEY, value=b64(cert_der)))
        converted = _encrypt_legacy_clients(conn, ring)
        dropped = conn.execute(delete(Setting).where(Setting.key == LEGACY_PSEUDONYM_KEY))
        verification = verification_key or seal.new_verification_key()
        audit.start_sealing(conn, verification)  # the setup event is the first sealed
        audit.record(
            conn,
            at=now,
            by=actor,
            action="setup",
            entity="staff",
            entity_id=staff_id,
            new={
                "manager": name,
                "signing_certificate_sha256": fingerprint(cert_der),
                "signing_key": "carried over" if legacy else "new",
                "recovery_code": "made (shown once, not stored)",
                "verification_key": "made (shown once, not stored): seals start here",
                "client_references_encrypted": converted,
                "clear_pseudonym_secret_removed": bool(dropped.rowcount),
            },
        )
    if legacy and legacy_signing_folder is not None:
        _remove_legacy_key(legacy_signing_folder)
    return ClinicSetup(actor, code, fingerprint(cert_der), seal.key_text(verification))


def _encrypt_legacy_clients(conn: Connection, ring: Keyring) -> int:
    """Encrypt client references kept in clear by a ledger from before accounts.

    Found by the columns they live in (``client_ref`` beside ``client_cipher`` and
    ``client_key``), read from the database itself: the ground floor names no table
    of the floors above it.
    """
    converted = 0
    inspector = inspect(conn)
    for name in inspector.get_table_names():
        columns = {c["name"] for c in inspector.get_columns(name)}
        if not {"id", "client_ref", "client_cipher", "client_key"} <= columns:
            continue
        table = Table(name, MetaData(), autoload_with=conn)
        rows = conn.execute(
            select(table.c.id, table.c.client_ref).where(table.c.client_ref.is_not(None))
        ).all()
        for row_id, ref in rows:
            conn.execute(
                update(table)
                .where(table.c.id == row_id)
                .values(
                    client_ref=None,
                    client_cipher=ring.encrypt_client(ref),
                    client_key=ring.client_key(ref),
                )
            )
        converted += len(rows)
    return converted


def _remove_legacy_key(folder: Path) -> None:
    """The clear key file goes once the key is safe in the ledger (the certificate stays)."""
    try:
        (folder / "report-signing-key.pem").unlink(missing_ok=True)
    except OSError as exc:
        log.warning("the old signing key file could not be removed: %s", exc)


# --- accounts ----------------------------------------------------------------------------


def add_staff(
    db: Database,
    *,
    name: str,
    role: str,
    password: str,
    max_depth_mm: str | float | None = None,
    by: Actor,
    check_password: bool = True,
) -> StaffInfo:
    """A manager adds a person; their role's keys are wrapped under their password."""
    by.require("staff")
    name = clean(name, "name")
    if role not in ROLES:
        raise InvalidInput(f"'{role}' is not a role. Choose one of: {', '.join(ROLES)}.")
    if check_password:
        _check_new_password(password)
    depth = None if max_depth_mm in (None, "") else needle_um(max_depth_mm)  # type: ignore[arg-type]
    with db.write() as conn:
        if conn.execute(select(Staff.id).where(Staff.name_key == name_key(name))).first():
            raise InvalidInput(f"There is already a staff account called '{name}'.")
        now = db.now(conn)
        staff_id = _insert_account(conn, name, role, password, depth, now, by.staff_id)
        _wrap(conn, by.keys, HELD_BY_ROLE[role], holder(staff_id), password)
        audit.record(
            conn,
            at=now,
            by=by,
            action="create",
            entity="staff",
            entity_id=staff_id,
            new={"name": name, "role": role, "max_depth_mm": mm_text(depth) if depth else None},
        )
        return staff_by_id(conn, staff_id)


def deactivate(db: Database, name: str, *, by: Actor) -> StaffInfo:
    """The account can no longer sign in; its name stays on everything it recorded."""
    by.require("staff")
    with db.write() as conn:
        person = find_staff(conn, name)
        if not person.active:
            raise InvalidInput(f"{person.name}'s account is already deactivated.")
        if person.role == "manager" and _active_managers(conn) <= 1:
            raise InvalidInput(
                f"{person.name} is the last active manager: add another manager first, "
                "so someone can still manage the clinic."
            )
        now = db.now(conn)
        conn.execute(
            update(Staff).where(Staff.id == person.id).values(active=False, deactivated_at=now)
        )
        conn.execute(delete(KeyWrap).where(KeyWrap.holder == holder(person.id)))
        audit.record(
            conn,
            at=now,
            by=by,
            action="deactivate",
            entity="staff",
            entity_id=person.id,
            old={"active": True},
            new={"active": False, "name": person.name},
        )
        return staff_by_id(conn, person.id)


def reset_password(db: Database, name: str, new_password: str, *, by: Actor) -> StaffInfo:
    """A manager sets a new password for someone who forgot theirs."""
    by.require("staff")
    _check_new_password(new_password)
    with db.write() as conn:
        person = find_staff(conn, name)
        if not person.active:
            raise InvalidInput(f"{person.name}'s account is deactivated; it cannot sign in.")
        _set_password(conn, person, new_password, by.keys)
        audit.record(
            conn,
            at=db.now(conn),
            by=by,
            action="reset_password",
            entity="staff",
            entity_id=person.id,
            new={"name": person.name},
        )
        return person


def change_password(db: Database, old_password: str, new_password: str, *, by: Actor) -> None:
    """A person changes their own password (the old one proves it is them)."""
    by.require("own_password")
    _check_new_password(new_password)
    with db.write() as conn:
        row = conn.execute(select(Staff.password_hash).where(Staff.id == by.staff_id)).first()
        if row is None or not _password_ok(row.password_hash, old_password):
            raise SignInFailed("The current password is not right; nothing was changed.")
        _set_password(conn, staff_by_id(conn, by.staff_id), new_password, by.keys)
        audit.record(
            conn,
            at=db.now(conn),
            by=by,
            action="change_password",
            entity="staff",
            entity_id=by.staff_id,
        )


def set_max_depth(
    db: Database, name: str, max_depth_mm: str | float | None, *, by: Actor
) -> StaffInfo:
    """A person's scope of practice: the deepest needles they may use (None: no limit)."""
    by.require("staff")
    depth = None if max_depth_mm in (None, "") else needle_um(max_depth_mm)  # type: ignore[arg-type]
    with db.write() as conn:
        person = find_staff(conn, name)
        conn.execute(update(Staff).where(Staff.id == person.id).values(max_depth_um=depth))
        audit.record(
            conn,
            at=db.now(conn),
            by=by,
            action="set_max_depth",
            entity="staff",
            entity_id=person.id,
            old={"max_depth_mm": person.max_depth_mm},
            new={"max_depth_mm": mm_text(depth) if depth else None},
        )
        return staff_by_id(conn, person.id)


def recover(db: Database, recovery_code: str, *, name: str, new_password: str) -> Actor:
    """The recovery code sets a manager's new password (the one lockout designed for)."""
    _check_new_password(new_password)
    code = normal_recovery_code(recovery_code)
    with db.write() as conn:
        person = find_staff(conn, name)
        if person.role != "manager" or not person.active:
            raise InvalidInput("The recovery code sets a new password for an active manager.")
        ring = _unwrap_all(conn, RECOVERY_HOLDER, code)
        _set_password(conn, person, new_password, ring)
        actor = Actor(person.id, person.name, person.role, person.max_depth_um, ring)
        audit.record(
            conn,
            at=db.now(conn),
            by=actor,
            action="recovery_code_used",
            entity="staff",
            entity_id=person.id,
            new={"name": person.name},
        )
        return actor


# --- signing in --------------------------------------------------------------------------


def sign_in(db: Database, name: str, password: str, *, record: bool = True) -> SignedIn:
    """Check the name and password, unwrap the person's keys, or refuse and record it.

    ``record`` also writes a successful sign-in to the audit trail (the desktop app's
    sign-ins); a sign-in after failures is always recorded, with how many there were.
    """
    key = name_key(name or "?")
    with db.read() as conn:
        if not has_staff(conn):
            raise NoStaffYet(
                "This ledger has no staff accounts yet. Create the clinic's first manager."
            )
        guard = conn.execute(select(SignInGuard).where(SignInGuard.name_key == key)).first()
        now = db.now(conn)
        row = conn.execute(select(Staff).where(Staff.name_key == key)).first()
    failures = guard.failures if guard else 0
    if guard is not None:
        wait = _wait_after(failures) - (now - guard.last_failure_at).total_seconds()
        if wait > 0:
            seconds = math.ceil(wait)
            unit = "second" if seconds == 1 else "seconds"
            raise SignInWait(
                f"Too many failed sign-ins for '{name.strip()}': wait {seconds} {unit}, "
                "then try again.",
                seconds=seconds,
            )
    person = row
    if person is None or not person.active or not _password_ok(person.password_hash, password):
        _record_failure(db, name, key, failures + 1)
        raise SignInFailed("That name and password do not match an active staff account.")
    try:
        with db.read() as conn:
            ring = _unwrap_all(conn, holder(person.id), password)
    except WrongKey as exc:
        raise LedgerError(
            f"{person.name}'s keys could not be opened with this password. A manager can "
            "reset the password.",
            code="keys_unreadable",
        ) from exc
    actor = Actor(person.id, person.name, person.role, person.max_depth_um, ring)
    record = record and not actor.changes_nothing  # an inspector's sign-in leaves no trace
    if not db.read_only and (record or failures or HASHER.check_needs_rehash(person.password_hash)):
        with db.write() as conn:
            if HASHER.check_needs_rehash(person.password_hash):
                conn.execute(
                    update(Staff)
                    .where(Staff.id == person.id)
                    .values(password_hash=HASHER.hash(password))
                )
            conn.execute(delete(SignInGuard).where(SignInGuard.name_key == key))
            if record or failures:
                audit.record(
                    conn,
                    at=db.now(conn),
                    by=actor,
                    action="sign_in",
                    entity="staff",
                    entity_id=person.id,
                    new={"failed_tries_before": failures},
                )
    return SignedIn(actor, failures)


def _wait_after(failures: int) -> float:
    """No wait for the first few slips; then 2, 4, 8... seconds, at most five minutes."""
    if failures < FREE_TRIES:
        return 0.0
    return float(min(2 ** (failures - FREE_TRIES + 1), MAX_WAIT_S))


def _record_failure(db: Database, name: str, key: str, failures: int) -> None:
    if db.read_only:
        log.warning("failed sign-in for %r not recorded: the ledger is read-only", name)
        return
    tried = (name or "").strip()[:60] or "(empty)"
    with db.write() as conn:
        now = db.now(conn)
        if conn.execute(select(SignInGuard.name_key).where(SignInGuard.name_key == key)).first():
            conn.execute(
                update(SignInGuard)
                .where(SignInGuard.name_key == key)
                .values(failures=failures, last_failure_at=now)
            )
        else:
            conn.execute(
                insert(SignInGuard).values(name_key=key, failures=failures, last_failure_at=now)
            )
        audit.record(
            conn,
            at=now,
            by=NOBODY,
            action="sign_in_failed",
            entity="staff",
            entity_id=tried,
            new={"name_tried": tried, "failures_in_a_row": failures},
        )


# --- passwords and keys ------------------------------------------------------------------


def _check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD} characters.")
    if password != password.strip():
        raise InvalidInput("A password cannot start or end with a space.")


def _password_ok(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _wrap(conn: Connection, ring: Keyring, names: tuple[str, ...], who: str, secret: str) -> None:
    """Replace ``who``'s wrapped keys with ``names`` from ``ring``, under a new salt."""
    missing = [n for n in names if not ring.has(n)]
    if missing:
        raise NotAllowed("Only a manager holds the keys this account needs.")
    salt = new_salt()
    wrapped = wrapped_for(ring, names, derive_kek(secret, salt), who)
    conn.execute(delete(KeyWrap).where(KeyWrap.holder == who))
    conn.execute(
        insert(KeyWrap),
        [{"holder": who, "secret": n, "salt": b64(salt), "wrapped": w} for n, w in wrapped.items()],
    )


def _insert_account(
    conn: Connection,
    name: str,
    role: str,
    password: str,
    depth: int | None,
    now: datetime,
    created_by: int | None,
) -> int:
    return conn.execute(
        insert(Staff)
        .values(
            name=name,
            name_key=name.casefold(),
            role=role,
            password_hash=HASHER.hash(password),
            max_depth_um=depth,
            active=True,
            created_at=now,
            created_by_id=created_by,
        )
        .returning(Staff.id)
    ).scalar_one()


def _set_password(conn: Connection, person: StaffInfo, password: str, ring: Keyring) -> None:
    conn.execute(
        update(Staff).where(Staff.id == person.id).values(password_hash=HASHER.hash(password))
    )
    _wrap(conn, ring, HELD_BY_ROLE[person.role], holder(person.id), password)


def _unwrap_all(conn: Connection, who: str, secret: str) -> Keyring:
    rows = conn.execute(
        select(KeyWrap.secret, KeyWrap.salt, KeyWrap.wrapped).where(KeyWrap.holder == who)
    ).all()
    keks: dict[str, bytes] = {}
    ring: dict[str, bytes] = {}
    for name, salt, wrapped in rows:
        kek = keks.get(salt) or keks.setdefault(salt, derive_kek(secret, unb64(salt)))
        ring[name] = unwrap(kek, wrapped, holder=who, name=name)
    if not ring:
        raise WrongKey("No keys are held for this account.")
    return Keyring(ring)


def _active_managers(conn: Connection) -> int:
    return conn.execute(
        select(func.count())
        .select_from(Staff)
        .where(Staff.role == "manager", Staff.active.is_(True))
    ).scalar_one()
