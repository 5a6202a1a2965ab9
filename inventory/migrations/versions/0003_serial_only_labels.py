"""Serial-only labels: a lot number may be absent when the maker prints a serial instead.

A UDI's production identifier may be a lot or a serial (FDA 21 CFR 801.40). A unit
received from a label with (01), (17) and (21) but no (10) belongs to its product's
lot-less batch of that expiry; a recall may name serials without a lot.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lot") as batch:
        batch.alter_column("lot_number", existing_type=sa.String(length=20), nullable=True)
    with op.batch_alter_table("recall_item") as batch:
        batch.alter_column("lot_number", existing_type=sa.String(length=20), nullable=True)
        batch.create_check_constraint(
            op.f("ck_recall_item_lot_or_serial"), "lot_number IS NOT NULL OR serial IS NOT NULL"
        )
