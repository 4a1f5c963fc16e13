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
    before = {"status": step.status}
    step.status = target.value
    if target == StepStatus.DONE:
        step.completed_at = now
    record(
        session,
        f"step.{target.value}",
        "step",
        step.id,
        step.cycle_id,
        now=now,
        actor=actor,
        before=before,
        after={"status": target.value},
        reason=reason,
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
    before = {"status": cycle.status}
    cycle.status = target.value
    cycle.closed_at = now
    cycle.close_reason = reason
    if target == CycleStatus.CANCELLED:
        for step in cycle.steps:
            if step.status in OPEN_STEP:
                set_step_status(
                    session, step, StepStatus.CANCELLED, actor=actor, now=now, reason=reason
                )
    record(
        session,
        f"cycle.{target.value}",
        "cycle",
        cycle.id,
        cycle.id,
        now=now,
        actor=actor,
        before=before,
        after={"status": target.value},
        reason=reason,
    )
    return True
