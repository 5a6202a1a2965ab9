"""A read-only database role for inspectors, and knowing when we are read-only.

On PostgreSQL the role has SELECT only and read-only transactions by default, so the
database refuses writes whatever the app does. The app notices and opens read-only.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from inventory.db import Database
from inventory.errors import InvalidInput

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def create_readonly_role(db: Database, role: str, password: str | None) -> list[str]:
    """Create a login role that can read every table and write none; returns the SQL run."""
    if db.dialect != "postgresql":
        raise InvalidInput(
            "A read-only role is a PostgreSQL feature. For a SQLite file, give the "
            "inspector a backup copy or a read-only file."
        )
    if not _NAME.match(role):
        raise InvalidInput(f"'{role}' is not a usable role name (lower-case letters, digits, _).")
    with db.engine.begin() as conn:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        quoted_pw = (
            conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
            if password
            else "NULL"
        )
        statements = [
            f'CREATE ROLE "{role}" LOGIN PASSWORD {quoted_pw} NOSUPERUSER NOCREATEDB NOCREATEROLE',
            f'ALTER ROLE "{role}" SET default_transaction_read_only = on',
            f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"',
            f'GRANT USAGE ON SCHEMA public TO "{role}"',
            f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO "{role}"',
        ]
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
                "AND current_setting('default_transaction_read_only') = 'off'"
            )
        ).scalar_one()
    )
