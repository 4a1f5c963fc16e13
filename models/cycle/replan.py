"""Re-planning: when a step is done late, the steps after it move by the policy's durations.

A cycle's due dates come from its launch (models/cycle/plan.py). A step done days after its due
date would leave every later step overdue before it could even start, and the sweep would chase
work nobody can do yet. So the open steps after it are planned again from the day it was done,
with the same durations as `plan_cycle` ([cycle] in the policy), and only ever later: a step done
on time or early moves nothing. Debate sessions, once scheduled, keep the dates people chose.

`replanned` is pure; `replan_cycle` applies it, with an audit event per moved step, un-flags the
moved steps that were overdue, and cancels their notifications not yet sent (their due date is
part of the ledger key, so the new date gets its own reminders).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import record
from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step
from models.cycle.status import set_step_status
from models.cycle.steps import SCHEDULE, StepKind, StepName
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.policy import CyclePolicy
from models.reminders.ledger import cancel_unsent


@dataclass(frozen=True)
class StepDates:
    """What re-planning reads of a step."""

    name: str
    status: str
    due_at: datetime
    completed_at: datetime | None = None


def _day(moment: datetime) -> date:
    return moment.astimezone(BAMAKO).date()


def done_late(step: StepDates) -> bool:
    """Done on a later day (Bamako) than it was due: the steps after it may have to move."""
    return (
        step.status == StepStatus.DONE
        and step.completed_at is not None
        and _day(step.completed_at) > _day(step.due_at)
    )


def _earliest(
    name: StepName, anchor: dict[StepName, date], schedule_done: bool, policy: CyclePolicy
) -> date | None:
    """The first day the policy allows `name`, counted from the steps it follows."""
    kind = name.kind
    if kind is StepKind.SCHEDULE:
        start = anchor.get(StepName(StepKind.BASELINE))
        return start + timedelta(days=policy.scheduling_days) if start else None
    if kind is StepKind.SESSION:
        assert name.number is not None
        if schedule_done:
            return None  # scheduled: the date people chose holds
        if name.number == 1:
            start = anchor.get(SCHEDULE)
            return start + timedelta(days=policy.first_session_after_days) if start else None
        start = anchor.get(StepName.session(name.number - 1))
        return start + timedelta(days=policy.session_interval_days) if start else None
    if kind is StepKind.MINUTES:
        assert name.number is not None
        start = anchor.get(StepName.session(name.number))
        return start + timedelta(days=policy.minutes_due_days) if start else None
    if kind is StepKind.PLAN:
        minutes = [day for n, day in anchor.items() if n.kind is StepKind.MINUTES]
        return max(minutes) + timedelta(days=policy.plan_drafting_days) if minutes else None
    if kind is StepKind.HANDOVER:
        start = anchor.get(StepName(StepKind.PLAN))
        return start + timedelta(days=policy.handover_days) if start else None
    return None  # the baseline counts from the launch, which never moves


def replanned(steps: Sequence[StepDates], policy: CyclePolicy) -> dict[str, datetime]:
    """The new due dates of the open steps the policy now puts later than they are, by name.

    Each step counts from the day the step it follows was done, or from that step's (new) due day
    while it is open; skipped minutes count for nothing (their session was cancelled).
    """
    by_name = {StepName.parse(s.name): s for s in steps}
    schedule = by_name.get(SCHEDULE)
    schedule_done = schedule is not None and schedule.status == StepStatus.DONE
    anchor: dict[StepName, date] = {}
    moved: dict[str, datetime] = {}
    for name in sorted(by_name):
        step = by_name[name]
        if step.status == StepStatus.DONE and step.completed_at is not None:
            anchor[name] = _day(step.completed_at)
            continue
        if step.status not in OPEN_STEP:
            if name.kind is not StepKind.MINUTES:
                anchor[name] = _day(step.due_at)
            continue
        earliest = _earliest(name, anchor, schedule_done, policy)
        due = step.due_at
        if earliest is not None:
            candidate = datetime.combine(earliest, policy.due_time, tzinfo=BAMAKO)
            if candidate > due:
                due = moved[step.name] = candidate
        anchor[name] = _day(due)
    return moved


def replan_cycle(
    session: Session, cycle: Cycle, policy: CyclePolicy, *, actor: str, now: datetime, reason: str
) -> list[str]:
    """Move the open steps of `cycle` the policy now puts later; return their names.

    Each move is audited (`step.replanned`, old and new due date). A moved step that was flagged
    overdue is pending again, its escalation level reset; its notifications not yet sent are
    cancelled. Running it again changes nothing.
    """
    if cycle.status != CycleStatus.ACTIVE:
        return []
    moved = replanned(
        [StepDates(s.name, s.status, s.due_at, s.completed_at) for s in cycle.steps], policy
    )
    moves = [(s, moved[s.name]) for s in cycle.steps if s.name in moved]
    return move_steps(
        session,
        cycle,
        moves,
        action="step.replanned",
        reopen_as=StepStatus.PENDING,
        actor=actor,
        now=now,
        reason=reason,
    )


def move_steps(
    session: Session,
    cycle: Cycle,
    moves: Sequence[tuple[Step, datetime]],
    *,
    action: str,
    reopen_as: StepStatus,
    actor: str,
    now: datetime,
    reason: str,
    only_if_still_to_come: bool = False,
) -> list[str]:
    """Give each step its new due date, one `action` audit event each (old and new date); a step
    flagged overdue is open again as `reopen_as`, its escalation reset (with
    `only_if_still_to_come`, only when its new date is still to come); the steps' notifications not
    yet sent are cancelled. The one way deadlines move: re-plan, resume after a pause, extend."""
    for step, due in moves:
        before = step.due_at
        step.due_at = due
        if step.status == StepStatus.OVERDUE and (not only_if_still_to_come or due >= now):
            why = "re-planned" if action == "step.replanned" else reason
            set_step_status(session, step, reopen_as, actor=actor, now=now, reason=why)
            step.overdue_since = None
            step.escalation_level = 0
        record(
            session,
            action,
            "step",
            step.id,
            cycle.id,
            now=now,
            actor=actor,
            before={"due_at": before.isoformat()},
            after={"due_at": step.due_at.isoformat()},
            reason=reason,
        )
    session.flush()
    cancel_unsent(session, [step.id for step, _ in moves])
    return [step.name for step, _ in moves]


def replan_after_late_step(
    session: Session, cycle: Cycle, step: Step, policy: CyclePolicy, *, actor: str, now: datetime
) -> list[str]:
    """Re-plan `cycle` when `step` was just done late (nothing moves for a step done on time)."""
    dates = StepDates(step.name, step.status, step.due_at, step.completed_at)
    if not done_late(dates):
        return []
    assert step.completed_at is not None
    late = (_day(step.completed_at) - _day(step.due_at)).days
    reason = f"{step.name} done {late} day(s) late"
    return replan_cycle(session, cycle, policy, actor=actor, now=now, reason=reason)


@dataclass(frozen=True)
class Replanned:
    """What the one-time re-plan of running cycles did."""

    cycles: int
    moved_steps: int
    unflagged_steps: int


def replan_running_cycles(
    session: Session, policy: CyclePolicy, *, actor: str, now: datetime
) -> Replanned:
    """Bring the cycles launched before re-planning existed to the same state (`debates db
    replan`): each active cycle with a step done late is re-planned, and any step flagged overdue
    before the step its cycle waits on is pending again. Idempotent: a second run changes nothing.
    """
    cycles = moved = unflagged = 0
    for cycle in session.scalars(
        select(Cycle).where(Cycle.status == CycleStatus.ACTIVE.value).order_by(Cycle.id)
    ):
        last_done = [
            s
            for s in cycle.steps
            if done_late(StepDates(s.name, s.status, s.due_at, s.completed_at))
        ]
        names = (
            replan_cycle(session, cycle, policy, actor=actor, now=now, reason="re-plan of a cycle")
            if last_done
            else []
        )
        waiting = cycle.waiting_step()
        early = [
            s
            for s in cycle.steps
            if s.status == StepStatus.OVERDUE and waiting is not None and s is not waiting
        ]
        for step in early:
            set_step_status(
                session,
                step,
                StepStatus.PENDING,
                actor=actor,
                now=now,
                reason="not chased before the step it follows is done",
            )
            step.overdue_since = None
            step.escalation_level = 0
        if early:
            session.flush()
            cancel_unsent(session, [s.id for s in early])
        cycles += bool(names or early)
        moved += len(names)
        unflagged += len(early)
    return Replanned(cycles, moved, unflagged)
