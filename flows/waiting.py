"""Waiting on people: suspend the flow run (no process held) until a step's input arrives.

The pause key is `<step>-<revision>-<attempt>`. Prefect refuses to suspend twice on one key and
hands back the input it received under it, so a replay walks through the same keys: rejected inputs
are rejected again (and change nothing), an accepted one is recorded once by the database's rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from pydantic import ValidationError

from flows.inputs import input_for, submission_of, visit_form
from models.clock import show
from models.csvfile import problems as field_problems
from models.cycle.stepflow import WaitingStep
from notifications.templating import template_environment

# Markdown for the Prefect UI, not HTML: no autoescape.
_templates = template_environment(Path(__file__).with_name("templates"), trim=False)


def describe(step: WaitingStep, problems: list[tuple[str, str]]) -> str:
    """The suspension's description (markdown): what is expected, from whom, by when, what failed."""
    return _templates.get_template("waiting.md.j2").render(
        step=step, due=show(step.due_at), problems=problems
    )


def pause_key(step: WaitingStep, attempt: int) -> str:
    return f"{step.name}-{step.revision}-{attempt}"


def form_for(step: WaitingStep) -> type[RunInput]:
    """The step's Resume form; a visit's starts from the items as they stand, and lists them."""
    if not step.items:
        return input_for(step.name)
    listing = _templates.get_template("visit_items.md.j2").render(items=step.items)
    return visit_form([item.as_update() for item in step.items], listing)


def wait_for_input(
    step: WaitingStep, attempt: int, problems: list[tuple[str, str]]
) -> tuple[int, dict[str, Any]]:
    """Suspend until input for `step` arrives; (attempt used, input as JSON-ready data).

    Input that does not fit the form (a bad date typed in the UI) suspends again on the same step
    with the errors in the description; it never fails the run. No timeout: deadlines are the
    reminder sweep's business, and a suspension timeout would fail the cycle for good.
    """
    form = form_for(step)
    while True:
        try:
            received = suspend_flow_run(
                wait_for_input=form.with_initial_data(description=describe(step, problems)),
                key=pause_key(step, attempt),
                timeout=None,
            )
        except ValidationError as exc:
            problems = field_problems(exc)
            attempt += 1
            continue
        return attempt, submission_of(received).model_dump(mode="json")
