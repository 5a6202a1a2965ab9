"""Units returned to the supplier: a unit's status may be ``returned``.

A manager sends stock back (a recall's quarantined units, a wrong delivery) with a
reason such as the supplier's RMA number; each unit gets a ``unit_hold`` row with the
action ``return`` (the table already takes any action), and the unit's status CHECK
constraint now allows the new status.

On SQLite a CHECK constraint cannot be altered, so the unit table is rebuilt (alembic's
batch mode, like 0003). The unit table has no triggers to lose; its indexes are made
again from the reflected table. Rows of unit_use, unit_hold, refusal and box point at
unit ids, which the copy keeps: inventory.schema.upgrade turns SQLite's foreign keys off
for the rebuild and checks them all before it commits. On PostgreSQL the constraint is
dropped and added in place (its grants and the rows stay).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BEFORE = ("in_stock", "used", "quarantined", "wasted")
AFTER = (*BEFORE, "returned")


def _check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.drop_constraint(op.f("ck_unit_status"), type_="check")
        batch.create_check_constraint(op.f("ck_unit_status"), _check(AFTER))
