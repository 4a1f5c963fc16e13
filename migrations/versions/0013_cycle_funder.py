"""a funder or programme tag on cycles (issue 14): set at launch, changeable, reported on

Revision ID: 0013
Revises: 0012

Numbered 0012 on its branch; 0013 (field submissions) landed first, so it follows it.

`cycles.funder` names the funder or programme a cycle is reported under (`debates launch
--funder`, `debates funder`); existing cycles are untagged (NULL) until someone tags them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("funder", sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f("ix_cycles_funder"), ["funder"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycles_funder"))
        batch_op.drop_column("funder")
