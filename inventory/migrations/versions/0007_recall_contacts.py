"""Recall contacts: each affected client told of a recall, how, when and by whom.

``recall_contact`` is append-only and bound to its audit event like uses and refusals
(``bound_from`` starts it at its first row).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inventory.migrations.append_only import make_append_only

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recall_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recall_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('phone', 'sms', 'email', 'letter', 'in_person')",
            name=op.f("ck_recall_contact_method"),
        ),
        sa.ForeignKeyConstraint(
            ["recall_id"], ["recall.id"], name=op.f("fk_recall_contact_recall_id_recall")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_session.id"],
            name=op.f("fk_recall_contact_session_id_treatment_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recall_contact")),
    )
    op.create_index(
        op.f("ix_recall_contact_recall_id"), "recall_contact", ["recall_id"], unique=False
    )
    op.create_index(
        op.f("ix_recall_contact_session_id"), "recall_contact", ["session_id"], unique=False
    )
    make_append_only("recall_contact")
    op.execute("INSERT INTO bound_from (name, first_id) VALUES ('recall_contact', 1)")

