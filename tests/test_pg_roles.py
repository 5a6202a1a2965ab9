"""PostgreSQL hardened: the attacks tried at the sealed-record review, replayed.

Tried as an attacker at the clinic's own PC: the workstations' login owned the tables, so
it could ``ALTER TABLE audit_event DISABLE TRIGGER ALL`` and rewrite history; and the
inspector's read-only login could take the app's advisory write lock, which stopped every
workstation's chair scans. Now ``db roles`` gives the ledger to an owner role, the
workstations log in as an app role that owns nothing, and the write lock is a row lock
that needs UPDATE privilege. Each test names the attack it replays.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from inventory import catalog, receiving, schema, settings
from inventory import staff as accounts
from inventory.clock import FixedClock
from inventory.db import LOCK_TIMEOUT_S, Database, make_engine
from inventory.errors import DatabaseProblem, InvalidInput
from inventory.ledger import open_ledger
from inventory.models import Base
from inventory.pg_roles import APP_PRIVILEGES, READ_APPEND, set_up_roles
from reports.export import export_compliance
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from tests import people
from tests.conftest import GTIN_05, T0, _pg_copy, add_products, box, pg_or_fail
from tests.people import clear_intake, staff
from tests.pgserver import PgServer
from tests.test_cli import run

OLD_ADVISORY_KEY = 0x51E21E  # the advisory lock the app used to take before every write


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A seeded PostgreSQL ledger (roles are a PostgreSQL matter)."""
    yield from _pg_copy(request, "ledger_template")


class Ledger:
    """One test ledger with its three roles set up: URLs and raw logins for each."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dbname = make_url(url).database or ""
        # Roles are server-wide: one set per test database.
        self.owner, self.app, self.inspector = (
            f"{kind}_{self.dbname}" for kind in ("owner", "app", "inspector")
        )

    def url_as(self, role: str) -> str:
        return make_url(self.url).set(username=role).render_as_string(hide_password=False)

    def login(self, role: str) -> psycopg.Connection:
        """A raw connection as ``role``, bypassing the app: what an attacker would use."""
        host = make_url(self.url).query["host"]
        return psycopg.connect(dbname=self.dbname, user=role, host=host, autocommit=True)

    def set_up(self, **passwords: str | None) -> None:
        admin = open_ledger(self.url, clock=FixedClock(T0))
        try:
            set_up_roles(admin, owner=self.owner, app=self.app, inspector=self.inspector,
                         passwords=passwords)
        finally:
            admin.dispose()


@pytest.fixture
def ledger(pg_url: str) -> Ledger:
    """A ledger with stock, one use recorded (so the append-only tables hold rows), roles."""
    admin = open_ledger(pg_url, clock=FixedClock(T0))
    try:
        add_products(admin)
        received = receiving.receive(admin, [box(GTIN_05, "A100")], by=staff("Test Manager"))
        sid = sessions.open_session(admin, client_ref="C-1", area="face", depth_mm="0.5",
                                    by=staff("Dr H"), intake=clear_intake()).id
        use_unit(admin, sid, received.lines[0].unit_codes[0], by=staff("Dr H"))
    finally:
        admin.dispose()
    here = Ledger(pg_url)
    here.set_up()
    return here


def _as_app(ledger: Ledger) -> Database:
    db = open_ledger(ledger.url_as(ledger.app), clock=FixedClock(T0))
    assert not db.read_only
    return db


def _in_stock(db: Database) -> list[str]:
    with db.read() as conn:
        return list(conn.execute(text(
            "SELECT code FROM unit WHERE status = 'in_stock' ORDER BY id")).scalars())


def test_attack_inspector_holds_advisory_locks_chair_scans_go_on(ledger: Ledger) -> None:
    """Replays: the inspector's login takes the app's old advisory write lock (and others)
    and holds it; before, every workstation's writes waited on it and the chair stopped."""
    app = _as_app(ledger)
    try:
        sid = sessions.open_session(app, client_ref="C-2", area="face", depth_mm="0.5",
                                    by=staff("Dr H"), intake=clear_intake()).id
        code = _in_stock(app)[0]
        with ledger.login(ledger.inspector) as inspector:
            inspector.execute("BEGIN")
            for key in (OLD_ADVISORY_KEY, 0, 1, -1, 2**62):
                inspector.execute("SELECT pg_advisory_lock(%s)", [key])
                inspector.execute("SELECT pg_advisory_xact_lock(%s)", [key + 7])
            inspector.execute("SELECT pg_advisory_lock(%s, %s)", [0, 0])
            # It may also hold every table it reads (ACCESS SHARE): that blocks no writer.
            for table in ("unit", "unit_use", "audit_event", "refusal", "ledger_lock"):
                inspector.execute(f"LOCK TABLE {table} IN ACCESS SHARE MODE")
            held = inspector.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid()").fetchone()
            assert held is not None and held[0] >= 11
            started = time.monotonic()
            verdict = use_unit(app, sid, code, by=staff("Dr H"))
            waited = time.monotonic() - started
            assert verdict.accepted
            assert waited < LOCK_TIMEOUT_S  # not a timeout: it never waited on the inspector
            # Other writes too: a receipt goes through while the inspector holds them all.
            receiving.receive(app, [box(GTIN_05, "A101")], by=staff("Test Manager"))
            inspector.execute("ROLLBACK")
    finally:
        app.dispose()


