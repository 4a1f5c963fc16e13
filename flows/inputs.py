"""The Resume forms of the Prefect UI: one RunInput per human step, built on the domain's schemas.

Each class inherits the fields, descriptions and validators of the schema the CLI uses, so the form
shows the same fields with the same (French / English) descriptions.
"""

from __future__ import annotations

from prefect.input import RunInput

from models.cycle.stepflow import schema_for
from models.stages.baseline import BaselineSubmission
from models.stages.follow_up import VisitSubmission
from models.stages.minutes import MinutesSubmission
from models.stages.safety_plan import HandoverSubmission, SafetyPlanSubmission
from models.stages.sessions import ScheduleSubmission, SessionOutcome


class BaselineInput(RunInput, BaselineSubmission):
    pass


class ScheduleInput(RunInput, ScheduleSubmission):
    pass


class SessionOutcomeInput(RunInput, SessionOutcome):
    pass


class MinutesInput(RunInput, MinutesSubmission):
    pass


class SafetyPlanInput(RunInput, SafetyPlanSubmission):
    pass


class HandoverInput(RunInput, HandoverSubmission):
    pass


class VisitInput(RunInput, VisitSubmission):
    pass


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
