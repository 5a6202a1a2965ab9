"""PostgreSQL roles for the ledger: an owner that migrates, an app that owns nothing, a reader.

Measured as an attacker: a login that owns the tables can ``ALTER TABLE audit_event
DISABLE TRIGGER ALL`` and rewrite history, so the workstations must not log in as the
owner. Three roles, set up once by the server's administrator (``db roles``):

- **owner** owns every table, sequence and function of the ledger and runs the
  migrations (start the app once as the owner after installing a new version);
- **app** is what the workstations log in as: it owns nothing, so it cannot alter, drop,
  truncate or disable a trigger; it may SELECT and INSERT, UPDATE only the tables whose
  rows the app changes, DELETE only from the three tables it deletes from, and never
  change or remove a row of an append-only table (use, refusal, audit event...);
- **inspector** reads everything and writes nothing (inventory.roles).

Run it again after an update that added tables: it is idempotent, and new tables get only
SELECT and INSERT (the app) and SELECT (the inspector) until it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.roles import check_role_name, read_only_statements

READ_APPEND = ("SELECT", "INSERT")
"""What the app may do on a table not named below: read it and add rows, nothing more."""


def _update(*columns: str) -> str:
    """UPDATE of these columns only."""
    return "UPDATE (" + ", ".join(f'"{column}"' for column in columns) + ")"


# What the app role may do, table by table. UPDATE is granted on the columns the services
# change and no others: the app's login can close a session but not move a use to another
# lot, rename a staff member or rewrite a recall notice. A service that updates another
# column needs its place here (and db roles run again).
APP_PRIVILEGES: Mapping[str, tuple[str, ...]] = {
    "alembic_version": ("SELECT",),
    # Written by the migrations only: moving it would exempt rows from their bindings.
    "bound_from": ("SELECT",),
    # UPDATE only so that the app may lock the row (SELECT ... FOR UPDATE needs it);
    # triggers refuse an actual UPDATE or DELETE of the row.
    "ledger_lock": ("SELECT", "UPDATE"),
    # Append-only (triggers refuse UPDATE, DELETE and TRUNCATE for everyone).
    "audit_event": READ_APPEND,
    "unit_use": READ_APPEND,
    "refusal": READ_APPEND,
    "unit_hold": READ_APPEND,
    "recall_contact": READ_APPEND,
    "form_version": READ_APPEND,  # a form changes by a new version, never in place
    "session_intake": READ_APPEND,
    "session_confirmation": READ_APPEND,
    "adverse_event": READ_APPEND,
    "pen_cleaning": READ_APPEND,
    "load_item": READ_APPEND,
    "session_instrument": READ_APPEND,
    # Never changed by the app once written.
    "receipt": READ_APPEND,
    "box": READ_APPEND,
    "body_area": READ_APPEND,
    "recall_item": READ_APPEND,
    "lot": READ_APPEND,  # a rewritten expiry would make an expired lot usable
    # Rows the app changes, in these columns only.
    "unit": ("SELECT", "INSERT", _update("status", "status_reason", "status_changed_at")),
    "product": ("SELECT", "INSERT", _update("reorder_level")),
    "treatment_session": (
        "SELECT",
        "INSERT",
        # closing; and a legacy ledger's client references encrypted once (inventory.staff)
        _update(
            "closed_at", "closed_by", "closed_by_id", "client_ref", "client_cipher", "client_key"
        ),
    ),
    "recall": ("SELECT", "INSERT", _update("closed_at", "closed_by", "closed_by_id", "close_note")),
    "pen": (
        "SELECT",
        "INSERT",
        _update("retired_at", "retired_by", "retired_by_id", "retire_note"),
    ),
    "sharps_container": (
        "SELECT",
        "INSERT",
        _update(
            "sealed_at",
            "sealed_by",
            "sealed_by_id",
            "collected_at",
            "collected_by",
            "collected_by_id",
            "collector_ref",
        ),
    ),
    "sterilizer_cycle": (
        "SELECT",
        "INSERT",
        _update("bi_result", "bi_read_at", "bi_read_by", "bi_read_by_id"),
    ),
    # never deleted, never renamed, never given another role
    "staff": (
        "SELECT",
        "INSERT",
        _update("password_hash", "active", "deactivated_at", "max_depth_um"),
    ),
    "seal_state": ("SELECT", "INSERT", _update("position", "key")),  # the key moves on
    "id_floor": ("SELECT", "INSERT", _update("next_id")),
    # Rows the app changes and removes.
    "setting": ("SELECT", "INSERT", "UPDATE", "DELETE"),  # a retired legacy key
    "key_wrap": ("SELECT", "INSERT", "DELETE"),  # re-wrapped on a new password
    "sign_in_guard": ("SELECT", "INSERT", "UPDATE", "DELETE"),  # cleared on success
}


@dataclass(frozen=True)
class RolesResult:
    """What ``set_up_roles`` did: the roles, the SQL it ran (passwords masked)."""

    owner: str
    app: str
    inspector: str
    created: list[str]
    transferred: list[str]
    statements: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "owner": self.owner,
            "app": self.app,
            "inspector": self.inspector,
            "created": self.created,
            "transferred": self.transferred,
            "sql": self.statements,
        }


class _Script:
    """Runs statements on one connection and keeps them, passwords masked, to print."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.shown: list[str] = []
        self._secrets: list[str] = []

    def password(self, password: str | None) -> str:
        """The literal for a password; it is masked wherever it is shown."""
        if password is None:
            return "NULL"
        quoted = self.conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
        self._secrets.append(quoted)
        return quoted

    def run(self, statement: str) -> None:
        self.conn.execute(text(statement))
        for secret in self._secrets:
            statement = statement.replace(secret, "'***'")
        self.shown.append(statement)


