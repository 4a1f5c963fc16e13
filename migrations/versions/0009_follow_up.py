"""the follow-up stage (issue 13): tracked items, their updates, monitoring visits

Revision ID: 0009
Revises: 0008

`tracked_items` (a plan action or a session commitment followed after the handover, its owner one of
the commune's people), `item_updates` (the dated timeline of each), `monitoring_visits` (a visit's
incident counts and its risk and trust ratings); the baseline study's two optional ratings; the
ledger's `item_id` for item reminders; and `steps.stage` allows `follow_up` (visit steps). Existing
cycles are kept as they are: a cycle completed at its handover stays completed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_STAGES = "stage IN ('baseline', 'scheduling', 'facilitation', 'minutes', 'handover')"
NEW_STAGES = (
    "stage IN ('baseline', 'scheduling', 'facilitation', 'minutes', 'handover', 'follow_up')"
)


def _stages(check: str) -> None:
    with op.batch_alter_table("steps", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_steps_stage"), type_="check")
        batch_op.create_check_constraint(op.f("ck_steps_stage"), check)


def upgrade() -> None:
    _stages(NEW_STAGES)
    op.create_table(
        "monitoring_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("incidents", sa.JSON(), nullable=False),
        sa.Column("risk_of_violence", sa.Integer(), nullable=False),
        sa.Column("trust_in_institutions", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "risk_of_violence BETWEEN 1 AND 5", name=op.f("ck_monitoring_visits_risk_of_violence")
        ),
        sa.CheckConstraint(
            "trust_in_institutions BETWEEN 1 AND 5",
            name=op.f("ck_monitoring_visits_trust_in_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_monitoring_visits_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_visits")),
        sa.UniqueConstraint(
            "cycle_id", "number", name=op.f("uq_monitoring_visits_cycle_id_number")
        ),
    )
    with op.batch_alter_table("monitoring_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_visits_cycle_id"), ["cycle_id"], unique=False
        )

    op.create_table(
        "tracked_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("plan_action_id", sa.Integer(), nullable=True),
        sa.Column("commitment_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("drop_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(source = 'plan_action' AND plan_action_id IS NOT NULL) OR (source = 'commitment' AND commitment_id IS NOT NULL)",
            name=op.f("ck_tracked_items_answers"),
        ),
        sa.CheckConstraint(
            "source IN ('plan_action', 'commitment')", name=op.f("ck_tracked_items_source")
        ),
        sa.CheckConstraint(
            "status <> 'dropped' OR drop_reason IS NOT NULL",
            name=op.f("ck_tracked_items_drop_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'dropped')",
            name=op.f("ck_tracked_items_status"),
        ),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 100", name=op.f("ck_tracked_items_progress")
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name=op.f("fk_tracked_items_commitment_id_commitments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_tracked_items_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["commune_people.id"],
            name=op.f("fk_tracked_items_owner_id_commune_people"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_action_id"],
            ["plan_actions.id"],
            name=op.f("fk_tracked_items_plan_action_id_plan_actions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_items")),
        sa.UniqueConstraint("commitment_id", name=op.f("uq_tracked_items_commitment_id")),
        sa.UniqueConstraint("cycle_id", "number", name=op.f("uq_tracked_items_cycle_id_number")),
        sa.UniqueConstraint("plan_action_id", name=op.f("uq_tracked_items_plan_action_id")),
    )
    with op.batch_alter_table("tracked_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tracked_items_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tracked_items_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "item_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'dropped')",
            name=op.f("ck_item_updates_status"),
        ),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 100", name=op.f("ck_item_updates_progress")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["tracked_items.id"],
            name=op.f("fk_item_updates_item_id_tracked_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["monitoring_visits.id"],
            name=op.f("fk_item_updates_visit_id_monitoring_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_updates")),
    )
    with op.batch_alter_table("item_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_updates_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_item_updates_visit_id"), ["visit_id"], unique=False)

    with op.batch_alter_table("baseline_studies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_of_violence", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("trust_in_institutions", sa.Integer(), nullable=True))

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_item_id"), ["item_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_item_id_tracked_items"),
            "tracked_items",
            ["item_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_item_id_tracked_items"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notifications_item_id"))
        batch_op.drop_column("item_id")

    with op.batch_alter_table("baseline_studies", schema=None) as batch_op:
        batch_op.drop_column("trust_in_institutions")
        batch_op.drop_column("risk_of_violence")

    with op.batch_alter_table("item_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_updates_visit_id"))
        batch_op.drop_index(batch_op.f("ix_item_updates_item_id"))

    op.drop_table("item_updates")
    with op.batch_alter_table("tracked_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracked_items_owner_id"))
        batch_op.drop_index(batch_op.f("ix_tracked_items_cycle_id"))

    op.drop_table("tracked_items")
    with op.batch_alter_table("monitoring_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_visits_cycle_id"))

    op.drop_table("monitoring_visits")
    _stages(OLD_STAGES)
