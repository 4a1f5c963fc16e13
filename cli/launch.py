"""`debates launch`: start debate cycles for a commune, a cercle or a region."""

from typing import Annotated

import typer

from cli.common import console, parse_day, prepare_database
from cli.tables import titled_table


def require_server(*, deployed: bool = False) -> str:
    """The Prefect server's API URL, or a one-line error that names it and the fix."""
    from models.settings import get_settings
    from orchestrator.server import require_server as find_server

    return find_server(get_settings().data_dir, deployed=deployed)


def launch(
    commune: Annotated[
        list[str] | None, typer.Option(help="Commune name (any spelling) or P-code; repeatable")
    ] = None,
    cercle: Annotated[str | None, typer.Option(help="Every commune of this cercle")] = None,
    region: Annotated[str | None, typer.Option(help="Every commune of this region")] = None,
    intercommunal: Annotated[
        bool,
        typer.Option(
            "--intercommunal",
            help="With --cercle: one cycle for the whole cercle, beside its communes' own cycles",
        ),
    ] = False,
    start: Annotated[str | None, typer.Option(help="Launch date, e.g. 2026-03-02")] = None,
    funder: Annotated[
        str | None,
        typer.Option(help="The funder or programme the cycles are reported under"),
    ] = None,
) -> None:
    """Launch a cycle per commune (skipping those with an active cycle) and start its flow run;
    with --cercle X --intercommunal, one cycle for the cercle.

    With no Prefect server answering, the cycles are recorded and matched all the same, and their
    flow runs start at the next reconcile (exit 0: what was asked is recorded)."""
    from pydantic import ValidationError
    from rich.progress import Progress

    from models.csvfile import problems
    from models.cycle.funder import clean_funder
    from models.cycle.launch import LaunchRequest
    from models.errors import InvalidInput
    from models.settings import get_settings
    from orchestrator.runs import CATCH_UP, ui_url
    from orchestrator.server import connect
    from services.launch import launch as launch_cycles

    try:
        request = LaunchRequest(
            communes=commune or [],
            cercle=cercle,
            region=region,
            intercommunal=intercommunal,
            start_on=parse_day(start, option="--start") if start else None,
            funder=clean_funder(funder),
        )
    except ValidationError as exc:
        raise InvalidInput("nothing was launched", problems(exc)) from exc
    prepare_database()
    connect(get_settings().data_dir)  # where the runs go; with no server there, they start later
    who = get_settings().resolved_actor()
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("Recording the cycles", total=None)

        def matching(cycles: int) -> None:
            progress.update(bar, description=f"Matching facilitators to {cycles} cycle(s)")

        def started() -> None:
            progress.update(bar, description="Starting flow runs")
            progress.advance(bar)

        launched = launch_cycles(request, who=who, matching=matching, progress=started)
    report, teams, runs = launched.report, launched.teams, launched.runs
    if report.launched:
        from notifications.phrases import worded

        locale = get_settings().locale
        table = titled_table(
            f"{len(report.launched)} cycle(s) launched",
            ("Cycle", "Commune", "P-code", "Team", "Flow run"),
        )
        for run in report.launched:
            team = teams.get(run.cycle_id)  # absent: a reconcile matched it meanwhile
            table.add_row(
                str(run.cycle_id),
                run.commune,
                run.commune_pcode,
                "matched by a reconcile meanwhile: see 'debates show'"
                if team is None
                else f"{team['lead']}, {team['co']}"
                if team["lead"] and team["co"]
                else f"[yellow]none: {worded(team['unassigned_reason'], locale)}[/]",
                ui_url(runs.get(run.cycle_id)) or run.run_name,
            )
        console.print(table)
    if intercommunal and report.skipped:  # the one cycle asked for: a refusal, not a skip
        from models.errors import ActiveCycleExists

        label, reason = report.skipped[0]
        raise ActiveCycleExists(
            f"{label} already has an {reason}; finish or cancel it before launching another "
            "(its communes' own cycles are not affected)"
        )
    if launched.runs_later is not None:
        console.print(
            f"Their flow runs are not started yet: {launched.runs_later}; {CATCH_UP}.",
            style="yellow",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    for label, reason in report.skipped:
        console.print(f"[yellow]Skipped[/] {label}: {reason}", highlight=False)
    if not report.launched:
        console.print("Nothing launched.")
