"""Ground floor: catalogue, lots, receipts, units, audit trail, settings.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inventory.migrations.append_only import make_append_only

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=60), nullable=False),
        sa.Column("old_values", sa.Text(), nullable=False),
        sa.Column("new_values", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"], unique=False)
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("maker", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("needle_count", sa.Integer(), nullable=False),
        sa.Column("needle_config", sa.String(length=60), nullable=False),
        sa.Column("needle_length_um", sa.Integer(), nullable=False),
        sa.Column("sterilization", sa.String(length=10), nullable=False),
        sa.Column("units_per_pack", sa.Integer(), nullable=False),
        sa.Column("reorder_level", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('pen_cartridge', 'roller')", name=op.f("ck_product_kind")),
        sa.CheckConstraint(
            "sterilization IN ('EO', 'gamma', 'e-beam', 'steam')",
            name=op.f("ck_product_sterilization"),
        ),
        sa.CheckConstraint("needle_count >= 1", name=op.f("ck_product_needle_count")),
        sa.CheckConstraint(
            "needle_length_um BETWEEN 250 AND 2500", name=op.f("ck_product_needle_length")
        ),
        sa.CheckConstraint("reorder_level >= 0", name=op.f("ck_product_reorder_level")),
        sa.CheckConstraint("units_per_pack >= 1", name=op.f("ck_product_units_per_pack")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("gtin", name=op.f("uq_product_gtin")),
    )
    op.create_table(
        "receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("invoice", sa.String(length=100), nullable=False),
        sa.Column("received_by", sa.String(length=120), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt")),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=20), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("production", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_lot_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot")),
        sa.UniqueConstraint("id", "product_id", name=op.f("uq_lot_id_product_id")),
        sa.UniqueConstraint("product_id", "lot_number", name=op.f("uq_lot_product_id_lot_number")),
    )
    op.create_index(op.f("ix_lot_expiry"), "lot", ["expiry"], unique=False)
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('in_stock', 'used', 'quarantined', 'wasted')", name=op.f("ck_unit_status")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id", "product_id"],
            ["lot.id", "lot.product_id"],
            name=op.f("fk_unit_lot_id_product_id_lot"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_unit_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_unit_receipt_id_receipt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_code")),
        sa.UniqueConstraint("product_id", "serial", name=op.f("uq_unit_product_id_serial")),
    )
    op.create_index("ix_unit_lot_id_status", "unit", ["lot_id", "status"], unique=False)
    op.create_index(op.f("ix_unit_receipt_id"), "unit", ["receipt_id"], unique=False)
    op.create_index("ix_unit_status", "unit", ["status"], unique=False)
    make_append_only("audit_event")
