"""The cycle plan: launch date + policy -> the steps and their due dates. Pure functions only."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from models.clock import BAMAKO
from models.policy import CyclePolicy


class Stage(enum.StrEnum):
    BASELINE = "baseline"
    SCHEDULING = "scheduling"
    FACILITATION = "facilitation"
    MINUTES = "minutes"
    HANDOVER = "handover"


STAGE_ORDER = list(Stage)


class OwnerRole(enum.StrEnum):
    COORDINATOR = "coordinator"
    FACILITATOR = "facilitator"


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
    raw: list[tuple[date, Stage, str, str, OwnerRole, int | None]] = [
        (
            baseline,
            Stage.BASELINE,
            "baseline",
            "Étude de base (diagnostic local de sécurité)",
            OwnerRole.COORDINATOR,
            None,
        ),
        (
            schedule,
            Stage.SCHEDULING,
            "schedule",
            "Programmer les débats et affecter les facilitateurs",
            OwnerRole.COORDINATOR,
            None,
        ),
    ]
    last_minutes = schedule
    for number in range(1, policy.debate_sessions + 1):
        held = first_session + timedelta(days=(number - 1) * policy.session_interval_days)
        minutes = held + timedelta(days=policy.minutes_due_days)
        last_minutes = max(last_minutes, minutes)
        raw.append(
            (
                held,
                Stage.FACILITATION,
                f"session-{number}",
                f"Tenir le débat n° {number}",
                OwnerRole.FACILITATOR,
                number,
            )
        )
        raw.append(
            (
                minutes,
                Stage.MINUTES,
                f"minutes-{number}",
                f"Procès-verbal du débat n° {number}",
                OwnerRole.FACILITATOR,
                number,
            )
        )
    plan_day = last_minutes + timedelta(days=policy.plan_drafting_days)
    raw.append(
        (
            plan_day,
            Stage.HANDOVER,
            "plan",
            "Rédiger et valider le plan local de sécurité",
            OwnerRole.COORDINATOR,
            None,
        )
    )
    raw.append(
        (
            plan_day + timedelta(days=policy.handover_days),
            Stage.HANDOVER,
            "handover",
            "Remettre le plan local de sécurité au maire",
            OwnerRole.COORDINATOR,
            None,
        )
    )
    ordered = sorted(enumerate(raw), key=lambda item: (item[1][0], item[0]))
    return [
        PlannedStep(position, stage, name, title, owner, _due(day, policy), number)
        for position, (_index, (day, stage, name, title, owner, number)) in enumerate(
            ordered, start=1
        )
    ]


def _due(day: date, policy: CyclePolicy) -> datetime:
    return datetime.combine(day, policy.due_time, tzinfo=BAMAKO)


def postpone_session(
    steps: list[PlannedStep], session_number: int, new_start: datetime, policy: CyclePolicy
) -> list[PlannedStep]:
    """Move session `session_number` to `new_start` and every step due after it by the same delay."""
    session = next(s for s in steps if s.name == f"session-{session_number}")
    new_due = _due(new_start.astimezone(BAMAKO).date(), policy)
    delay = new_due - session.due_at
    if delay <= timedelta(0):
        return steps
    return [
        replace(step, due_at=step.due_at + delay)
        if step.due_at >= session.due_at
        and step.stage != Stage.BASELINE
        and step.name != "schedule"
        else step
        for step in steps
    ]
