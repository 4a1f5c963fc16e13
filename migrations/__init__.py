"""Alembic migrations of the domain database, run from code (`debates db upgrade`, first use).

Every command checks the schema first, so that check must be cheap: a database at `HEAD` is
recognised with one query on alembic_version, and Alembic (~0.4 s of imports) is imported only to
upgrade, or when the database is at a revision this constant does not name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent

HEAD = "0015"
"""The newest revision in versions/; tests/models/test_migrations.py keeps it equal to Alembic's."""


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    """The head as Alembic reads it from versions/ (imports Alembic)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (alembic_version's row); None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        version: str | None = connection.scalar(text("SELECT version_num FROM alembic_version"))
        return version


def at_head(engine: Engine) -> bool:
    """True when the database needs no migration; Alembic is asked only when it is not at HEAD."""
    current = current_revision(engine)
    return current == HEAD or (current is not None and current == head_revision(engine))


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def ensure_current(engine: Engine) -> bool:
    """Upgrade a database that is behind head; True when something was applied."""
    if at_head(engine):
        return False
    upgrade(engine)
    return True
