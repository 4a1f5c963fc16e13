"""What every command shares: the console, the database on first use, dates typed by people."""

from __future__ import annotations

from datetime import date, datetime

from rich.console import Console

from models.clock import BAMAKO, require_aware, utcnow
from models.errors import DomainError, InvalidInput

# No :emoji: codes: we print data (commune names, notes), never meant as emoji, and the code
# table alone is ~0.5 % of a database command's start.
console = Console(emoji=False)
err_console = Console(stderr=True, soft_wrap=True, emoji=False)


class NotMigrated(DomainError):
    pass


def prepare_database() -> None:
    """Upgrade the embedded SQLite database on first use; a server database must be upgraded on purpose."""
    from sqlalchemy.engine import make_url

    import migrations
    from models.db import get_engine
    from models.settings import get_settings

    settings = get_settings()
    engine = get_engine()
    if migrations.at_head(engine):
        return
    if settings.database_url is None or make_url(engine.url).get_backend_name() == "sqlite":
        migrations.upgrade(engine)
        return
    raise NotMigrated(
        f"the database at {engine.url.render_as_string(hide_password=True)} is not at the latest "
        "schema; run 'debates db upgrade' first"
    )


def parse_day(text: str, *, option: str) -> date:
    """A calendar day as people type it: 2026-03-14 (or a tz-aware date-time, read in Bamako)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{option}: '{text}' is not a date; write it as 2026-03-14") from exc
    aware = require_aware(
        moment,
        field=option,
        typed=text,
        fix=f"write a date (2026-03-14) or add one ({text}+00:00, Bamako time)",
    )
    return aware.astimezone(BAMAKO).date()


def today() -> date:
    return utcnow().astimezone(BAMAKO).date()
