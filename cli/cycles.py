"""`debates cycles` and `debates show CYCLE`: where each cycle stands (--json for scripts)."""

import json
from typing import Annotated, Any

import typer

from cli.common import console, prepare_database
from cli.tables import titled_table
from models.clock import show as show_time


def _ui_base() -> str:
    """PREFECT_UI_URL / PREFECT_API_URL when set, else the server 'debates up' recorded; read
    without Prefect, which these database commands never import."""
    from models.settings import get_settings
    from orchestrator.server import recorded_api_url

    settings = get_settings()
    return settings.ui_base() or (recorded_api_url(settings.data_dir) or "").removesuffix("/api")


def _with_url(summary: dict[str, Any], ui_base: str) -> dict[str, Any]:
    from models.settings import flow_run_url

    return summary | {"flow_run_url": flow_run_url(ui_base, summary["flow_run_id"]) or None}


def cycles(
    region: Annotated[str | None, typer.Option(help="Only this region (name or P-code)")] = None,
    active: Annotated[bool, typer.Option("--active", help="Only active cycles")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON list, for scripts")] = False,
) -> None:
    """List cycles: commune, stage, the step waited on and its due date, facilitators, flow run."""
    from models.cycle.pause import open_pauses
    from models.db import session_scope
    from models.views.cycle_view import cycle_summary, list_cycles

    prepare_database()
    base = _ui_base()
    with session_scope(readonly=True) as session:
        listed = list_cycles(session, region=region, active=active)
        pauses = open_pauses(session, [c.id for c in listed])
        rows = [_with_url(cycle_summary(c, pauses=pauses), base) for c in listed]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = titled_table(
        f"{len(rows)} cycle(s)",
        ("Id", "Commune", "P-code", "Status", "Waiting on", "Due (Bamako)", "Facilitators"),
    )
    for row in rows:
        table.add_row(
            str(row["id"]),
            f"{row['commune']} #{row['sequence']}",
            row["commune_pcode"] or row["cercle_pcode"],
            "paused" if row["paused"] else row["status"],
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
    from models.cycle.cycle import get_cycle
    from models.db import session_scope
    from models.settings import get_settings
    from models.views.cycle_view import cycle_summary
    from notifications.phrases import worded_team

    prepare_database()
    with session_scope(readonly=True) as session:
        data = _with_url(cycle_summary(get_cycle(session, cycle), with_steps=True), _ui_base())
    data["team"] = worded_team(data["team"], get_settings().locale)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console.print(
        f"[bold]Cycle {data['id']}[/]: {data['commune']} "
        f"({data['commune_pcode'] or data['cercle_pcode']}) "
        f"#{data['sequence']}, {data['status']}, launched {data['start_on']}",
        highlight=False,
    )
    if data["waiting_step"]:
        console.print(f"Waiting on [bold]{data['waiting_step']}[/], due {data['due_bamako']}")
    if data["paused"]:
        paused = data["paused"]
        console.print(
            f"[yellow]Paused since {paused['since_bamako']}[/]: {paused['reason']} "
            f"(nothing is chased; 'debates resume {data['id']}' resumes it)",
            highlight=False,
        )
    if data["close_reason"]:
        console.print(f"Reason: {data['close_reason']}", highlight=False)
    if data["sensitive_to_record"]:
        to_record = data["sensitive_to_record"]
        console.print(
            f"[yellow]{len(to_record)} sensitive grievance(s) to record[/] "
            f"({', '.join(to_record)}): counted in the Prefect form, their text is not recorded; "
            f"'debates amend {data['id']} minutes-N --file … --reason …' or the field form",
            highlight=False,
        )
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
    table = titled_table(None, ("Step", "Stage", "What", "Status", "Due (Bamako)", "Facilitator"))
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
    from models.settings import get_settings
    from services.cancel import cancel as cancel_cycle

    prepare_database()
    done = cancel_cycle(cycle, reason, who=get_settings().resolved_actor())
    if not done.changed:
        console.print(f"Cycle {cycle} was not active; nothing changed.")
        return
    console.print(f"[green]Cycle {cycle} cancelled.[/]")
    if done.run_note is not None:
        style = "" if done.run_cancelled else "yellow"
        console.print(done.run_note, style=style, highlight=False, markup=False, soft_wrap=True)
