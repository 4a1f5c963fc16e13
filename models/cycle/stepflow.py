"""Which step a cycle waits on, and how a submission for a step is checked and recorded.

The database is the record of where a cycle stands: a flow run (or a replay of it) asks here which
step waits, and every submission, whether from the CLI or the Prefect UI, goes through
`apply_submission`, which records it once. A replayed submission for a finished step is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.clock import in_bamako
from models.csvfile import problems
from models.cycle.cycle import Cycle, Step, get_cycle, named_step
from models.cycle.pause import open_pause
from models.cycle.replan import replan_after_late_step
from models.cycle.status import close_cycle, set_step_status
from models.cycle.steps import StepKind, StepName
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.errors import DomainError, InvalidInput
from models.followup.items import ItemState, item_states
from models.policy import current_policy
from models.stages.answers import GrievanceShown, shown_grievances
from models.stages.baseline import BaselineSubmission
from models.stages.follow_up import VisitSubmission
from models.stages.minutes import MinutesSubmission
from models.stages.safety_plan import HandoverSubmission, SafetyPlanSubmission
from models.stages.sessions import DebateSession, ScheduleSubmission, SessionOutcome


class StepNotWaiting(DomainError):
    """A submission for a step the cycle is not waiting on."""


@dataclass(frozen=True)
class WaitingStep:
    """What a flow run needs to wait on a step: who, what, by when, and the revision of its input."""

    cycle_id: int
    cycle_label: str
    name: str
    stage: str
    title: str
    owner_role: str
    facilitator: str | None
    due_at: datetime
    revision: int
    previous: str | None = None
    """The last finished step before this one (its documents are due once it is recorded)."""
    items: tuple[ItemState, ...] = ()
    """For a visit: the cycle's tracked items as they stand (the form starts from them)."""
    grievances: tuple[GrievanceShown, ...] = ()
    """For the plan: the grievances of the cycle's minutes its actions may answer ('1.2')."""
    has_sessions: bool = True
    """Whether the cycle has debate sessions, whose invitations may be due: before its schedule
    is recorded it has none, and the flow sends no invitations (a task run fewer per start)."""


@dataclass(frozen=True)
class Recorded:
    """The result of a submission: `created` is False for a replay, which changed nothing."""

    cycle_id: int
    step: str
    created: bool
    summary: str


SCHEMAS: dict[StepKind, type[BaseModel]] = {
    StepKind.BASELINE: BaselineSubmission,
    StepKind.SCHEDULE: ScheduleSubmission,
    StepKind.SESSION: SessionOutcome,
    StepKind.MINUTES: MinutesSubmission,
    StepKind.PLAN: SafetyPlanSubmission,
    StepKind.HANDOVER: HandoverSubmission,
    StepKind.VISIT: VisitSubmission,
}


def schema_for(step_name: str) -> type[BaseModel]:
    """The Pydantic schema a step's submission must follow (UnknownStep for a name of no step)."""
    return SCHEMAS[StepName.parse(step_name).kind]


def parse_submission(step_name: str, data: dict[str, Any]) -> BaseModel:
    """Validate raw input (a file, a form) with the step's schema; InvalidInput names each field."""
    schema = schema_for(step_name)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"the input for step '{step_name}' is not valid", problems(exc)) from exc


def session_revision(session: Session, cycle_id: int, step: Step) -> int:
    """How many times the input for this step was taken already without finishing it (postponements)."""
    if step.session_number is None or step.step_name.kind is not StepKind.SESSION:
        return 0
    revision = session.scalar(
        select(DebateSession.revision).where(
            DebateSession.cycle_id == cycle_id, DebateSession.number == step.session_number
        )
    )
    return revision or 0


def open_step(session: Session, cycle_id: int, *, actor: str, now: datetime) -> WaitingStep | None:
    """The step the cycle waits on, made active; None when the cycle is over (completed/cancelled)."""
    cycle = get_cycle(session, cycle_id)
    if cycle.status != CycleStatus.ACTIVE:
        return None
    step = cycle.waiting_step()
    if step is None:
        return None
    if step.status == StepStatus.PENDING:
        set_step_status(session, step, StepStatus.ACTIVE, actor=actor, now=now)
    return WaitingStep(
        cycle_id=cycle.id,
        cycle_label=cycle.label,
        name=step.name,
        stage=step.stage,
        title=step.title,
        owner_role=step.owner_role,
        facilitator=step.facilitator.name if step.facilitator else None,
        due_at=step.due_at,
        revision=session_revision(session, cycle.id, step),
        previous=next(
            (
                s.name
                for s in reversed(cycle.steps[: cycle.steps.index(step)])
                if s.status == "done"
            ),
            None,
        ),
        items=item_states(session, cycle.id) if step.step_name.kind is StepKind.VISIT else (),
        grievances=tuple(shown_grievances(session, [cycle.id]).values())
        if step.step_name.kind is StepKind.PLAN
        else (),
        has_sessions=session.scalar(
            select(DebateSession.id).where(DebateSession.cycle_id == cycle.id).limit(1)
        )
        is not None,
    )


