"""Alembic environment: the engine comes from the caller (migrations.alembic_config), never a URL here.

On SQLite a batch migration recreates a table (copy, drop, rename). With foreign keys enforced, the
drop would cascade to the rows that reference it (dropping `steps` deletes every notification), so
they are off while migrations run, as SQLite's own ALTER TABLE procedure says, then on again.
"""

from __future__ import annotations

from alembic import context

from models.tables import metadata

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.dbapi_connection
    if sqlite and raw is not None:  # on the driver, before any BEGIN: SQLite ignores it inside one
        raw.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if sqlite and raw is not None:
        raw.execute("PRAGMA foreign_keys=ON")
