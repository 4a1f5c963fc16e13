"""`debates history CYCLE`: the cycle's audit trail in words, newest first."""

import json
from typing import Annotated

import typer

from cli.common import console, prepare_database


def history(
    cycle: Annotated[int, typer.Argument(help="Cycle id (see 'debates cycles')")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array of events")] = False,
) -> None:
    """What happened to a cycle: when (Bamako time), who, through what, what; newest first."""
    from cli.tables import titled_table
    from models.cycle.cycle import get_cycle
    from models.db import session_scope
    from models.settings import get_settings
    from notifications.history import as_json as entries_json
    from notifications.history import column_names
    from notifications.history import history as cycle_history

    prepare_database()
    locale = get_settings().locale
    with session_scope(readonly=True) as session:
        label = get_cycle(session, cycle).label
        entries = cycle_history(session, cycle, locale=locale)
    if as_json:
        typer.echo(json.dumps(entries_json(entries), ensure_ascii=False, indent=2))
        return
    table = titled_table(label, column_names(locale))
    for entry in entries:
        table.add_row(entry.at[:16].replace("T", " "), entry.actor, entry.channel, entry.what)
    console.print(table)
