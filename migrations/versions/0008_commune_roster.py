"""the commune's people (issue 13): office holders of a commune, their contacts, and the ledger's
second kind of recipient

Revision ID: 0008
Revises: 0007

`commune_people` keeps one row per person per office term (`until` set when replaced; partial
unique indexes: one current term per person and office, one current mayor, focal point, lead);
`commune_person_contacts` their Apprise URLs. The notification ledger names its recipient person as
`facilitator_id` or `commune_person_id` (never both), with the channel in `contact_id` or
`commune_contact_id`; existing rows are facilitators' and keep their values.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commune_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_pcode", sa.String(length=8), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("locale IN ('fr', 'en')", name=op.f("ck_commune_people_locale")),
        sa.CheckConstraint(
            "role IN ('mayor', 'security_focal_point', 'chief', 'women_lead', 'youth_lead', 'other')",
            name=op.f("ck_commune_people_role"),
        ),
        sa.CheckConstraint("sex IN ('F', 'M')", name=op.f("ck_commune_people_sex")),
        sa.CheckConstraint(
            "until IS NULL OR since IS NULL OR until >= since", name=op.f("ck_commune_people_term")
        ),
        sa.ForeignKeyConstraint(
            ["commune_pcode"],
            ["communes.pcode"],
            name=op.f("fk_commune_people_commune_pcode_communes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commune_people")),
        sa.UniqueConstraint(
            "commune_pcode",
            "role",
            "name_key",
            "since",
            name=op.f("uq_commune_people_commune_pcode_role_name_key_since"),
        ),
    )
    with op.batch_alter_table("commune_people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commune_people_commune_pcode"), ["commune_pcode"], unique=False
        )
        batch_op.create_index(
            "uq_commune_people_current",
            ["commune_pcode", "role", "name_key"],
            unique=True,
            sqlite_where=sa.text("until IS NULL"),
            postgresql_where=sa.text("until IS NULL"),
        )
        batch_op.create_index(
            "uq_commune_people_one_holder",
            ["commune_pcode", "role"],
            unique=True,
            sqlite_where=sa.text(
                "until IS NULL AND role IN ('mayor', 'security_focal_point', 'women_lead', 'youth_lead')"
            ),
            postgresql_where=sa.text(
                "until IS NULL AND role IN ('mayor', 'security_focal_point', 'women_lead', 'youth_lead')"
            ),
        )

    op.create_table(
        "commune_person_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["commune_people.id"],
            name=op.f("fk_commune_person_contacts_person_id_commune_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commune_person_contacts")),
        sa.UniqueConstraint(
            "person_id", "url", name=op.f("uq_commune_person_contacts_person_id_url")
        ),
    )
    with op.batch_alter_table("commune_person_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commune_person_contacts_person_id"), ["person_id"], unique=False
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune_person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("commune_contact_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_commune_person_id"), ["commune_person_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_commune_person_id_commune_people"),
            "commune_people",
            ["commune_person_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_commune_contact_id_commune_person_contacts"),
            "commune_person_contacts",
            ["commune_contact_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_notifications_one_person"),
            "facilitator_id IS NULL OR commune_person_id IS NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_one_person"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_commune_contact_id_commune_person_contacts"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_commune_person_id_commune_people"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notifications_commune_person_id"))
        batch_op.drop_column("commune_contact_id")
        batch_op.drop_column("commune_person_id")

    with op.batch_alter_table("commune_person_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commune_person_contacts_person_id"))

    op.drop_table("commune_person_contacts")
    with op.batch_alter_table("commune_people", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_commune_people_one_holder",
            sqlite_where=sa.text(
                "until IS NULL AND role IN ('mayor', 'security_focal_point', 'women_lead', 'youth_lead')"
            ),
            postgresql_where=sa.text(
                "until IS NULL AND role IN ('mayor', 'security_focal_point', 'women_lead', 'youth_lead')"
            ),
        )
        batch_op.drop_index(
            "uq_commune_people_current",
            sqlite_where=sa.text("until IS NULL"),
            postgresql_where=sa.text("until IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_commune_people_commune_pcode"))

    op.drop_table("commune_people")
