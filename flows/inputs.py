"""The Resume forms of the Prefect UI: one RunInput per human step, built on the domain's schemas.

Each class inherits the fields, descriptions and validators of the schema the CLI uses, so the form
shows the same fields with the same (French / English) descriptions. The minutes are the exception:
their form (`MinutesForm`) counts sensitive grievances instead of taking their text, which Prefect's
database would keep; `submission_of` turns what it received into the minutes to record.
"""

from __future__ import annotations

from typing import Any

from prefect.input import RunInput
from pydantic import BaseModel, Field, create_model

from models.cycle.stepflow import schema_for
from models.stages.baseline import BaselineSubmission
from models.stages.follow_up import ItemUpdateIn, VisitSubmission
from models.stages.minutes import MinutesSubmission
from models.stages.minutes_form import MinutesForm
from models.stages.safety_plan import HandoverSubmission, SafetyPlanSubmission
from models.stages.sessions import ScheduleSubmission, SessionOutcome


class BaselineInput(RunInput, BaselineSubmission):
    pass


class ScheduleInput(RunInput, ScheduleSubmission):
    pass


class SessionOutcomeInput(RunInput, SessionOutcome):
    pass


class MinutesInput(RunInput, MinutesForm):
    pass


class SafetyPlanInput(RunInput, SafetyPlanSubmission):
    pass


class HandoverInput(RunInput, HandoverSubmission):
    pass


class VisitInput(RunInput, VisitSubmission):
    pass


def visit_form(entries: list[dict[str, Any]], listing: str) -> type[RunInput]:
    """A visit's Resume form: `items` starts from `entries` (each tracked item as it stands) and is
    described by `listing` (each item: what, owner, deadline, current status).

    The field's description is where the Prefect UI (3.9) shows the items: `with_initial_data`
    would drop it, and the Resume dialog squeezes the suspension's own description to nothing
    under a form this long."""
    return create_model(
        VisitInput.__name__,
        __base__=VisitInput,
        items=(
            list[ItemUpdateIn],
            Field(default=entries, description=listing, validate_default=True),
        ),
    )


_BY_SCHEMA: dict[type, type[RunInput]] = {
    BaselineSubmission: BaselineInput,
    ScheduleSubmission: ScheduleInput,
    SessionOutcome: SessionOutcomeInput,
    MinutesSubmission: MinutesInput,
    SafetyPlanSubmission: SafetyPlanInput,
    HandoverSubmission: HandoverInput,
    VisitSubmission: VisitInput,
}


def input_for(step_name: str) -> type[RunInput]:
    """The Resume form of a step."""
    return _BY_SCHEMA[schema_for(step_name)]


def submission_of(received: RunInput) -> BaseModel:
    """The step's input to record from what its form received: the minutes' form gives the minutes
    with a row to record per sensitive grievance it counted; any other form is its step's input."""
    return received.as_submission() if isinstance(received, MinutesForm) else received
