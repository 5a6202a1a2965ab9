"""Staff accounts and the clinic's keys: every record names a signed-in person.

Adds the accounts, their wrapped keys and the sign-in guard; the account columns beside
the name columns of every record; and the encrypted client reference with its blind
index. A ledger from before this revision keeps its client references in clear until
its first manager is created, which encrypts them (inventory.staff.setup_clinic).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ACCOUNT_COLUMNS = {
    "audit_event": ["staff_id"],
    "receipt": ["received_by_id"],
    "treatment_session": ["practitioner_id", "opened_by_id", "closed_by_id"],
    "unit_use": ["used_by_id"],
    "refusal": ["refused_by_id"],
    "recall": ["entered_by_id", "closed_by_id"],
}


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("max_depth_um", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('manager', 'practitioner', 'inspector')", name=op.f("ck_staff_role")
        ),
        sa.CheckConstraint(
            "max_depth_um IS NULL OR max_depth_um BETWEEN 250 AND 2500",
            name=op.f("ck_staff_max_depth"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("name_key", name=op.f("uq_staff_name_key")),
    )
    op.create_table(
        "key_wrap",
        sa.Column("holder", sa.String(length=40), nullable=False),
        sa.Column("secret", sa.String(length=20), nullable=False),
        sa.Column("salt", sa.String(length=40), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("holder", "secret", name=op.f("pk_key_wrap")),
    )
    op.create_table(
        "sign_in_guard",
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name_key", name=op.f("pk_sign_in_guard")),
    )
    # Plain ADD COLUMN (never a table rebuild): the append-only tables keep their triggers.
    for table, columns in ACCOUNT_COLUMNS.items():
        for column in columns:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.add_column("treatment_session", sa.Column("client_cipher", sa.Text(), nullable=True))
    op.add_column("treatment_session", sa.Column("client_key", sa.String(length=64), nullable=True))
    op.create_index(
        op.f("ix_treatment_session_client_key"), "treatment_session", ["client_key"], unique=False
    )
    with op.batch_alter_table("treatment_session") as batch:
        batch.alter_column("client_ref", existing_type=sa.String(length=120), nullable=True)
