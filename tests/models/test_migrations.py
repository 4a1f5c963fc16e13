"""The migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import migrations
from models import db
from models.tables import metadata


def test_migrations_from_empty_to_head_match_the_models(backend: str, fresh_database) -> None:  # type: ignore[no-untyped-def]
    engine = db.engine_for(fresh_database(backend))
    assert migrations.current_revision(engine) is None
    migrations.upgrade(engine)
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_downgrade_to_base_removes_every_table(backend: str, fresh_database) -> None:  # type: ignore[no-untyped-def]
    engine = db.engine_for(fresh_database(backend))
    migrations.upgrade(engine)
    from alembic import command

    command.downgrade(migrations.alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrations.ensure_current(engine) is True
    assert migrations.ensure_current(engine) is False


def test_the_head_constant_is_alembics_head(fresh_database) -> None:  # type: ignore[no-untyped-def]
    # Every command trusts migrations.HEAD to skip Alembic; a new migration must move it too.
    engine = db.engine_for(fresh_database("sqlite"))
    assert migrations.head_revision(engine) == migrations.HEAD


def test_at_head_reads_the_revision_without_alembic(backend: str, fresh_database) -> None:  # type: ignore[no-untyped-def]
    engine = db.engine_for(fresh_database(backend))
    assert migrations.at_head(engine) is False
    migrations.upgrade(engine, "0004")
    assert migrations.current_revision(engine) == "0004"
    assert migrations.at_head(engine) is False
    migrations.upgrade(engine)
    assert migrations.at_head(engine) is True
