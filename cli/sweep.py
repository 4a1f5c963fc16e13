"""`debates sweep`: run the reminder sweep now, or see what it would send (--dry-run)."""

from datetime import datetime
from typing import Annotated

import typer

from cli.common import console, prepare_database
from cli.tables import titled_table
from models.clock import BAMAKO, require_aware, show, utcnow
from models.errors import InvalidInput


def parse_moment(text: str | None) -> datetime:
    """A moment as people type it: 2026-03-14T09:00+00:00, or a date (read as 08:00 in Bamako)."""
    if text is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"--now: '{text}' is not a date-time; write it as 2026-03-14T09:00+00:00"
        ) from exc
    if len(text) == 10:
        moment = moment.replace(hour=8, tzinfo=BAMAKO)
    return require_aware(
        moment, field="--now", typed=text, fix=f"add one ({text}+00:00, Bamako time)"
    )


def sweep(
    now: Annotated[
        str | None,
        typer.Option(
            "--now", help="Sweep as if it were this moment (ISO, e.g. 2026-03-14T09:00+00:00)"
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be sent; write and send nothing")
    ] = False,
) -> None:
    """Flag overdue steps and send due reminders and escalations, each exactly once."""
    prepare_database()
    moment = parse_moment(now)
    if dry_run:
        from notifications.sweep import preview
        from tasks.sweep import reminder_policy

        planned, rows = preview(moment, reminder_policy())
        columns = ("rule", "to", "channel", "area", "step", "due")
        table = titled_table(f"Would send at {show(moment)} Bamako", columns)
        for row in rows:
            table.add_row(*(row[c] for c in columns))
        console.print(table)
        console.print(
            f"{len(rows)} notifications would be sent; {planned.deferred_quiet} wait for the end "
            f"of quiet hours; {planned.without_channel} recipients have no channel. "
            "Nothing was written or sent."
        )
        return
    from cli.launch import require_server

    require_server()  # the sweep is a flow run: without a server Prefect would start a throwaway one
    from flows.reminder_sweep import reminder_sweep

    result = reminder_sweep(now=moment)
    console.print(
        f"Sweep at {show(moment)} Bamako: {result['newly_overdue']} steps newly overdue, "
        f"{result['sent']} notifications sent, {result['failed']} failed (retried later), "
        f"{result['overdue']} steps overdue in all."
    )
    if repaired := {kind: n for kind, n in result["repaired"].items() if n}:
        said = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in repaired.items())
        console.print(f"Reconciled: {said}.")
