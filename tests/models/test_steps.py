"""Step names: one vocabulary that formats to the stored text and parses it back."""

from __future__ import annotations

from datetime import date

import pytest

from models.cycle.plan import plan_cycle
from models.cycle.stepflow import SCHEMAS
from models.cycle.steps import BASELINE, HANDOVER, Stage, StepKind, StepName
from models.errors import DomainError
from models.policy import CyclePolicy

EVERY_FORM = ["baseline", "schedule", "session-1", "minutes-1", "session-12", "plan", "handover"]


@pytest.mark.parametrize("text", EVERY_FORM)
def test_a_step_name_reads_back_as_the_text_it_was_stored_as(text: str) -> None:
    assert str(StepName.parse(text)) == text


def test_every_kind_round_trips_and_has_a_submission_schema() -> None:
    for kind in StepKind:
        name = StepName(kind, 3 if kind.numbered else None)
        assert StepName.parse(str(name)) == name
        assert kind in SCHEMAS


@pytest.mark.parametrize(
    "text", ["", "session", "session-0", "session-01", "session-x", "plan-1", "Baseline", "visit-0"]
)
def test_a_text_of_no_step_is_refused_naming_it_and_the_forms_allowed(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        StepName.parse(text)
    assert str(caught.value) == (
        f"Unknown step '{text}'; steps are baseline, schedule, session-N, minutes-N, plan, handover, visit-N"
    )


def test_names_sort_in_the_default_plans_order() -> None:
    planned = [StepName.parse(s.name) for s in plan_cycle(date(2026, 3, 2), CyclePolicy())]
    assert sorted(reversed(planned)) == planned
    assert StepName.minutes(1) < StepName.session(2) < StepName.minutes(2) < StepName.minutes(10)
    assert BASELINE < HANDOVER


def test_a_name_knows_its_stage_owner_and_title() -> None:
    minutes = StepName.parse("minutes-2")
    assert (minutes.kind, minutes.number, minutes.stage) == (StepKind.MINUTES, 2, Stage.MINUTES)
    assert minutes.owner_role == "facilitator"
    assert minutes.title == "Procès-verbal du débat n° 2"
    assert HANDOVER.stage is Stage.HANDOVER and HANDOVER.owner_role == "coordinator"


def test_a_numbered_kind_needs_a_number_and_the_others_take_none() -> None:
    with pytest.raises(DomainError, match="needs a number"):
        StepName(StepKind.SESSION)
    with pytest.raises(DomainError, match="takes no number"):
        StepName(StepKind.PLAN, 1)