@pytest.mark.parametrize(
    "attack",
    [
        "SELECT id FROM ledger_lock FOR UPDATE",
        "SELECT id FROM ledger_lock FOR KEY SHARE",
        "LOCK TABLE ledger_lock IN ROW SHARE MODE",
        "LOCK TABLE unit IN EXCLUSIVE MODE",
        "SELECT id FROM unit FOR UPDATE",  # would hold every unit at the chair
    ],
)
def test_attack_inspector_takes_the_write_lock_is_refused(ledger: Ledger, attack: str) -> None:
    """Replays: the inspector's login locks the ledger's write lock row (or the units), even
    after switching its read-only default off. A row lock needs UPDATE privilege."""
    with ledger.login(ledger.inspector) as inspector:
        inspector.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            inspector.execute("BEGIN READ WRITE")
            try:
                inspector.execute(attack)
            finally:
                inspector.execute("ROLLBACK")


APP_ATTACKS = {
    "disable audit triggers": "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "disable use triggers": "ALTER TABLE unit_use DISABLE TRIGGER ALL",
    "disable refusal triggers": "ALTER TABLE refusal DISABLE TRIGGER ALL",
    "drop audit trigger": "DROP TRIGGER audit_event_no_change ON audit_event",
    "drop use trigger": "DROP TRIGGER unit_use_no_change ON unit_use",
    "neuter the trigger function": (
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
    ),
    "truncate audit trail": "TRUNCATE audit_event",
    "truncate uses": "TRUNCATE unit_use",
    "delete audit events": "DELETE FROM audit_event",
    "update a use": "UPDATE unit_use SET session_id = session_id",
    "delete a use": "DELETE FROM unit_use",
    "update a refusal": "UPDATE refusal SET reason = reason",
    "update an audit event": "UPDATE audit_event SET actor = 'someone else'",
    "drop the audit table": "DROP TABLE audit_event",
    "take the table over": "ALTER TABLE audit_event OWNER TO CURRENT_USER",
    "become the owner": "SET ROLE {owner}",
    "delete the write lock row": "DELETE FROM ledger_lock",
    "make its own table": "CREATE TABLE shadow (id int)",
    "move a use to another lot": "UPDATE unit SET lot_id = lot_id",
    "extend a lot's expiry": "UPDATE lot SET expiry = expiry + 365",
    "rename a staff member": "UPDATE staff SET name = 'Someone Else'",
    "make a practitioner a manager": "UPDATE staff SET role = 'manager'",
    "rewrite a recall notice": "UPDATE recall SET notice_text = ''",
    "rewrite a session's practitioner": "UPDATE treatment_session SET practitioner = 'X'",
    "move the binding start": "UPDATE bound_from SET first_id = first_id",
}


