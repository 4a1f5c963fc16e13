"""`debates cycles` and `debates show CYCLE`: where each cycle stands (--json for scripts)."""

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import console, prepare_database
from models.clock import show as show_time


def _with_url(summary: dict[str, Any]) -> dict[str, Any]:
    from models.settings import get_settings

    url = get_settings().flow_run_url(summary["flow_run_id"])
    return summary | {"flow_run_url": url or None}


def cycles(
    region: Annotated[str | None, typer.Option(help="Only this region (name or P-code)")] = None,
    active: Annotated[bool, typer.Option("--active", help="Only active cycles")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON list, for scripts")] = False,
) -> None:
    """List cycles: commune, stage, the step waited on and its due date, facilitators, flow run."""
    from models.cycle_view import cycle_summary, list_cycles
    from models.db import session_scope

    prepare_database()
    with session_scope(readonly=True) as session:
        rows = [
            _with_url(cycle_summary(c)) for c in list_cycles(session, region=region, active=active)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(rows)} cycle(s)", title_justify="left")
    for column in (
        "Id",
        "Commune",
        "P-code",
        "Status",
        "Waiting on",
        "Due (Bamako)",
        "Facilitators",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            f"{row['commune']} #{row['sequence']}",
            row["commune_pcode"] or row["cercle_pcode"],
            row["status"],
            row["waiting_step"] or "—",
            row["due_bamako"] or "—",
            ", ".join(row["facilitators"]) or "—",
        )
    console.print(table)


def show(
    cycle: Annotated[int, typer.Argument(help="Cycle id")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON object, for scripts")] = False,
) -> None:
    """One cycle: its steps with status and due date, facilitators, and the flow run's address."""
    from models.cycle import get_cycle
    from models.cycle_view import cycle_summary
    from models.db import session_scope
    from models.settings import get_settings
    from notifications.phrases import worded_team

    prepare_database()
    with session_scope(readonly=True) as session:
        data = _with_url(cycle_summary(get_cycle(session, cycle), with_steps=True))
    data["team"] = worded_team(data["team"], get_settings().locale)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console.print(
        f"[bold]Cycle {data['id']}[/]: {data['commune']} ({data['commune_pcode']}) "
        f"#{data['sequence']}, {data['status']}, launched {data['start_on']}",
        highlight=False,
    )
    if data["waiting_step"]:
        console.print(f"Waiting on [bold]{data['waiting_step']}[/], due {data['due_bamako']}")
    if data["close_reason"]:
        console.print(f"Reason: {data['close_reason']}", highlight=False)
    console.print(f"Flow run: {data['flow_run_url'] or data['flow_run_id'] or '—'}")
    team = data["team"]
    if team["lead"] or team["co"]:
        console.print(
            f"Team: [bold]{team['lead'] or '—'}[/] (lead), [bold]{team['co'] or '—'}[/] (co), "
            f"score {team['score']}",
            highlight=False,
        )
        console.print(f"  {team['explanation']}", highlight=False, soft_wrap=True)
    elif team["unassigned_reason"]:
        console.print(f"[yellow]No team:[/] {team['unassigned_reason']}", highlight=False)
    table = Table()
    for column in ("Step", "Stage", "What", "Status", "Due (Bamako)", "Facilitator"):
        table.add_column(column)
    for step in data["steps"]:
        from datetime import datetime

        table.add_row(
            step["name"],
            step["stage"],
            step["title"],
            step["status"],
            show_time(datetime.fromisoformat(step["due_at"])),
            step["facilitator"] or "—",
        )
    console.print(table)


def cancel(
    cycle: Annotated[int, typer.Argument(help="Cycle id")],
    reason: Annotated[str, typer.Option(help="Why the cycle stops (kept in the audit trail)")],
) -> None:
    """Stop a cycle for good: its open steps are cancelled and its flow run is cancelled."""
    from deployments.runs import cancel_runs, server_answers
    from deployments.server import NOT_ANSWERING_FIX, connect
    from models.clock import utcnow
    from models.cycle import get_cycle
    from models.db import session_scope
    from models.settings import get_settings
    from models.stepflow import cancel_cycle

    prepare_database()
    with session_scope() as session:
        changed = cancel_cycle(
            session, cycle, reason, actor=get_settings().resolved_actor(), now=utcnow()
        )
        flow_run_id = get_cycle(session, cycle).flow_run_id
    if not changed:
        console.print(f"Cycle {cycle} was not active; nothing changed.")
        return
    console.print(f"[green]Cycle {cycle} cancelled.[/]")
    if not flow_run_id:
        return
    api_url = connect(get_settings().data_dir)
    if not server_answers():
        console.print(
            f"[yellow]Its flow run is not cancelled: no Prefect server answers at {api_url}; "
            f"{NOT_ANSWERING_FIX}.[/]",
            highlight=False,
        )
        return
    cancel_runs([flow_run_id])
    console.print("Its flow run is cancelled.")
