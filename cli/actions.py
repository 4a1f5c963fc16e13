"""`debates actions`: the tracked items of the follow-up (plan actions and commitments)."""

import json
from typing import Annotated

import typer

from cli.common import console, prepare_database
from cli.tables import titled_table


def actions(
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
    """List tracked items: what each answers, owner, deadline, status, progress, last update."""
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