def set_up_roles(
    db: Database,
    *,
    owner: str,
    app: str,
    inspector: str,
    passwords: Mapping[str, str | None] | None = None,
) -> RolesResult:
    """Give the ledger to ``owner``, let ``app`` do exactly the app's work, ``inspector`` read.

    Run by a superuser, or by the database's owner with CREATEROLE. One transaction:
    on any refusal nothing is changed. Roles that exist are brought in line (a password
    given replaces theirs; without one it is kept), so running it twice changes nothing.
    """
    if db.dialect != "postgresql":
        raise InvalidInput(
            "Database roles are a PostgreSQL feature. A SQLite file is protected by its "
            "folder's permissions and the sealed audit trail."
        )
    names = {"owner": owner, "app": app, "inspector": inspector}
    for name in names.values():
        check_role_name(name)
    if len(set(names.values())) != 3:
        raise InvalidInput("The owner, app and inspector roles must be three different roles.")
    passwords = passwords or {}
    with db.engine.begin() as conn:
        facts = _facts(conn)
        _refuse_unsafe(conn, facts, app=app, inspector=inspector)
        script = _Script(conn)
        created = _roles(conn, script, facts, names, passwords)
        transferred = _give_to_owner(conn, script, facts, owner)
        _grant_app(conn, script, facts, owner, app)
        _grant_inspector(conn, script, facts, owner, inspector)
        _check_owns_nothing(conn, facts, owner, app, inspector)
    return RolesResult(owner, app, inspector, created, transferred, script.shown)


def _facts(conn: Connection) -> dict[str, str | bool]:
    row = conn.execute(
        text(
            "SELECT current_user, current_database(), current_schema(), "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
            "(SELECT pg_get_userbyid(datdba) FROM pg_database "
            " WHERE datname = current_database()), "
            "(SELECT pg_get_userbyid(nspowner) FROM pg_namespace "
            " WHERE nspname = current_schema())"
        )
    ).one()
    return {
        "me": row[0],
        "database": row[1],
        "schema": row[2],
        "superuser": bool(row[3]),
        "database_owner": row[4],
        "schema_owner": row[5],
    }


