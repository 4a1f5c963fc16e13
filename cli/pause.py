"""`debates pause`, `resume` and `extend`: deadlines that follow the field (insecurity, a road cut,
an election). They start without Prefect and change the database only; the cycles' artifacts are
published again when a Prefect server answers (services/refresh.py)."""

from typing import Annotated

import typer

from cli.common import console, prepare_database

CycleArg = Annotated[int | None, typer.Argument(help="Cycle id (see 'debates cycles')")]
RegionOpt = Annotated[
    str | None, typer.Option("--region", help="Every active cycle of this region (name or P-code)")
]


def pause(
    cycle: CycleArg = None,
    region: RegionOpt = None,
    reason: Annotated[
        str, typer.Option(help="Why (shown on the portfolio and kept in the audit)")
    ] = "",
) -> None:
    """Pause a cycle (or a region's): no reminder, overdue flag or escalation until resumed."""
    from models.settings import get_settings
    from services.pause import Target
    from services.pause import pause as pause_cycles

    target = Target(cycle, region)
    target.check("pause")
    if not reason.strip():
        from models.errors import InvalidInput

        raise InvalidInput('--reason: missing; say why, e.g. --reason "route coupée"')
    prepare_database()
    ids = pause_cycles(target, reason, who=get_settings().resolved_actor())
    if not ids:
        console.print(f"No active cycle to pause in {region}; nothing changed.", highlight=False)
        return
    listed = ", ".join(map(str, ids))
    console.print(f"[green]Paused {len(ids)} cycle(s): {listed}.[/]", highlight=False)


def resume(cycle: CycleArg = None, region: RegionOpt = None) -> None:
    """Resume a paused cycle (or a region's): every open deadline moves by the pause's length."""
    from models.settings import get_settings
    from services.pause import Target
    from services.pause import resume as resume_cycles

    target = Target(cycle, region)
    target.check("resume")
    prepare_database()
    done = resume_cycles(target, who=get_settings().resolved_actor())
    if not done:
        console.print(f"No paused cycle in {region}; nothing changed.", highlight=False)
        return
    for item in done:
        console.print(
            f"[green]Cycle {item.cycle_id} resumed[/]: {len(item.moved)} open step(s) moved by "
            f"{item.days} day(s).",
            highlight=False,
        )


def extend(
    cycle: Annotated[int, typer.Argument(help="Cycle id (see 'debates cycles')")],
    step: Annotated[str, typer.Argument(help="An open step: baseline, schedule, session-N, …")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail)")],
    days: Annotated[int | None, typer.Option(help="Move the step by this many days")] = None,
    to: Annotated[str | None, typer.Option(help="Move the step to this day (2027-03-01)")] = None,
) -> None:
    """Move an open step and the open steps after it by the same number of days."""
    from cli.common import parse_day
    from models.errors import InvalidInput
    from models.settings import get_settings
    from services.pause import extend as extend_step

    if (days is None) == (to is None):
        raise InvalidInput("--days / --to: give exactly one, e.g. --days 14 or --to 2027-03-01")
    if days is not None and days <= 0:
        raise InvalidInput(f"--days: {days}; give a number of days of 1 or more")
    day = parse_day(to, option="--to") if to is not None else None
    prepare_database()
    done = extend_step(
        cycle, step, days=days, to=day, reason=reason, who=get_settings().resolved_actor()
    )
    console.print(
        f"[green]Cycle {cycle}: {step} and {len(done.moved) - 1} later step(s) moved by "
        f"{done.days} day(s).[/]",
        highlight=False,
    )