def step_to_record(session: Session, cycle: Cycle, step_name: str) -> Step | None:
    """The step a submission is for; None when it is finished already (a replay: change nothing)."""
    step = named_step(cycle, step_name)
    if step.status not in OPEN_STEP:
        return None
    if cycle.status != CycleStatus.ACTIVE:
        raise StepNotWaiting(f"Cycle {cycle.label} is {cycle.status}; it takes no more input")
    paused = open_pause(session, cycle.id)
    if paused is not None:
        since = in_bamako(paused.started_at).date().isoformat()
        raise StepNotWaiting(
            f"Cycle {cycle.label} is paused since {since} ({paused.reason}); "
            f"'debates resume {cycle.id}' first, then submit again"
        )
    waiting = cycle.waiting_step()
    if waiting is not None and waiting.name != step_name:
        raise StepNotWaiting(
            f"Cycle {cycle.label} is waiting on step '{waiting.name}' ({waiting.title}), "
            f"not '{step_name}'; submit '{waiting.name}' first"
        )
    return step


def complete_step(session: Session, step: Step, *, actor: str, now: datetime) -> None:
    """Mark a step done, through active when nobody opened it yet (input arrived before the flow)."""
    if step.status == StepStatus.PENDING:
        set_step_status(session, step, StepStatus.ACTIVE, actor=actor, now=now)
    set_step_status(session, step, StepStatus.DONE, actor=actor, now=now)


def apply_submission(
    session: Session,
    cycle_id: int,
    step_name: str,
    data: dict[str, Any] | BaseModel,
    *,
    actor: str,
    now: datetime,
    revision: int | None = None,
) -> Recorded:
    """Validate and record a step's input once. `revision` guards postponements against replays."""
    from models.followup.visits import close_if_over, record_visit, start_follow_up
    from models.stages.baseline import record_baseline
    from models.stages.chronology import check_chronology
    from models.stages.minutes import record_minutes
    from models.stages.safety_plan import record_handover, record_safety_plan
    from models.stages.sessions import record_session_outcome, schedule_sessions

    submission = data if isinstance(data, BaseModel) else parse_submission(step_name, data)
    expected = schema_for(step_name)
    if not isinstance(submission, expected):
        raise InvalidInput(
            f"step '{step_name}' takes a {expected.__name__}, not a {type(submission).__name__}"
        )
    cycle = get_cycle(session, cycle_id)
    step = step_to_record(session, cycle, step_name)
    if step is None:
        return Recorded(cycle.id, step_name, False, f"{step_name} was recorded already")
    check_chronology(session, cycle, step, submission, now=now)
    if step.status == StepStatus.PENDING:  # input arrived before the flow run opened the step
        set_step_status(session, step, StepStatus.ACTIVE, actor=actor, now=now)
    finishes = True
    match submission:
        case BaselineSubmission():
            created = record_baseline(session, cycle, submission, actor=actor, now=now)
        case ScheduleSubmission():
            created = schedule_sessions(session, cycle, submission, actor=actor, now=now)
        case SessionOutcome():
            assert step.session_number is not None
            created = record_session_outcome(
                session,
                cycle,
                step.session_number,
                submission,
                revision=revision,
                actor=actor,
                now=now,
            )
            finishes = submission.outcome == "held"
        case MinutesSubmission():
            assert step.session_number is not None
            created = record_minutes(
                session, cycle, step.session_number, submission, actor=actor, now=now
            )
        case SafetyPlanSubmission():
            created = record_safety_plan(session, cycle, submission, actor=actor, now=now)
        case HandoverSubmission():
            created = record_handover(session, cycle, submission, actor=actor, now=now)
        case VisitSubmission():
            number = step.step_name.number
            assert number is not None
            created = record_visit(session, cycle, number, submission, actor=actor, now=now)
    policy = current_policy()
    if finishes and step.status in OPEN_STEP:
        complete_step(session, step, actor=actor, now=now)
        replan_after_late_step(session, cycle, step, policy.cycle, actor=actor, now=now)
    match submission:
        case HandoverSubmission():  # the follow-up begins: items tracked, visits planned
            start_follow_up(session, cycle, submission.handed_over_at, policy, actor=actor, now=now)
        case VisitSubmission():
            close_if_over(session, cycle, actor=actor, now=now)
    summary = f"{step_name}: {step.status}" if created else f"{step_name} was recorded already"
    return Recorded(cycle.id, step_name, created, summary)


def cancel_cycle(
    session: Session, cycle_id: int, reason: str, *, actor: str, now: datetime
) -> bool:
    """Stop a cycle for good, with the reason; its open steps are cancelled. False if it was over."""
    if not reason.strip():
        raise InvalidInput("a cancelled cycle needs a reason", [("--reason", "say why")])
    cycle = get_cycle(session, cycle_id)
    if cycle.status != CycleStatus.ACTIVE:
        return False
    return close_cycle(session, cycle, CycleStatus.CANCELLED, actor=actor, now=now, reason=reason)