def _refuse_unsafe(conn: Connection, facts: Mapping, *, app: str, inspector: str) -> None:
    """The logins that must own nothing may not be the administrator, nor own the database."""
    for kind, name in (("app", app), ("inspector", inspector)):
        if name == facts["me"]:
            raise InvalidInput(
                f"You are signed in to the database as {name}, the {kind} role. Run db roles "
                "as the server's administrator or the database's owner, with another name "
                f"for the {kind} role."
            )
        if name in (facts["database_owner"], facts["schema_owner"]):
            raise InvalidInput(
                f"{name} owns the database {facts['database']} (or its schema), so as the "
                f"{kind} role it could drop the ledger's tables. Choose another name for the "
                f"{kind} role, or give the database to another role first "
                f"(ALTER DATABASE {facts['database']} OWNER TO ...)."
            )
        row = conn.execute(
            text("SELECT rolsuper, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = :r"),
            {"r": name},
        ).first()
        if row is not None and any(row):
            raise InvalidInput(
                f"{name} is a superuser (or may bypass row security or replicate): as the "
                f"{kind} role it could change anything. Choose another name for the {kind} "
                "role; nothing was changed."
            )


def _roles(
    conn: Connection,
    script: _Script,
    facts: Mapping,
    names: Mapping[str, str],
    passwords: Mapping[str, str | None],
) -> list[str]:
    created = []
    for kind, name in names.items():
        password = passwords.get(kind)
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}
        ).first()
        if exists is None:
            script.run(
                f'CREATE ROLE "{name}" LOGIN PASSWORD {script.password(password)} '
                "NOSUPERUSER NOCREATEDB NOCREATEROLE"
            )
            created.append(name)
        elif kind == "owner":
            # An existing owner keeps its attributes (it may be the administrator's own).
            if password is not None:
                script.run(f'ALTER ROLE "{name}" LOGIN PASSWORD {script.password(password)}')
        else:
            # CREATEROLE would let it make itself a member of the owner; CREATEDB is not
            # its business. Superusers were refused above.
            pw = f" PASSWORD {script.password(password)}" if password is not None else ""
            script.run(f'ALTER ROLE "{name}" LOGIN NOCREATEDB NOCREATEROLE{pw}')
        if kind != "owner":
            # A member of the owner could SET ROLE to it and disable the triggers.
            for member_of in _memberships(conn, name, (names["owner"], facts["database_owner"])):
                script.run(f'REVOKE "{member_of}" FROM "{name}"')
    script.run(f'ALTER ROLE "{names["app"]}" RESET default_transaction_read_only')
    if not facts["superuser"] and not _has_role(conn, facts["me"], names["owner"]):
        # PostgreSQL gives objects away only to a role the giver is a member of.
        script.run(f'GRANT "{names["owner"]}" TO "{facts["me"]}"')
    return created


def _memberships(conn: Connection, role: str, among: tuple[object, ...]) -> list[str]:
    """Which of the roles ``among`` ``role`` is directly a member of."""
    return list(
        conn.execute(
            text(
                "SELECT g.rolname FROM pg_auth_members m "
                "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
                "WHERE u.rolname = :r AND g.rolname = ANY(:among) ORDER BY g.rolname"
            ),
            {"r": role, "among": [str(name) for name in among]},
        ).scalars()
    )


def _has_role(conn: Connection, who: str, role: str) -> bool:
    return bool(
        conn.execute(
            text("SELECT pg_has_role(:who, :role, 'USAGE')"), {"who": who, "role": role}
        ).scalar_one()
    )


_KIND = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}

# Objects of the ledger's schema not yet the owner's; an extension's own are left alone,
# and a sequence that belongs to a table column moves with its table.
_NOT_OWNED = """
SELECT c.relkind, quote_ident(c.relname) FROM pg_class c
WHERE c.relnamespace = CAST(:schema AS regnamespace) AND c.relkind = ANY(:kinds)
  AND pg_get_userbyid(c.relowner) <> :owner
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
ORDER BY c.relkind, c.relname
"""
_FUNCTIONS_NOT_OWNED = """
SELECT CAST(p.oid AS regprocedure)::text FROM pg_proc p
WHERE p.pronamespace = CAST(:schema AS regnamespace) AND p.prokind IN ('f', 'p')
  AND pg_get_userbyid(p.proowner) <> :owner
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1
"""


