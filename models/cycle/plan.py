"""The cycle plan: launch date + policy -> the steps and their due dates. Pure functions only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from models.clock import BAMAKO
from models.cycle.steps import BASELINE, HANDOVER, PLAN, SCHEDULE, OwnerRole, Stage, StepName
from models.policy import CyclePolicy

STAGE_ORDER = list(Stage)
__all__ = ["STAGE_ORDER", "OwnerRole", "PlannedStep", "Stage", "plan_cycle"]


@dataclass(frozen=True)
class PlannedStep:
    position: int
    stage: Stage
    name: str
    title: str
    owner_role: OwnerRole
    due_at: datetime
    session_number: int | None = None


def plan_cycle(start_on: date, policy: CyclePolicy) -> list[PlannedStep]:
    """Every step of a cycle launched on `start_on`, in the order they fall due."""
    baseline = start_on + timedelta(days=policy.baseline_days)
    schedule = baseline + timedelta(days=policy.scheduling_days)
    first_session = schedule + timedelta(days=policy.first_session_after_days)
    raw: list[tuple[date, StepName]] = [(baseline, BASELINE), (schedule, SCHEDULE)]
    last_minutes = schedule
    for number in range(1, policy.debate_sessions + 1):
        held = first_session + timedelta(days=(number - 1) * policy.session_interval_days)
        minutes = held + timedelta(days=policy.minutes_due_days)
        last_minutes = max(last_minutes, minutes)
        raw.append((held, StepName.session(number)))
        raw.append((minutes, StepName.minutes(number)))
    plan_day = last_minutes + timedelta(days=policy.plan_drafting_days)
    raw.append((plan_day, PLAN))
    raw.append((plan_day + timedelta(days=policy.handover_days), HANDOVER))
    ordered = sorted(enumerate(raw), key=lambda item: (item[1][0], item[0]))
    return [
        PlannedStep(
            position,
            name.stage,
            str(name),
            name.title,
            name.owner_role,
            _due(day, policy),
            name.number,
        )
        for position, (_index, (day, name)) in enumerate(ordered, start=1)
    ]


def _due(day: date, policy: CyclePolicy) -> datetime:
    return datetime.combine(day, policy.due_time, tzinfo=BAMAKO)
