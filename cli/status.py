"""`debates status`: the portfolio of active cycles in the terminal, as the Prefect UI's table shows it."""

import json
from typing import Annotated

import typer
from rich.text import Text

from cli.common import console, prepare_database
from cli.tables import titled_table
from models.clock import show, utcnow


def status(
    region: Annotated[
        str | None, typer.Option(help="Only this region (name, any spelling, or P-code)")
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only cycles with an overdue step")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON rows instead of a table")
    ] = False,
) -> None:
    """Where every active cycle stands: stage, waiting step, next due date, days overdue."""
    from models.db import session_scope
    from models.views.portfolio import portfolio

    prepare_database()
    now = utcnow()
    with session_scope(readonly=True) as session:
        rows = portfolio(session, now=now, region=region, overdue_only=overdue)
    if as_json:
        typer.echo(json.dumps([row.as_record() for row in rows], ensure_ascii=False, indent=2))
        return
    title = (
        f"Active cycles{f' in {region}' if region else ''}{' (overdue only)' if overdue else ''}"
    )
    table = titled_table(
        f"{title}, {show(now)} Bamako",
        ("Region", "Cercle", "Commune", "Cycle", "Stage", "Waiting on", "Due (Bamako)"),
        right=("Overdue", "Steps"),
    )
    for row in rows:
        late = Text(f"{row.overdue_days} d", style="bold red") if row.overdue else Text("-")
        if row.paused_since is not None:
            late = Text(
                f"paused since {show(row.paused_since)}: {row.paused_reason}", style="yellow"
            )
        table.add_row(
            row.region,
            row.cercle,
            f"{row.area} ({row.area_pcode})",
            f"#{row.sequence} (id {row.cycle_id})",
            row.stage or "-",
            row.waiting_step or "-",
            show(row.next_due) if row.next_due else "-",
            late,
            f"{row.steps_done}/{row.steps_total}",
        )
    if not rows:
        console.print("No active cycle matches." if region or overdue else "No active cycle.")
        return
    console.print(table)
    late_count = sum(1 for row in rows if row.overdue)
    paused = sum(1 for row in rows if row.paused)
    console.print(
        f"{len(rows)} active cycle(s), {late_count} overdue"
        + (f", {paused} paused (listed last)." if paused else ".")
    )
