"""`debates submit CYCLE STEP`: record what people did, then resume the suspended flow run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from cli.common import console, err_console, prepare_database
from cli.serve import reconcile_now
from cli.templates import yaml_template
from deployments.runs import STALE, resume_cycle_run
from models.clock import utcnow
from models.cycle.cycle import get_cycle
from models.cycle.stepflow import apply_submission, parse_submission, schema_for
from models.db import session_scope
from models.errors import InvalidInput
from models.settings import get_settings
from models.stages.minutes import MinutesSubmission, withhold_sensitive


class _DatesAsText(yaml.SafeLoader):
    """YAML without date guessing: '2026-02-30' reaches the schema, which names the field."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_DatesAsText)


def read_input(path: Path | None, assignments: list[str]) -> dict[str, Any]:
    """The input from a YAML/JSON file, then `field=value` pairs (values read as YAML)."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise InvalidInput(f"--file {path}: no such file") from exc
        try:
            loaded = json.loads(text) if path.suffix == ".json" else _yaml(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise InvalidInput(f"--file {path} cannot be read: {exc}") from exc
        if not isinstance(loaded, dict):
            raise InvalidInput(f"--file {path} must hold one mapping of field: value")
        data.update(loaded)
    for item in assignments:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise InvalidInput(f"--set '{item}' is not field=value")
        data[field.strip()] = _yaml(value) if value.strip() else None
    if not data:
        raise InvalidInput("give the input with --file input.yaml or --set field=value")
    return data


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
    from deployments.server import connect

    connect(
        get_settings().data_dir
    )  # recorded either way: the run catches up when a server is back
    outcome = resume_cycle_run(flow_run_id, step, submission.model_dump(mode="json"))
    console.print(outcome, highlight=False)
    if outcome == STALE:
        reconcile_now()
