"""what a plan action answers (issue 13): links from safety-plan actions to the minutes' grievances

Revision ID: 0011
Revises: 0010

`plan_action_grievances` holds, for each plan action, the grievances of the cycle's minutes it
answers (a coordinator names them '1.2': session 1, grievance 2). A tracked item reads them through
its plan action. Existing plans are kept as they were: their actions answer nothing until amended.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_action_grievances",
        sa.Column("plan_action_id", sa.Integer(), nullable=False),
        sa.Column("grievance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grievance_id"],
            ["grievances.id"],
            name=op.f("fk_plan_action_grievances_grievance_id_grievances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_action_id"],
            ["plan_actions.id"],
            name=op.f("fk_plan_action_grievances_plan_action_id_plan_actions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "plan_action_id", "grievance_id", name=op.f("pk_plan_action_grievances")
        ),
    )
    with op.batch_alter_table("plan_action_grievances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_action_grievances_grievance_id"), ["grievance_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_action_grievances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_action_grievances_grievance_id"))
    op.drop_table("plan_action_grievances")
