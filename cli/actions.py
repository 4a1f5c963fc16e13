"""`debates actions`: the tracked items of the follow-up (plan actions and commitments), and
`debates actions update`: one item's update between visits."""

import json
from typing import Annotated

import typer

from cli.common import console, prepare_database
from cli.tables import titled_table

app = typer.Typer()


@app.callback(invoke_without_command=True)
def actions(
    ctx: typer.Context,
    cycle: Annotated[int | None, typer.Option("--cycle", help="Only this cycle's items")] = None,
    commune: Annotated[
        str | None, typer.Option("--commune", help="Only this commune (name or P-code)")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Only this region (name or P-code)")
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open items past their deadline")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON list, for scripts")] = False,
) -> None:
    """List tracked items: what each answers, owner, deadline, status, progress, last update.
    'debates actions update' records one item's update between visits."""
    if ctx.invoked_subcommand is not None:
        return
    from models.clock import in_bamako, utcnow
    from models.db import session_scope
    from models.views.tracker import answers_text, tracked_items, tracker_rows

    prepare_database()
    today = in_bamako(utcnow()).date()
    with session_scope(readonly=True) as session:
        items = tracked_items(
            session, today=today, cycle_id=cycle, commune=commune, region=region, overdue=overdue
        )
        rows = tracker_rows(session, items, today)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = titled_table(
        f"{len(rows)} tracked item(s)",
        (
            "Cycle",
            "Commune",
            "#",
            "What",
            "Answers",
            "Owner",
            "Deadline",
            "Status",
            "%",
            "Last update",
        ),
    )
    for row in rows:
        late = " [red](late)[/]" if row["overdue"] else ""
        last = row["last_update"] or "—"
        if row["last_note"]:
            last = f"{last}: {row['last_note']}"
        table.add_row(
            str(row["cycle"]),
            row["commune"],
            str(row["item"]),
            row["what"],
            answers_text(row["answers"]) or "—",
            row["owner"] or f"— ({row['party']})",
            row["deadline"] + late,
            row["status"],
            str(row["progress"]),
            last,
        )
    console.print(table)


@app.command("update")
def update(
    cycle: Annotated[int, typer.Argument(help="Cycle id (see 'debates cycles')")],
    item: Annotated[int, typer.Argument(help="Item number in the cycle (see 'debates actions')")],
    note: Annotated[str, typer.Option("--note", help="What happened (dated today)")],
    status: Annotated[
        str | None, typer.Option("--status", help="planned, in_progress, done or dropped")
    ] = None,
    progress: Annotated[int | None, typer.Option("--progress", help="0-100")] = None,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="New deadline, YYYY-MM-DD")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="A name or an office (mayor …) of the roster")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it was dropped (with --status dropped)")
    ] = None,
) -> None:
    """Record one dated update of an item between visits; what is not given stays as it is."""
    from models.followup.updates import parse_item_change
    from models.settings import get_settings

    change = parse_item_change(
        {
            "status": status,
            "progress": progress,
            "deadline": deadline,
            "owner": owner,
            "note": note,
            "reason": reason,
        }
    )
    prepare_database()
    from services.items import update_item

    done = update_item(cycle, item, change, who=get_settings().resolved_actor())
    console.print(
        f"[green]Cycle {cycle}, item {item}: {done.status} {done.progress}%, "
        f"deadline {done.deadline}[/]; update recorded.",
        highlight=False,
    )
    if done.every_item_finished and done.next_visit is not None:
        console.print(
            f"Every item is done or dropped: the cycle closes at its next visit "
            f"('{done.next_visit}'), which rates the risk of violence and the trust.",
            highlight=False,
        )
