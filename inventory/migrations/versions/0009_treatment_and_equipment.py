"""The treatment around the cartridge and the clinic's equipment.

Forms (screening questions, consent and aftercare texts) in versions; each session's
intake (concern, screening answers, consent, depth range, room, pen and sleeve, place in
the series); warnings confirmed and managers' overrides; adverse events; pens and their
cleanings; sharps containers; sterilizer cycles, their loads' packs and the packs used.

The append-only tables get their triggers; every table is bound to its audit event from
its first row (``bound_from``), as recall_contact in 0007.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inventory.migrations.append_only import make_append_only

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

APPEND_ONLY = (
    "form_version",
    "session_intake",
    "session_confirmation",
    "adverse_event",
    "pen_cleaning",
    "load_item",
    "session_instrument",
)
CHANGING = ("pen", "sharps_container", "sterilizer_cycle")


def upgrade() -> None:
    op.create_table(
        "form_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('screening', 'consent', 'aftercare')", name=op.f("ck_form_version_kind")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_form_version_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_version")),
        sa.UniqueConstraint(
            "kind", "language", "version", name=op.f("uq_form_version_kind_language_version")
        ),
    )
    op.create_table(
        "pen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=60), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_by_id", sa.Integer(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retire_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pen")),
        sa.UniqueConstraint("serial", name=op.f("uq_pen_serial")),
    )
    op.create_table(
        "sharps_container",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("room", sa.String(length=60), nullable=False),
        sa.Column("opened_by", sa.String(length=120), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_by", sa.String(length=120), nullable=True),
        sa.Column("sealed_by_id", sa.Integer(), nullable=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collected_by", sa.String(length=120), nullable=True),
        sa.Column("collected_by_id", sa.Integer(), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collector_ref", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharps_container")),
    )
    op.create_index(op.f("ix_sharps_container_room"), "sharps_container", ["room"], unique=False)
    op.create_table(
        "sterilizer_cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sterilizer", sa.String(length=120), nullable=False),
        sa.Column("cycle_number", sa.String(length=40), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("temperature_c", sa.Float(), nullable=False),
        sa.Column("pressure_kpa", sa.Float(), nullable=False),
        sa.Column("holding_minutes", sa.Float(), nullable=False),
        sa.Column("load_contents", sa.Text(), nullable=False),
        sa.Column("operator", sa.String(length=120), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("chemical_result", sa.String(length=10), nullable=False),
        sa.Column("bi_result", sa.String(length=10), nullable=False),
        sa.Column("bi_read_by", sa.String(length=120), nullable=True),
        sa.Column("bi_read_by_id", sa.Integer(), nullable=True),
        sa.Column("bi_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "bi_result IN ('pass', 'fail', 'pending')", name=op.f("ck_sterilizer_cycle_bi_result")
        ),
        sa.CheckConstraint(
            "chemical_result IN ('pass', 'fail')", name=op.f("ck_sterilizer_cycle_chemical_result")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sterilizer_cycle")),
    )
    op.create_index(
        op.f("ix_sterilizer_cycle_run_at"), "sterilizer_cycle", ["run_at"], unique=False
    )
    op.create_table(
        "load_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["sterilizer_cycle.id"],
            name=op.f("fk_load_item_cycle_id_sterilizer_cycle"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load_item")),
        sa.UniqueConstraint("code", name=op.f("uq_load_item_code")),
    )
    op.create_index(op.f("ix_load_item_cycle_id"), "load_item", ["cycle_id"], unique=False)
    op.create_table(
        "pen_cleaning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pen_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("cleaned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleaned_by", sa.String(length=120), nullable=False),
        sa.Column("cleaned_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pen_id"], ["pen.id"], name=op.f("fk_pen_cleaning_pen_id_pen")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pen_cleaning")),
    )
    op.create_index(op.f("ix_pen_cleaning_pen_id"), "pen_cleaning", ["pen_id"], unique=False)
    op.create_table(
        "adverse_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("none_observed", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_session.id"],
            name=op.f("fk_adverse_event_session_id_treatment_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_event")),
    )
    op.create_index(
        op.f("ix_adverse_event_session_id"), "adverse_event", ["session_id"], unique=False
    )
    op.create_table(
        "session_instrument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("load_item_id", sa.Integer(), nullable=False),
        sa.Column("used_by", sa.String(length=120), nullable=False),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_item_id"],
            ["load_item.id"],
            name=op.f("fk_session_instrument_load_item_id_load_item"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_session.id"],
            name=op.f("fk_session_instrument_session_id_treatment_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_instrument")),
        sa.UniqueConstraint("load_item_id", name=op.f("uq_session_instrument_load_item_id")),
    )
    op.create_index(
        op.f("ix_session_instrument_session_id"), "session_instrument", ["session_id"], unique=False
    )
    op.create_table(
        "session_intake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("concern", sa.String(length=30), nullable=False),
        sa.Column("screening_form_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("screening_positive", sa.Boolean(), nullable=False),
        sa.Column("consent_form_id", sa.Integer(), nullable=False),
        sa.Column("range_min_um", sa.Integer(), nullable=False),
        sa.Column("range_max_um", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=60), nullable=False),
        sa.Column("pen_id", sa.Integer(), nullable=True),
        sa.Column("sleeve_fitted", sa.Boolean(), nullable=False),
        sa.Column("series_number", sa.Integer(), nullable=False),
        sa.Column("series_planned", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "concern IN ('texture', 'fine_lines', 'acne_scars', 'stretch_marks', 'hair_loss', "
            "'hyperpigmentation')",
            name=op.f("ck_session_intake_concern"),
        ),
        sa.CheckConstraint("range_min_um <= range_max_um", name=op.f("ck_session_intake_range")),
        sa.ForeignKeyConstraint(
            ["consent_form_id"],
            ["form_version.id"],
            name=op.f("fk_session_intake_consent_form_id_form_version"),
        ),
        sa.ForeignKeyConstraint(["pen_id"], ["pen.id"], name=op.f("fk_session_intake_pen_id_pen")),
        sa.ForeignKeyConstraint(
            ["screening_form_id"],
            ["form_version.id"],
            name=op.f("fk_session_intake_screening_form_id_form_version"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_session.id"],
            name=op.f("fk_session_intake_session_id_treatment_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_intake")),
        sa.UniqueConstraint("session_id", name=op.f("uq_session_intake_session_id")),
    )
    op.create_table(
        "session_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("warning", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=120), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('screening_override', 'depth_outside_range', 'cartridge_outside_range', "
            "'series_spacing', 'pen_cleaning_overdue', 'no_sharps_container')",
            name=op.f("ck_session_confirmation_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_session.id"],
            name=op.f("fk_session_confirmation_session_id_treatment_session"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_session_confirmation_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_confirmation")),
    )
    op.create_index(
        op.f("ix_session_confirmation_session_id"),
        "session_confirmation",
        ["session_id"],
        unique=False,
    )

    for table in APPEND_ONLY:
        make_append_only(table)
    for table in (*APPEND_ONLY, *CHANGING):
        op.execute(f"INSERT INTO bound_from (name, first_id) VALUES ('{table}', 1)")
