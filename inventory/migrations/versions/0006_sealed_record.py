"""The sealed record: seals, row bindings, holds as rows, boxes received once, id floors.

- ``audit_event`` gains the forward-secure ``seal`` and the row binding (``row_table``,
  ``row_id``, ``row_digest``); ``seal_state`` keeps only the newest sealing key.
- ``unit_hold``: each quarantine, release and waste of a unit, append-only, bound to its
  event like uses, refusals, receipts and recalls.
- ``bound_from``: the first row of each bound table written with a binding (rows of an
  upgraded ledger written before are checked by the hash chain only).
- ``box``: a pack's own serial, received once ever.
- ``id_floor``: the lowest number a new receipt or session may take, so a restore or a
  lost write never hands out a number (and a unit label) again.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inventory.migrations.append_only import make_append_only

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BOUND_TABLES = ("receipt", "unit_use", "refusal", "unit_hold", "recall")


def upgrade() -> None:
    # Plain ADD COLUMN: the audit table keeps its append-only triggers.
    op.add_column("audit_event", sa.Column("row_table", sa.String(length=30), nullable=True))
    op.add_column("audit_event", sa.Column("row_id", sa.BigInteger(), nullable=True))
    op.add_column("audit_event", sa.Column("row_digest", sa.String(length=64), nullable=True))
    op.add_column("audit_event", sa.Column("seal", sa.String(length=64), nullable=True))
    op.create_table(
        "seal_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_sealed", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_seal_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_state")),
    )
    op.create_table(
        "id_floor",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("next_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_id_floor")),
    )
    op.create_table(
        "bound_from",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("first_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_bound_from")),
    )
    op.create_table(
        "unit_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("held_by", sa.String(length=120), nullable=False),
        sa.Column("held_by_id", sa.Integer(), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_hold_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_hold")),
    )
    op.create_index(op.f("ix_unit_hold_unit_id"), "unit_hold", ["unit_id"], unique=False)
    op.create_index(op.f("ix_unit_hold_held_at"), "unit_hold", ["held_at"], unique=False)
    make_append_only("unit_hold")
    op.create_table(
        "box",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_box_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_box_receipt_id_receipt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_box")),
        sa.UniqueConstraint("product_id", "serial", name=op.f("uq_box_product_id_serial")),
    )
    for table in BOUND_TABLES:
        op.execute(
            f"INSERT INTO bound_from (name, first_id) "
            f"SELECT '{table}', COALESCE(MAX(id), 0) + 1 FROM {table}"
        )
