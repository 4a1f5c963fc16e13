"""the matcher's explanations and reasons as phrases (issue 10)

Revision ID: 0006
Revises: 0005

Team rows keep their explanation as message keys with parameters (JSON), worded in each reader's
language; rows written before keep their English text, which stays readable (the text column
becomes optional for the rows written after).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("explanation_phrases", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("superseded_phrase", sa.JSON(), nullable=True))
        batch_op.alter_column("explanation", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # The phrases go with their column; a row must still have some text for NOT NULL.
    op.execute("UPDATE team_assignments SET explanation = '' WHERE explanation IS NULL")
    with op.batch_alter_table("team_assignments", schema=None) as batch_op:
        batch_op.alter_column("explanation", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("superseded_phrase")
        batch_op.drop_column("explanation_phrases")
