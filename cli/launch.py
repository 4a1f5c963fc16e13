"""`debates launch`: start debate cycles for a commune, a cercle or a region."""

from typing import Annotated

import typer
from rich.table import Table

from cli.common import console, parse_day, prepare_database
from models.errors import DomainError


class PrefectDown(DomainError):
    pass


def require_server(*, deployed: bool = False) -> str:
    """Find the Prefect server (PREFECT_API_URL, else the one 'debates up' recorded) and refuse
    early, before anything is recorded, when the flow runs could not be created; its API URL."""
    from deployments.runs import deployment_id
    from deployments.server import NOT_ANSWERING_FIX, answers, connect
    from models.settings import get_settings

    api_url = connect(get_settings().data_dir)
    if not answers(api_url):
        raise PrefectDown(f"no Prefect server answers at {api_url}; {NOT_ANSWERING_FIX}")
    if deployed:
        deployment_id()
    return api_url


def launch(
    commune: Annotated[
        list[str] | None, typer.Option(help="Commune name (any spelling) or P-code; repeatable")
    ] = None,
    cercle: Annotated[str | None, typer.Option(help="Every commune of this cercle")] = None,
    region: Annotated[str | None, typer.Option(help="Every commune of this region")] = None,
    start: Annotated[str | None, typer.Option(help="Launch date, e.g. 2026-03-02")] = None,
) -> None:
    """Launch a cycle per commune (skipping those with an active cycle) and start its flow run."""
    from rich.progress import Progress

    from deployments.runs import ui_url
    from models.launch import LaunchRequest
    from models.settings import get_settings
    from tasks.assignment import assign_teams_now
    from tasks.launch import record_launches_now, start_runs_now

    request = LaunchRequest(
        communes=commune or [],
        cercle=cercle,
        region=region,
        start_on=parse_day(start, option="--start") if start else None,
    )
    prepare_database()
    require_server(deployed=True)
    who = get_settings().resolved_actor()
    report = record_launches_now(request, who=who)
    with console.status(f"Matching facilitators to {len(report.launched)} cycle(s)"):
        teams = {
            t["cycle_id"]: t
            for t in assign_teams_now([r.cycle_id for r in report.launched], who=who)
        }
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("Starting flow runs", total=len(report.launched))
        runs = start_runs_now(
            report.launched, reason="launch", who=who, progress=lambda: progress.advance(bar)
        )
    if report.launched:
        from notifications.phrases import worded

        locale = get_settings().locale
        table = Table(title=f"{len(report.launched)} cycle(s) launched", title_justify="left")
        for column in ("Cycle", "Commune", "P-code", "Team", "Flow run"):
            table.add_column(column)
        for run in report.launched:
            team = teams[run.cycle_id]
            table.add_row(
                str(run.cycle_id),
                run.commune,
                run.commune_pcode,
                f"{team['lead']}, {team['co']}"
                if team["lead"] and team["co"]
                else f"[yellow]none: {worded(team['unassigned_reason'], locale)}[/]",
                ui_url(runs.get(run.cycle_id)) or run.run_name,
            )
        console.print(table)
    for label, reason in report.skipped:
        console.print(f"[yellow]Skipped[/] {label}: {reason}", highlight=False)
    if not report.launched:
        console.print("Nothing launched.")
