"""Legal status changes of steps and cycles. Pure: an illegal change raises and says what is allowed."""

from __future__ import annotations

import enum

from models.errors import IllegalTransition


class StepStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DONE = "done"
    OVERDUE = "overdue"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class CycleStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_STEP = frozenset({StepStatus.PENDING, StepStatus.ACTIVE, StepStatus.OVERDUE})

STEP_TRANSITIONS: dict[StepStatus, frozenset[StepStatus]] = {
    StepStatus.PENDING: frozenset(
        {StepStatus.ACTIVE, StepStatus.OVERDUE, StepStatus.SKIPPED, StepStatus.CANCELLED}
    ),
    StepStatus.ACTIVE: frozenset(
        {StepStatus.DONE, StepStatus.OVERDUE, StepStatus.SKIPPED, StepStatus.CANCELLED}
    ),
    # An overdue step becomes active again when its due date moves (a postponed session), or
    # pending when a re-plan moves it after a step done late (models/cycle/replan.py).
    StepStatus.OVERDUE: frozenset(
        {
            StepStatus.DONE,
            StepStatus.ACTIVE,
            StepStatus.PENDING,
            StepStatus.SKIPPED,
            StepStatus.CANCELLED,
        }
    ),
    StepStatus.DONE: frozenset(),
    StepStatus.SKIPPED: frozenset(),
    StepStatus.CANCELLED: frozenset(),
}

CYCLE_TRANSITIONS: dict[CycleStatus, frozenset[CycleStatus]] = {
    CycleStatus.ACTIVE: frozenset({CycleStatus.COMPLETED, CycleStatus.CANCELLED}),
    CycleStatus.COMPLETED: frozenset(),
    CycleStatus.CANCELLED: frozenset(),
}


def _check(kind: str, name: str, current: str, target: str, table: dict) -> None:  # type: ignore[type-arg]
    allowed = sorted(str(s) for s in table[current])
    if target not in table[current]:
        options = (
            f"allowed from {current}: {', '.join(allowed)}"
            if allowed
            else (f"{current} is final, nothing can follow it")
        )
        raise IllegalTransition(f"{kind} '{name}' cannot go from {current} to {target}; {options}")


def check_step(name: str, current: str, target: str) -> StepStatus:
    _check("Step", name, StepStatus(current), StepStatus(target), STEP_TRANSITIONS)
    return StepStatus(target)


def check_cycle(name: str, current: str, target: str) -> CycleStatus:
    _check("Cycle", name, CycleStatus(current), CycleStatus(target), CYCLE_TRANSITIONS)
    return CycleStatus(target)
