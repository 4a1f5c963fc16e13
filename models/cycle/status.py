"""Moving a step or a whole cycle to a new status: checked against the legal transitions
(models/cycle/transitions.py), a no-op when it is there already (a replay), one audit event each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models.audit import record
from models.cycle.cycle import Cycle, Step
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus, check_cycle, check_step


def set_step_status(
    session: Session,
    step: Step,
    target: StepStatus,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> bool:
    """Move a step to `target`; False when it is there already (a replay), an error when illegal."""
    if step.status == target:
        return False
    check_step(step.name, step.status, target)
    was = step.status
    step.status = target.value
    if target == StepStatus.DONE:
        step.completed_at = now
    _record_move(
        session, "step", step.id, step.cycle_id, was, target, actor=actor, now=now, reason=reason
    )
    return True


def close_cycle(
    session: Session,
    cycle: Cycle,
    target: CycleStatus,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> bool:
    if cycle.status == target:
        return False
    check_cycle(cycle.label, cycle.status, target)
    was = cycle.status
    cycle.status = target.value
    cycle.closed_at = now
    cycle.close_reason = reason
    if target == CycleStatus.CANCELLED:
        for step in cycle.steps:
            if step.status in OPEN_STEP:
                set_step_status(
                    session, step, StepStatus.CANCELLED, actor=actor, now=now, reason=reason
                )
    _record_move(
        session, "cycle", cycle.id, cycle.id, was, target, actor=actor, now=now, reason=reason
    )
    return True


def _record_move(
    session: Session,
    entity: str,
    entity_id: int,
    cycle_id: int,
    was: str,
    target: StepStatus | CycleStatus,
    *,
    actor: str,
    now: datetime,
    reason: str | None,
) -> None:
    """The one audit event of a status change: '<entity>.<new status>', from `was` to `target`."""
    record(
        session,
        f"{entity}.{target.value}",
        entity,
        entity_id,
        cycle_id,
        now=now,
        actor=actor,
        before={"status": was},
        after={"status": target.value},
        reason=reason,
    )
