"""The ledger's write lock: one row that every write transaction locks first.

On PostgreSQL a write transaction begins with ``SELECT ... FROM ledger_lock FOR UPDATE``
(inventory.db). PostgreSQL allows a row lock only to a login with UPDATE privilege on the
table, so the inspector's read-only login cannot take it and stop the chair, as it could
take the advisory lock used before. The row is never changed or removed (triggers refuse
it, as on the append-only tables): without it nothing would be locked. On SQLite the
table exists too (one schema) but BEGIN IMMEDIATE is the lock.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inventory.migrations.append_only import make_append_only

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_lock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_ledger_lock_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_lock")),
    )
    op.execute("INSERT INTO ledger_lock (id) VALUES (1)")
    make_append_only("ledger_lock")
