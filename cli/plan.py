"""`debates plan`: the steps and due dates the policy gives a cycle, without saving anything."""

from typing import Annotated

import typer

from cli.common import console, parse_day, prepare_database, today
from cli.tables import titled_table
from models.clock import show


def plan(
    commune: Annotated[str, typer.Option(help="Commune name (any spelling) or P-code")],
    start: Annotated[
        str | None, typer.Option(help="Launch date, e.g. 2026-03-02 (default: today)")
    ] = None,
) -> None:
    """Print the steps of a cycle and when each falls due (Africa/Bamako time)."""
    from models.cycle.plan import plan_cycle
    from models.db import session_scope
    from models.geography.places import resolve_commune
    from models.policy import current_policy

    start_on = parse_day(start, option="--start") if start else today()
    policy = current_policy()
    prepare_database()
    with session_scope() as session:
        place = resolve_commune(session, commune)
        label = place.label()
    table = titled_table(
        f"Cycle plan for {label}, launched {start_on}",
        ("#", "Stage", "Step", "What", "Owner", "Due (Bamako)"),
    )
    for step in plan_cycle(start_on, policy.cycle):
        table.add_row(
            str(step.position),
            step.stage.value,
            step.name,
            step.title,
            step.owner_role.value,
            show(step.due_at),
        )
    console.print(table)