def _give_to_owner(conn: Connection, script: _Script, facts: Mapping, owner: str) -> list[str]:
    schema = _ident(conn, facts["schema"])
    script.run(f'GRANT USAGE, CREATE ON SCHEMA {schema} TO "{owner}"')
    script.run(f'GRANT CONNECT ON DATABASE {_ident(conn, facts["database"])} TO "{owner}"')
    moved = []
    # Tables first (their sequences move with them), then sequences of their own.
    for kinds in (["r", "p", "v", "m"], ["S"]):
        rows = conn.execute(
            text(_NOT_OWNED), {"schema": facts["schema"], "kinds": kinds, "owner": owner}
        ).all()
        for kind, name in rows:
            script.run(f'ALTER {_KIND[kind]} {schema}.{name} OWNER TO "{owner}"')
            moved.append(name)
    functions = conn.execute(
        text(_FUNCTIONS_NOT_OWNED), {"schema": facts["schema"], "owner": owner}
    ).scalars()
    for signature in list(functions):
        script.run(f'ALTER ROUTINE {schema}.{signature} OWNER TO "{owner}"')
        moved.append(signature)
    return moved


def _grant_app(conn: Connection, script: _Script, facts: Mapping, owner: str, app: str) -> None:
    schema = _ident(conn, facts["schema"])
    script.run(f'GRANT CONNECT ON DATABASE {_ident(conn, facts["database"])} TO "{app}"')
    script.run(f'GRANT USAGE ON SCHEMA {schema} TO "{app}"')
    # Only the owner creates objects here (PostgreSQL 15's default; older clusters let
    # every login create tables in public).
    script.run(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC")
    # Start from nothing, so a privilege granted by hand before does not linger.
    script.run(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM PUBLIC")
    script.run(f'REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM "{app}"')
    script.run(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM "{app}"')
    tables = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :schema ORDER BY tablename"),
        {"schema": facts["schema"]},
    ).scalars()
    for table in list(tables):
        privileges = ", ".join(APP_PRIVILEGES.get(table, READ_APPEND))
        script.run(f'GRANT {privileges} ON TABLE {schema}.{_ident(conn, table)} TO "{app}"')
    script.run(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO "{app}"')
    # Tables and sequences a later migration creates (as the owner).
    default = f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA {schema}'
    script.run(f'{default} REVOKE ALL ON TABLES FROM "{app}"')
    script.run(f'{default} GRANT {", ".join(READ_APPEND)} ON TABLES TO "{app}"')
    script.run(f'{default} GRANT USAGE ON SEQUENCES TO "{app}"')


def _grant_inspector(
    conn: Connection, script: _Script, facts: Mapping, owner: str, inspector: str
) -> None:
    schema = _ident(conn, facts["schema"])
    script.run(f'REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM "{inspector}"')
    script.run(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM "{inspector}"')
    script.run(
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA {schema} '
        f'REVOKE ALL ON TABLES FROM "{inspector}"'
    )
    database = _ident(conn, facts["database"])
    for statement in read_only_statements(inspector, database, schema, owner=owner):
        script.run(statement)


def _check_owns_nothing(
    conn: Connection, facts: Mapping, owner: str, app: str, inspector: str
) -> None:
    """After the changes: the app and the inspector own nothing and act as no owner."""
    for name in (app, inspector):
        row = conn.execute(
            text(
                "SELECT pg_has_role(:r, :owner, 'MEMBER'), "
                "pg_has_role(:r, :dbowner, 'MEMBER'), "
                "EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = "
                "        CAST(:schema AS regnamespace) AND pg_has_role(:r, c.relowner, 'USAGE'))"
            ),
            {
                "r": name,
                "owner": owner,
                "dbowner": facts["database_owner"],
                "schema": facts["schema"],
            },
        ).one()
        if any(row):
            raise InvalidInput(
                f"{name} still acts as an owner of the ledger (through another role it "
                "belongs to), so it could disable the audit triggers. Nothing was changed: "
                f"remove it from that role, or choose another name."
            )


def _ident(conn: Connection, name: object) -> str:
    return conn.execute(text("SELECT quote_ident(:n)"), {"n": str(name)}).scalar_one()