@pytest.mark.parametrize("attack", list(APP_ATTACKS), ids=list(APP_ATTACKS))
def test_attack_app_login_rewrites_history_is_refused(ledger: Ledger, attack: str) -> None:
    """Replays, as the workstations' own login, the ways it could rewrite the record when it
    owned the tables. The database refuses each: the app role owns nothing."""
    statement = APP_ATTACKS[attack].format(owner=ledger.owner)
    with ledger.login(ledger.app) as app:
        counts = [app.execute(f"SELECT count(*) FROM {t}").fetchone()
                  for t in ("audit_event", "unit_use")]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(statement)
        assert [app.execute(f"SELECT count(*) FROM {t}").fetchone()
                for t in ("audit_event", "unit_use")] == counts
        triggers = app.execute(
            "SELECT count(*), count(*) FILTER (WHERE tgenabled <> 'O') FROM pg_trigger "
            "WHERE tgrelid IN ('audit_event'::regclass, 'unit_use'::regclass, "
            "'refusal'::regclass) AND NOT tgisinternal").fetchone()
        assert triggers is not None and triggers[0] >= 6 and triggers[1] == 0


def test_attack_app_login_changes_the_write_lock_row_is_refused(ledger: Ledger) -> None:
    """Replays: the app login may lock the write lock's row (it needs UPDATE privilege for
    that), so it tries to change the row instead. The trigger refuses."""
    with ledger.login(ledger.app) as app:
        with pytest.raises(psycopg.errors.RestrictViolation):
            app.execute("UPDATE ledger_lock SET id = 1")
        assert app.execute("SELECT id FROM ledger_lock").fetchall() == [(1,)]


def test_the_app_runs_as_the_app_role(ledger: Ledger, tmp_path: Path) -> None:
    """Everything a clinic does in a day, as the workstations' login: it may do all of it."""
    app = _as_app(ledger)
    try:
        with pytest.raises(accounts.SignInFailed):
            accounts.sign_in(app, people.MANAGER, "wrong password")
        manager = accounts.sign_in(app, people.MANAGER, people.PASSWORD).actor
        practitioner = accounts.sign_in(app, "Dr H", people.PASSWORD).actor
        settings.set_value(app, "clinic_name", "Harbour Clinic", by=manager)
        catalog.set_reorder_level(app, GTIN_05, 5, by=manager)
        received = receiving.receive(app, [box(GTIN_05, "B200")], by=manager, supplier="Med")
        assert received.units == 10
        codes = received.lines[0].unit_codes
        sid = sessions.open_session(app, client_ref="C-9", area="face", depth_mm="0.5",
                                    by=practitioner, intake=clear_intake()).id
        assert use_unit(app, sid, codes[0], by=practitioner).accepted
        holds.quarantine(app, codes[1], reason="dropped", by=manager)
        holds.release(app, codes[1], reason="package intact", by=manager)
        holds.waste(app, codes[2], reason="package breached", by=manager)
        recall = recalls.enter_recall(app, gtin=GTIN_05, lots=["B200"], reference="R-1",
                                      notice_text="Sterility not assured", by=manager)
        recalls.close_recall(app, recall.recall_id, note="Supplier collected", by=manager)
        sessions.close_session(app, sid, by=practitioner, adverse="none")
        accounts.change_password(app, people.PASSWORD, "a new long password", by=practitioner)
        accounts.add_staff(app, name="Ana Lima", role="practitioner", password="a long password",
                           max_depth_mm=None, by=manager)
        accounts.set_max_depth(app, "Ana Lima", "0.5", by=manager)
        accounts.reset_password(app, "Ana Lima", "another long password", by=manager)
        accounts.deactivate(app, "Ana Lima", by=manager)
        out = tmp_path / "report"
        out.mkdir()
        result = export_compliance(app, date(2026, 3, 1), date(2026, 3, 31), pdf=None,
                                   csv=out, by=manager)
        assert result.csv_files and all(path.exists() for path in result.csv_files)
    finally:
        app.dispose()


