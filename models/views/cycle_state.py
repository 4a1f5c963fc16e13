"""One cycle in detail, as its state artifact shows it: stages done, the step it waits on, overdue
steps, people, documents, and its pause if it is paused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from models.clock import in_bamako
from models.cycle.cycle import Step, get_cycle
from models.cycle.document import Document, documents_of
from models.cycle.pause import open_pause
from models.cycle.plan import STAGE_ORDER
from models.cycle.transitions import StepStatus
from models.matching.assignment import team_summary
from models.stages.minutes_form import to_record
from models.views.follow_up import FollowUpState, follow_up_state
from models.views.portfolio import FINISHED, OPEN, CycleHeading, heading_of, overdue_days


@dataclass(frozen=True)
class StageState:
    stage: str
    steps_done: int
    steps_total: int
    current: bool

    @property
    def done(self) -> bool:
        """Every step finished; the follow-up, whose visits come with the handover, is not done
        before it has any."""
        return self.steps_total > 0 and self.steps_done == self.steps_total


@dataclass(frozen=True)
class StepState:
    name: str
    title: str
    stage: str
    status: str
    due_at: datetime
    overdue_days: int
    facilitator: str | None


@dataclass(frozen=True)
class PauseState:
    reason: str
    since: date
    """The day it was paused, in Bamako."""


@dataclass(frozen=True)
class CycleState:
    """One cycle in detail; where it is and what it is called are its `heading`'s."""

    launched_at: datetime
    flow_run_id: str | None
    stages: tuple[StageState, ...]
    waiting: StepState | None
    overdue: tuple[StepState, ...]
    facilitators: tuple[str, ...]
    documents: tuple[Document, ...]
    team: dict[str, object]
    """Lead, co, score and explanation of the assignment, or why nobody fits (team_summary)."""
    heading: CycleHeading
    paused: PauseState | None = None
    follow_up: FollowUpState | None = None
    """After the handover: the items, the plan's progress, the visits and the ratings."""
    sensitive_to_record: tuple[str, ...] = ()
    """Sensitive grievances the Prefect form counted whose text is still to record ('1.3')."""

    @property
    def stages_done(self) -> int:
        return sum(1 for stage in self.stages if stage.done)

    @property
    def progress(self) -> float:
        """Percentage of stages finished, for Prefect's progress artifact (a cycle completed at its
        handover before the follow-up existed has no visits, and is done all the same)."""
        if self.heading.status == "completed":
            return 100.0
        return round(100 * self.stages_done / len(self.stages), 1)


def cycle_state(session: Session, cycle_id: int, *, now: datetime) -> CycleState:
    """One cycle in detail: stages done, the step it waits on, overdue steps, people, documents."""
    cycle = get_cycle(session, cycle_id)
    waiting_step = cycle.waiting_step()

    def state(step: Step) -> StepState:
        return StepState(
            name=step.name,
            title=step.title,
            stage=step.stage,
            status=step.status,
            due_at=step.due_at,
            overdue_days=overdue_days(step.due_at, now),
            facilitator=step.facilitator.name if step.facilitator else None,
        )

    stages = tuple(
        StageState(
            stage=stage.value,
            steps_done=sum(
                1 for s in cycle.steps if s.stage == stage.value and s.status in FINISHED
            ),
            steps_total=sum(1 for s in cycle.steps if s.stage == stage.value),
            current=waiting_step is not None and waiting_step.stage == stage.value,
        )
        for stage in STAGE_ORDER
    )
    open_steps = [s for s in cycle.steps if s.status in OPEN]
    return CycleState(
        launched_at=cycle.launched_at,
        flow_run_id=cycle.flow_run_id,
        stages=stages,
        waiting=state(waiting_step) if waiting_step else None,
        overdue=tuple(
            state(s)
            for s in open_steps
            if s.status == StepStatus.OVERDUE.value or overdue_days(s.due_at, now) > 0
        ),
        facilitators=tuple(
            dict.fromkeys(s.facilitator.name for s in cycle.steps if s.facilitator is not None)
        ),
        documents=tuple(documents_of(session, cycle.id)),
        team=team_summary(session, cycle.id),
        heading=heading_of(cycle),
        paused=(
            PauseState(pause.reason, in_bamako(pause.started_at).date())
            if (pause := open_pause(session, cycle.id)) is not None
            else None
        ),
        follow_up=follow_up_state(session, cycle.id),
        sensitive_to_record=tuple(to_record(session, cycle.id)),
    )
