"""`debates amend CYCLE STEP`: correct a recorded step, with the reason, through the step's schema."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, err_console, prepare_database


def amend(
    cycle: Annotated[int, typer.Argument(help="Cycle id (see 'debates cycles')")],
    step: Annotated[str, typer.Argument(help="baseline, schedule, minutes-N, plan, handover")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why the record is corrected (required)")
    ] = "",
    file: Annotated[Path | None, typer.Option("--file", help="YAML or JSON input")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="field=value, repeatable")] = None,
) -> None:
    """Correct a recorded step: new document revision, updated invitations; the run is untouched.

    --set fields are applied over the recorded input, so one field can be corrected alone.
    """
    from cli.step_input import read_input
    from models.cycle.amend import recorded_step
    from models.cycle.cycle import get_cycle
    from models.cycle.stepflow import parse_submission, schema_for
    from models.db import session_scope
    from models.errors import InvalidInput
    from models.settings import get_settings

    schema = schema_for(step)
    if not reason.strip():
        raise InvalidInput("an amendment needs a reason", [("--reason", "say why")])
    changes = read_input(file, set_ or [], schema)
    prepare_database()
    with session_scope(readonly=True) as session:
        _, recorded = recorded_step(session, get_cycle(session, cycle), step)
    base = recorded.model_dump(mode="json") if file is None else {}
    submission = parse_submission(step, base | changes)
    from services.amend import amend as correct

    done = correct(cycle, step, submission, reason=reason, who=get_settings().resolved_actor())
    if not done.changed:
        err_console.print(f"Cycle {cycle}: {step} already says this; nothing changed.")
        return
    console.print(f"[green]Cycle {cycle}: {step} amended.[/]", highlight=False)
    for path, (old, new) in done.amended.changes.items():
        shown = ("…", "…") if path.startswith("grievances") else (old, new)
        console.print(f"  {path}: {shown[0]} → {shown[1]}", highlight=False, markup=False)
    for path in done.documents:
        console.print(f"  document: {path}", highlight=False)
    if done.amended.moved_sessions:
        console.print(
            f"  invitations: {done.invitations_sent} sent, {done.invitations_failed} failed"
            " (the sweep retries)",
            highlight=False,
        )
