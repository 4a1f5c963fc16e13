"""A step's dates against the cycle's own chronology: nothing is done before what it follows, and
nothing done is dated after today.

A session is held on or after the day it was set for; its minutes are validated on or after that
day; the plan is validated on or after the last minutes; it is handed over on or after its
validation. Each refusal names the field and gives both dates, so the coordinator sees which one
is wrong. Checked when a step is recorded and when it is amended.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.clock import in_bamako, show
from models.cycle.cycle import Cycle, Step
from models.errors import InvalidInput
from models.stages.baseline import BaselineSubmission
from models.stages.minutes import Minutes, MinutesSubmission
from models.stages.safety_plan import HandoverSubmission, SafetyPlan, SafetyPlanSubmission
from models.stages.sessions import DebateSession, SessionOutcome

Problems = list[tuple[str, str]]


def _not_after_today(field: str, day: date, today: date, what: str) -> Problems:
    if day <= today:
        return []
    return [(f"field {field}", f"{day} is after today ({today}); {what}")]


def _session(session: Session, cycle: Cycle, number: int | None) -> DebateSession | None:
    return session.scalar(
        select(DebateSession).where(
            DebateSession.cycle_id == cycle.id, DebateSession.number == number
        )
    )


def _session_day(row: DebateSession) -> date:
    return in_bamako(row.starts_at).date()


def chronology_problems(
    session: Session, cycle: Cycle, step: Step, submission: BaseModel, *, now: datetime
) -> Problems:
    """What in `submission` comes before what it follows, or after today; [] when all fits."""
    today = in_bamako(now).date()
    match submission:
        case BaselineSubmission():
            return _not_after_today(
                "completed_on", submission.completed_on, today, "record the study once it is done"
            )
        case SessionOutcome(outcome="held"):
            row = _session(session, cycle, step.session_number)
            if row is not None and today < _session_day(row):
                return [
                    (
                        "field outcome",
                        f"session {row.number} is set for {show(row.starts_at)}; it cannot be "
                        f"held by today ({today}); record it once held, or postpone it",
                    )
                ]
        case MinutesSubmission():
            found = _not_after_today(
                "validated_on", submission.validated_on, today, "record the minutes once validated"
            )
            row = _session(session, cycle, step.session_number)
            if row is not None and submission.validated_on < _session_day(row):
                found.append(
                    (
                        "field validated_on",
                        f"{submission.validated_on} is before session {row.number} was held "
                        f"({_session_day(row)}); minutes are validated after their session",
                    )
                )
            return found
        case SafetyPlanSubmission():
            found = _not_after_today(
                "validated_on", submission.validated_on, today, "record the plan once validated"
            )
            last = session.scalar(
                select(func.max(Minutes.validated_on)).where(Minutes.cycle_id == cycle.id)
            )
            if last is not None and submission.validated_on < last:
                found.append(
                    (
                        "field validated_on",
                        f"{submission.validated_on} is before the last minutes were validated "
                        f"({last}); the plan follows the debates",
                    )
                )
            return found
        case HandoverSubmission():
            found = []
            handed = submission.handed_over_at
            if handed > now:
                found.append(
                    (
                        "field handed_over_at",
                        f"{show(handed)} is after now ({show(now)}); record the handover once done",
                    )
                )
            plan = session.scalar(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle.id))
            if plan is not None and in_bamako(handed).date() < plan.validated_on:
                found.append(
                    (
                        "field handed_over_at",
                        f"{in_bamako(handed).date()} is before the plan was validated "
                        f"({plan.validated_on}); a plan is handed over once validated",
                    )
                )
            return found
    return []


def check_chronology(
    session: Session, cycle: Cycle, step: Step, submission: BaseModel, *, now: datetime
) -> None:
    """InvalidInput naming each date that does not fit the cycle's chronology; nothing changed."""
    found = chronology_problems(session, cycle, step, submission, now=now)
    if found:
        raise InvalidInput(
            f"the dates for step '{step.name}' do not fit cycle {cycle.label}", found
        )
