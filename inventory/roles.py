"""A read-only database role for inspectors, and knowing when we are read-only.

On PostgreSQL the role has SELECT only and read-only transactions by default, so the
database refuses writes whatever the app does. The app notices and opens read-only.
Without UPDATE privilege it cannot take the ledger's write lock either (a row lock), so
it cannot stop the workstations' writes. The owner and app roles: inventory.pg_roles.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from inventory.db import Database
from inventory.errors import InvalidInput

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_role_name(role: str) -> None:
    """Refuse a name that is not a plain PostgreSQL role name (it is put into SQL)."""
    if not _NAME.match(role) or role.startswith("pg_") or role == "public":
        raise InvalidInput(f"'{role}' is not a usable role name (lower-case letters, digits, _).")


def read_only_statements(
    role: str, database: str, schema: str = "public", *, owner: str | None = None
) -> list[str]:
    """The grants that make an existing login an inspector's: read everything, write nothing.

    ``database`` and ``schema`` are quoted identifiers. Tables created later by ``owner``
    (the role that runs the migrations, when it is not the one running this) are
    readable too.
    """
    for_owner = f'FOR ROLE "{owner}" ' if owner else ""
    return [
        f'ALTER ROLE "{role}" SET default_transaction_read_only = on',
        f'GRANT CONNECT ON DATABASE {database} TO "{role}"',
        f'GRANT USAGE ON SCHEMA {schema} TO "{role}"',
        f'GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO "{role}"',
        f"ALTER DEFAULT PRIVILEGES {for_owner}IN SCHEMA {schema} "
        f'GRANT SELECT ON TABLES TO "{role}"',
    ]


def create_readonly_role(db: Database, role: str, password: str | None) -> list[str]:
    """Create a login role that can read every table and write none; returns the SQL run."""
    if db.dialect != "postgresql":
        raise InvalidInput(
            "A read-only role is a PostgreSQL feature. For a SQLite file, give the "
            "inspector a backup copy or a read-only file."
        )
    check_role_name(role)
    with db.engine.begin() as conn:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        # After `db roles` the tables belong to the owner role: its later tables too.
        owner = conn.execute(
            text(
                "SELECT tableowner FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename = 'alembic_version' AND tableowner <> current_user "
                "AND pg_has_role(current_user, tableowner, 'USAGE')"
            )
        ).scalar()
        quoted_pw = (
            conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
            if password
            else "NULL"
        )
        statements = [
            f'CREATE ROLE "{role}" LOGIN PASSWORD {quoted_pw} NOSUPERUSER NOCREATEDB NOCREATEROLE',
            *read_only_statements(role, f'"{database}"'),
        ]
        if owner:
            statements += read_only_statements(role, f'"{database}"', owner=owner)[-1:]
        for statement in statements:
            conn.execute(text(statement))
    return [s.replace(quoted_pw, "'***'") if password else s for s in statements]


def can_write(conn: Connection) -> bool:
    """Whether this login may record a use: false for an inspector's read-only role."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(
        conn.execute(
            text(
                "SELECT has_table_privilege(current_user, 'unit_use', 'INSERT') "
                # the write lock (inventory.db): a row lock needs UPDATE privilege
                "AND coalesce(has_table_privilege(current_user, to_regclass('ledger_lock'), "
                "'UPDATE'), false) "
                "AND current_setting('default_transaction_read_only') = 'off'"
            )
        ).scalar_one()
    )
