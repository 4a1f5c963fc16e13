"""facilitator matching (issue 4)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=4), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("assigned_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("role IN ('lead', 'co')", name=op.f("ck_team_assignments_role")),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_team_assignments_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitators.id"],
            name=op.f("fk_team_assignments_facilitator_id_facilitators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_assignments")),
    )
    with op.batch_alter_table("team_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_assignments_cycle_id"), ["cycle_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_team_assignments_facilitator_id"), ["facilitator_id"], unique=False
        )
        batch_op.create_index(
            "uq_team_assignments_current_role",
            ["cycle_id", "role"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("team_assignments", schema=None) as batch_op:
        batch_op.drop_index("uq_team_assignments_current_role")
        batch_op.drop_index(batch_op.f("ix_team_assignments_facilitator_id"))
        batch_op.drop_index(batch_op.f("ix_team_assignments_cycle_id"))
    op.drop_table("team_assignments")
