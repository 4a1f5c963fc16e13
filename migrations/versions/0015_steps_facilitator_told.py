"""steps.facilitator_told: the reminder sweep's mark that a step's facilitator was told of the cycle

Revision ID: 0015
Revises: 0014

The sweep announces an assignment once per (cycle, facilitator). It used to look in the ledger for
every assigned open step at every sweep (40,000 at 100,000 open steps); it now looks only for the
steps not marked (the partial index `ix_steps_untold`), and marks those the ledger says were told.
Existing steps are marked here from the ledger, as the sweep would mark them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNTOLD = "facilitator_id IS NOT NULL AND facilitator_told = false"


def upgrade() -> None:
    with op.batch_alter_table("steps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("facilitator_told", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        """
        UPDATE steps SET facilitator_told = true
        WHERE facilitator_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM notifications n JOIN steps s ON s.id = n.step_id
            WHERE s.cycle_id = steps.cycle_id AND n.facilitator_id = steps.facilitator_id
              AND (n.rule = 'assignment' OR n.rule LIKE 'team-assigned:%')
        )
        """
    )
    op.create_index(
        "ix_steps_untold",
        "steps",
        ["cycle_id"],
        unique=False,
        sqlite_where=sa.text(UNTOLD),
        postgresql_where=sa.text(UNTOLD),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_steps_untold",
        table_name="steps",
        sqlite_where=sa.text(UNTOLD),
        postgresql_where=sa.text(UNTOLD),
    )
    with op.batch_alter_table("steps", schema=None) as batch_op:
        batch_op.drop_column("facilitator_told")
