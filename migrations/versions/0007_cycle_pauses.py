"""cycle pauses (issue 15): a cycle stopped for insecurity, a road cut, an election

Revision ID: 0007
Revises: 0006

One row per pause; an open pause (ended_at NULL) is at most one per cycle, a partial unique index.
The cycle keeps its status: it is still its commune's active cycle.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cycle_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("started_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("ended_by", sa.String(length=120), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_cycle_pauses_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_pauses")),
    )
    with op.batch_alter_table("cycle_pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cycle_pauses_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            "uq_cycle_pauses_one_open",
            ["cycle_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("cycle_pauses", schema=None) as batch_op:
        batch_op.drop_index("uq_cycle_pauses_one_open")
        batch_op.drop_index(batch_op.f("ix_cycle_pauses_cycle_id"))
    op.drop_table("cycle_pauses")
