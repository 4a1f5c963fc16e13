"""field forms (issue 16): the field submissions imported, and how far each Kobo asset was pulled

Revision ID: 0012
Revises: 0011

`field_submissions` holds one row per version of a KoboToolbox or ODK submission recorded (or found
recorded): a version seen again changes nothing, a new version of a known submission is an
amendment. `field_pulls` keeps, per KoboToolbox asset, the newest `_submission_time` pulled.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "field_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("root_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("imported_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('kobo', 'odk')", name=op.f("ck_field_submissions_source")),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_field_submissions_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_submissions")),
        sa.UniqueConstraint(
            "source",
            "root_id",
            "version",
            name=op.f("uq_field_submissions_source_root_id_version"),
        ),
    )
    with op.batch_alter_table("field_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_submissions_cycle_id"), ["cycle_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_field_submissions_root_id"), ["root_id"], unique=False)
    op.create_table(
        "field_pulls",
        sa.Column("asset_uid", sa.String(length=64), nullable=False),
        sa.Column("pulled_until", UTCDateTime(timezone=True), nullable=False),
        sa.Column("pulled_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("asset_uid", name=op.f("pk_field_pulls")),
    )


def downgrade() -> None:
    op.drop_table("field_pulls")
    with op.batch_alter_table("field_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_submissions_root_id"))
        batch_op.drop_index(batch_op.f("ix_field_submissions_cycle_id"))
    op.drop_table("field_submissions")
