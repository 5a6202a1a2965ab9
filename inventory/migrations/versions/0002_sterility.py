"""Sterility: body areas, treatment sessions, uses, refusals, recalls.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inventory.migrations.append_only import make_append_only

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "body_area",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_body_area")),
    )
    op.create_table(
        "recall",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("notice_text", sa.Text(), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=False),
        sa.Column("entered_by", sa.String(length=120), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recall")),
    )
    op.create_index(op.f("ix_recall_gtin"), "recall", ["gtin"], unique=False)
    op.create_table(
        "recall_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recall_id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("lot_number", sa.String(length=20), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["recall_id"], ["recall.id"], name=op.f("fk_recall_item_recall_id_recall")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recall_item")),
    )
    op.create_index(
        "ix_recall_item_gtin_lot_number", "recall_item", ["gtin", "lot_number"], unique=False
    )
    op.create_index(op.f("ix_recall_item_recall_id"), "recall_item", ["recall_id"], unique=False)
    op.create_table(
        "treatment_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.String(length=120), nullable=False),
        sa.Column("practitioner", sa.String(length=120), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("planned_depth_um", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=120), nullable=False),
        sa.Column("opened_by", sa.String(length=120), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "planned_depth_um BETWEEN 250 AND 2500", name=op.f("ck_treatment_session_planned_depth")
        ),
        sa.ForeignKeyConstraint(
            ["area"], ["body_area.name"], name=op.f("fk_treatment_session_area_body_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_session")),
    )
    op.create_index(
        op.f("ix_treatment_session_opened_at"), "treatment_session", ["opened_at"], unique=False
    )
    op.create_index(
        op.f("ix_treatment_session_practitioner"),
        "treatment_session",
        ["practitioner"],
        unique=False,
    )
    op.create_table(
        "refusal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("scanned", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("refused_by", sa.String(length=120), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_session.id"],
            name=op.f("fk_refusal_session_id_treatment_session"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_refusal_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refusal")),
    )
    op.create_index(op.f("ix_refusal_refused_at"), "refusal", ["refused_at"], unique=False)
    op.create_index(op.f("ix_refusal_session_id"), "refusal", ["session_id"], unique=False)
    op.create_table(
        "unit_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("used_by", sa.String(length=120), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deeper_confirmed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_session.id"],
            name=op.f("fk_unit_use_session_id_treatment_session"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_use_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_use")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_unit_use_unit_id")),
    )
    op.create_index(op.f("ix_unit_use_session_id"), "unit_use", ["session_id"], unique=False)
    op.create_index(op.f("ix_unit_use_used_at"), "unit_use", ["used_at"], unique=False)
    make_append_only("unit_use")
    make_append_only("refusal")
    op.bulk_insert(
        sa.table("body_area", sa.column("name", sa.String)),
        [{"name": n} for n in ("face", "neck", "decolletage", "scalp", "body")],
    )
