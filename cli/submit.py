"""`debates submit CYCLE STEP`: record what people did, then resume the suspended flow run."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import console, err_console, prepare_database

if TYPE_CHECKING:
    from models.followup.items import ItemState
    from models.stages.answers import GrievanceShown


def submit(
    cycle: Annotated[int, typer.Argument(help="Cycle id (see 'debates cycles')")],
    step: Annotated[
        str,
        typer.Argument(help="baseline, schedule, session-N, minutes-N, plan, handover, visit-N"),
    ],
    file: Annotated[Path | None, typer.Option("--file", help="YAML or JSON input")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="field=value, repeatable")] = None,
    template: Annotated[
        bool, typer.Option("--template", help="Print a commented YAML skeleton and exit")
    ] = False,
) -> None:
    """Validate a step's input, record it, and resume the cycle's suspended flow run."""
    from cli.step_input import read_input
    from cli.templates import plan_template, visit_template, yaml_template
    from models.cycle.stepflow import parse_submission, schema_for
    from models.cycle.steps import StepKind, StepName
    from models.settings import get_settings

    schema = schema_for(step)
    if template and StepName.parse(step).kind is StepKind.VISIT:
        typer.echo(visit_template(schema, step, _items(cycle)), nl=False)
        return
    if template and StepName.parse(step).kind is StepKind.PLAN:
        typer.echo(plan_template(schema, step, _grievances(cycle)), nl=False)
        return
    if template:
        typer.echo(yaml_template(schema, step), nl=False)
        return
    submission = parse_submission(step, read_input(file, set_ or [], schema))
    prepare_database()
    # Prefect only now: --template and input errors answer without its second of imports.
    from cli.repairs import show_restarted
    from services.submit import submit as record_and_resume

    done = record_and_resume(cycle, step, submission, who=get_settings().resolved_actor())
    if not done.created and done.resumed is not None:
        console.print(
            f"Cycle {cycle}: {done.summary}; its flow run still waited on it: {done.resumed}.",
            highlight=False,
        )
        return
    if not done.created:
        err_console.print(f"Cycle {cycle}: {done.summary}; nothing changed.")
        return
    console.print(f"[green]Cycle {cycle}: {done.summary}.[/]", highlight=False)
    console.print(done.resumed, highlight=False, markup=False, soft_wrap=True)
    if done.restarted is not None:
        show_restarted(done.restarted)


def _items(cycle_id: int) -> "tuple[ItemState, ...]":
    """The cycle's tracked items as they stand (a visit's template lists them)."""
    from models.cycle.cycle import get_cycle
    from models.db import session_scope
    from models.followup.items import item_states

    prepare_database()
    with session_scope() as session:
        get_cycle(session, cycle_id)  # a cycle that does not exist is named
        return item_states(session, cycle_id)


def _grievances(cycle_id: int) -> "tuple[GrievanceShown, ...]":
    """The grievances of the cycle's minutes, as a plan's actions name them (a plan's template)."""
    from models.cycle.cycle import get_cycle
    from models.db import session_scope
    from models.stages.answers import reference_order, shown_grievances

    prepare_database()
    with session_scope() as session:
        get_cycle(session, cycle_id)  # a cycle that does not exist is named
        shown = shown_grievances(session, [cycle_id]).values()
        return tuple(sorted(shown, key=lambda g: reference_order(g.reference)))
