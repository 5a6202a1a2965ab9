"""The database's own guards, checked at every start: a ledger missing one is not written.

The append-only tables refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) with
triggers (inventory.migrations.append_only). Someone with the file, or an owner's login,
can drop or disable a trigger; the app then refuses to write until it is back, and says
which one is missing, so nothing is recorded into a ledger that no longer guards itself.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

APPEND_ONLY = (
    "audit_event",
    "unit_use",
    "refusal",
    "unit_hold",
    "recall_contact",
    "ledger_lock",
    "form_version",
    "session_intake",
    "session_confirmation",
    "adverse_event",
    "pen_cleaning",
    "load_item",
    "session_instrument",
)


def expected_triggers(dialect: str, tables: set[str]) -> list[str]:
    kinds = ("no_update", "no_delete") if dialect == "sqlite" else ("no_change", "no_truncate")
    return [f"{table}_{kind}" for table in APPEND_ONLY if table in tables for kind in kinds]


def missing_guards(conn: Connection) -> list[str]:
    """The names of the append-only triggers that are missing or disabled."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        tables = set(
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").scalars()
        )
        present = set(
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'").scalars()
        )
    else:
        tables = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
        )
        present = set(
            conn.execute(
                text(
                    "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'"
                )
            ).scalars()
        )
    return [name for name in expected_triggers(dialect, tables) if name not in present]


def unguarded_sentence(missing: list[str]) -> str:
    return (
        "The ledger's own protection against changing or deleting records is missing "
        f"({', '.join(missing)}): someone changed the database outside the app. Nothing "
        "can be written until it is back: restore the latest backup, or ask whoever looks "
        "after the database server, and check the audit trail with the verification key."
    )
