"""intercommunal cycles (issue 15): a debate session records the commune it is held in

Revision ID: 0010
Revises: 0009

A cycle already belongs to a commune or to a cercle (cycles.level, area_pcode and the CHECK "area"
since 0001), and "one active cycle per area" (uq_cycles_one_active_per_area on area_pcode) already
allows a cercle's one active intercommunal cycle beside its communes' own: the area of the one is
the cercle's P-code, of the others their communes'. What an intercommunal cycle adds is sessions
held in any commune of its cercle, so each session now keeps its commune. Existing sessions are
in their cycle's commune (an intercommunal cycle could not be launched before this revision; one
made by hand gets its cercle's first commune).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("debate_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune_pcode", sa.String(length=8), nullable=True))
    op.execute(
        "UPDATE debate_sessions SET commune_pcode = ("
        " SELECT COALESCE(cycles.commune_pcode,"
        "  (SELECT MIN(communes.pcode) FROM communes"
        "   WHERE communes.cercle_pcode = cycles.cercle_pcode))"
        " FROM cycles WHERE cycles.id = debate_sessions.cycle_id)"
    )
    with op.batch_alter_table("debate_sessions", schema=None) as batch_op:
        batch_op.alter_column("commune_pcode", existing_type=sa.String(length=8), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_debate_sessions_commune_pcode_communes"),
            "communes",
            ["commune_pcode"],
            ["pcode"],
        )


def downgrade() -> None:
    with op.batch_alter_table("debate_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_debate_sessions_commune_pcode_communes"), type_="foreignkey"
        )
        batch_op.drop_column("commune_pcode")