def test_the_app_role_may_not_migrate(ledger: Ledger) -> None:
    """The schema needs an update: the app login says who may do it, and changes nothing."""
    with ledger.login("postgres") as admin:
        admin.execute("UPDATE alembic_version SET version_num = '0004'")
    with pytest.raises(DatabaseProblem) as refused:
        open_ledger(ledger.url_as(ledger.app))
    assert "this login may not change the schema: start Sterile Ledger once as the owner " \
           "role" in refused.value.message
    with ledger.login("postgres") as admin:
        assert admin.execute("SELECT version_num FROM alembic_version").fetchone() == ("0004",)


def test_migrations_run_as_the_owner_and_db_roles_runs_again_after(
    pg_server: PgServer | str,
) -> None:
    """An older ledger set up with roles: the owner migrates it (the app may not), the new
    tables are the owner's, and db roles run again gives the app what it needs on them."""
    server = pg_or_fail(pg_server)
    name = f"t{os.getpid()}_migrate"
    server.create_database(name)
    try:
        url = server.url(name)
        engine = make_engine(url)
        cfg = schema.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
        here = Ledger(url)
        set_up_roles(Database(engine), owner=here.owner, app=here.app, inspector=here.inspector)
        engine.dispose()
        with pytest.raises(DatabaseProblem, match="may not change the schema"):
            open_ledger(here.url_as(here.app))
        owner = open_ledger(here.url_as(here.owner))
        owner.dispose()
        with here.login(here.owner) as conn:
            assert conn.execute(
                "SELECT tableowner FROM pg_tables WHERE tablename = 'ledger_lock'"
            ).fetchone() == (here.owner,)
            # A table new since db roles: the app may read and add, not yet lock.
            assert conn.execute(
                "SELECT has_table_privilege(%s, 'ledger_lock', 'UPDATE'), "
                "has_table_privilege(%s, 'ledger_lock', 'INSERT'), "
                "has_table_privilege(%s, 'ledger_lock', 'SELECT')",
                [here.app, here.app, here.inspector],
            ).fetchone() == (False, True, True)
        here.set_up()
        app = open_ledger(here.url_as(here.app))
        try:
            assert not app.read_only
            with app.write() as conn:  # takes the write lock
                assert conn.execute(text("SELECT count(*) FROM ledger_lock")).scalar() == 1
        finally:
            app.dispose()
    finally:
        server.drop_database(name)


