"""contact URLs sealed at rest (issue 17): Fernet tokens in `url`, a keyed digest for uniqueness

Revision ID: 0014
Revises: 0013

Every existing URL of `facilitator_contacts` and `commune_person_contacts` is sealed with the
contacts key (models/people/sealed.py: DEBATES_CONTACTS_KEY, or data/contacts.key, created here
if missing, mode 0600) and gets its `url_digest`; the unique constraint moves from the URL (two
sealings of one URL differ) to the digest. Downgrading opens them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.people.sealed import digest, open_sealed, seal

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (("facilitator_contacts", "facilitator_id"), ("commune_person_contacts", "person_id"))


def upgrade() -> None:
    bind = op.get_bind()
    for table, owner in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("url_digest", sa.String(length=64), nullable=True))
        contacts = sa.table(table, sa.column("id"), sa.column("url"), sa.column("url_digest"))
        for row_id, url in bind.execute(sa.select(contacts.c.id, contacts.c.url)).all():
            bind.execute(
                contacts.update()
                .where(contacts.c.id == row_id)
                .values(url=seal(url), url_digest=digest(url))
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("url_digest", existing_type=sa.String(length=64), nullable=False)
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_{owner}_url"), type_="unique")
            batch_op.create_unique_constraint(
                batch_op.f(f"uq_{table}_{owner}_url_digest"), [owner, "url_digest"]
            )


def downgrade() -> None:
    bind = op.get_bind()
    for table, owner in TABLES:
        contacts = sa.table(table, sa.column("id"), sa.column("url"))
        for row_id, token in bind.execute(sa.select(contacts.c.id, contacts.c.url)).all():
            bind.execute(
                contacts.update().where(contacts.c.id == row_id).values(url=open_sealed(token))
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_{owner}_url_digest"), type_="unique")
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_{owner}_url"), [owner, "url"])
            batch_op.drop_column("url_digest")
