"""reminders and notification ledger (issue 5)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("due_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=False),
        sa.Column("next_attempt_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('claimed', 'sent', 'failed', 'cancelled')",
            name=op.f("ck_notifications_status"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notifications_attempts")),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["steps.id"],
            name=op.f("fk_notifications_step_id_steps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitators.id"],
            name=op.f("fk_notifications_facilitator_id_facilitators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["facilitator_contacts.id"],
            name=op.f("fk_notifications_contact_id_facilitator_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "step_id",
            "rule",
            "recipient",
            "due_at",
            name=op.f("uq_notifications_step_id_rule_recipient_due_at"),
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_facilitator_id"), ["facilitator_id"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_status_next_attempt_at",
            ["status", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index("ix_notifications_rule_step_id", ["rule", "step_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_rule_step_id")
        batch_op.drop_index("ix_notifications_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_notifications_facilitator_id"))
    op.drop_table("notifications")