def test_db_roles_on_the_command_line_twice(pg_url: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """db roles by the administrator, run twice: the second run changes nothing and still
    works; passwords are never printed."""
    here = Ledger(pg_url)
    env = {"OWNER_PW": "owner-pw-123", "APP_PW": "app-pw-456", "INSPECTOR_PW": "insp-pw-789"}
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    args = ["db", "roles", "--owner", here.owner, "--app", here.app,
            "--inspector", here.inspector, "--owner-password-env", "OWNER_PW",
            "--app-password-env", "APP_PW", "--inspector-password-env", "INSPECTOR_PW"]
    first = run(pg_url, *args, home=tmp_path / "home")
    assert first.returncode == 0, first.stderr
    assert f"App {here.app}: the workstations' login. It owns nothing" in first.stdout
    assert "'***'" in first.stdout
    second = run(pg_url, *args, "--json", home=tmp_path / "home")
    assert second.returncode == 0, second.stderr
    for out in (first.stdout + first.stderr, second.stdout + second.stderr):
        assert not any(password in out for password in env.values())
    done = json.loads(second.stdout)
    assert (done["created"], done["transferred"]) == ([], [])
    assert done["app"] == here.app
    with here.login("postgres") as admin:
        owners = admin.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'").fetchall()
        assert owners == [(here.owner,)]
        functions = admin.execute(
            "SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc "
            "WHERE pronamespace = 'public'::regnamespace").fetchall()
        assert functions == [(here.owner,)]
        passwords = admin.execute(
            "SELECT rolname, rolpassword IS NOT NULL, rolsuper, rolcreaterole FROM pg_authid "
            "WHERE rolname = ANY(%s) ORDER BY rolname",
            [[here.owner, here.app, here.inspector]]).fetchall()
        assert all(has and not su and not cr for _n, has, su, cr in passwords)
        # Exactly what the map says, table by table.
        tables = admin.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        for (table,) in tables:
            allowed = {grant.split()[0] for grant in APP_PRIVILEGES.get(table, READ_APPEND)}
            for privilege in ("SELECT", "INSERT", "UPDATE", "REFERENCES"):
                has = admin.execute("SELECT has_any_column_privilege(%s, %s, %s)",
                                    [here.app, table, privilege]).fetchone()
                assert has == (privilege in allowed,), (table, privilege)
            for privilege in ("DELETE", "TRUNCATE", "TRIGGER"):
                has = admin.execute("SELECT has_table_privilege(%s, %s, %s)",
                                    [here.app, table, privilege]).fetchone()
                assert has == (privilege in allowed,), (table, privilege)
        # Column by column where UPDATE is limited: a unit's status, never its lot.
        assert admin.execute(
            "SELECT has_column_privilege(%s, 'unit', 'status', 'UPDATE'), "
            "has_column_privilege(%s, 'unit', 'lot_id', 'UPDATE')", [here.app, here.app]
        ).fetchone() == (True, False)
    # The app still works after the second run.
    app = _as_app(here)
    try:
        add_products(app)
        assert receiving.receive(app, [box(GTIN_05, "C300")], by=staff("Test Manager")).units
    finally:
        app.dispose()


def test_every_table_has_a_decided_app_privilege() -> None:
    """A new table must be placed in inventory.pg_roles.APP_PRIVILEGES: what may the app do?"""
    import sterility.models  # noqa: F401 - registers the sterility tables

    missing = set(Base.metadata.tables) - set(APP_PRIVILEGES)
    assert not missing, f"decide the app role's privileges on {sorted(missing)} in pg_roles"


@pytest.mark.parametrize(
    "names, why",
    [
        (("same", "same", "x_inspector"), "three different roles"),
        (("owner_ok", "Robert'); DROP TABLE unit;--", "x"), "not a usable role name"),
        (("owner_ok", "pg_app", "x"), "not a usable role name"),
        (("owner_ok", "postgres", "x"), "signed in to the database as postgres"),
    ],
)
def test_db_roles_refuses_unsafe_names(pg_url: str, names: tuple[str, str, str],
                                       why: str) -> None:
    """The app login may not be the administrator, a superuser, or SQL in disguise."""
    admin = open_ledger(pg_url)
    try:
        with pytest.raises(InvalidInput, match=why):
            set_up_roles(admin, owner=names[0], app=names[1], inspector=names[2])
    finally:
        admin.dispose()


def test_db_roles_is_one_transaction(pg_url: str) -> None:
    """A refusal half way (the app role is a superuser) leaves no role behind."""
    here = Ledger(pg_url)
    with here.login("postgres") as admin:
        admin.execute(f'CREATE ROLE "{here.app}" SUPERUSER')
    db = open_ledger(pg_url)
    try:
        with pytest.raises(InvalidInput, match="is a superuser"):
            set_up_roles(db, owner=here.owner, app=here.app, inspector=here.inspector)
    finally:
        db.dispose()
    with here.login("postgres") as admin:
        assert admin.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s",
                             [here.owner]).fetchone() == (0,)
        admin.execute(f'DROP ROLE "{here.app}"')


def test_app_workstations_still_take_turns_on_the_write_lock(ledger: Ledger) -> None:
    """Two app workstations still serialise on the row lock: one waits for the other."""
    app = _as_app(ledger)
    other = _as_app(ledger)
    try:
        order: list[str] = []
        with other.write():
            worker = threading.Thread(
                target=lambda: (settings.set_value(app, "clinic_name", "B", by=staff("M")),
                                order.append("second")))
            worker.start()
            time.sleep(0.5)
            order.append("first")
        worker.join(timeout=LOCK_TIMEOUT_S + 5)
        assert order == ["first", "second"]
    finally:
        app.dispose()
        other.dispose()
