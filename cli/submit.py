"""`debates submit CYCLE STEP`: record what people did, then resume the suspended flow run."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, err_console, prepare_database
from models.clock import utcnow


def submit(
    cycle: Annotated[int, typer.Argument(help="Cycle id (see 'debates cycles')")],
    step: Annotated[
        str, typer.Argument(help="baseline, schedule, session-N, minutes-N, plan, handover")
    ],
    file: Annotated[Path | None, typer.Option("--file", help="YAML or JSON input")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="field=value, repeatable")] = None,
    template: Annotated[
        bool, typer.Option("--template", help="Print a commented YAML skeleton and exit")
    ] = False,
) -> None:
    """Validate a step's input, record it, and resume the cycle's suspended flow run."""
    from cli.step_input import read_input
    from cli.templates import yaml_template
    from models.cycle import get_cycle
    from models.db import session_scope
    from models.minutes import MinutesSubmission, withhold_sensitive
    from models.settings import get_settings
    from models.stepflow import apply_submission, parse_submission, schema_for

    schema = schema_for(step)
    if template:
        typer.echo(yaml_template(schema, step), nl=False)
        return
    submission = parse_submission(step, read_input(file, set_ or []))
    prepare_database()
    with session_scope() as session:
        recorded = apply_submission(
            session,
            cycle,
            step,
            submission,
            actor=get_settings().resolved_actor(),
            now=utcnow(),
        )
        flow_run_id = get_cycle(session, cycle).flow_run_id
    if not recorded.created:
        err_console.print(f"Cycle {cycle}: {recorded.summary}; nothing changed.")
        return
    console.print(f"[green]Cycle {cycle}: {recorded.summary}.[/]", highlight=False)
    if isinstance(submission, MinutesSubmission):  # recorded in full above; Prefect gets no secret
        submission = withhold_sensitive(submission)
    # Prefect only now: --template and input errors answer without its second of imports.
    from cli.serve import reconcile_now
    from deployments.runs import STALE, resume_cycle_run
    from deployments.server import connect

    connect(
        get_settings().data_dir
    )  # recorded either way: the run catches up when a server is back
    outcome = resume_cycle_run(flow_run_id, step, submission.model_dump(mode="json"))
    console.print(outcome, highlight=False)
    if outcome == STALE:
        reconcile_now()
