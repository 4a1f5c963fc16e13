"""A recorded step's input read back from its record, in the step's schema: what an amendment is
compared with, and what `debates amend --set` starts from."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle, Step
from models.cycle.steps import StepKind
from models.stages.answers import grievances_by_reference, reference_order
from models.stages.baseline import BaselineStudy, BaselineSubmission
from models.stages.minutes import Minutes, MinutesSubmission
from models.stages.safety_plan import HandoverSubmission, SafetyPlan, SafetyPlanSubmission
from models.stages.sessions import DebateSession, ScheduleSubmission


def sessions_of(session: Session, cycle_id: int) -> list[DebateSession]:
    return list(
        session.scalars(
            select(DebateSession)
            .where(DebateSession.cycle_id == cycle_id)
            .order_by(DebateSession.number)
        )
    )


def minutes_of(session: Session, cycle_id: int, number: int) -> Minutes | None:
    return session.scalar(
        select(Minutes).where(Minutes.cycle_id == cycle_id, Minutes.session_number == number)
    )


def plan_of(session: Session, cycle_id: int) -> SafetyPlan | None:
    return session.scalar(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle_id))


def recorded_input(session: Session, cycle: Cycle, step: Step) -> BaseModel | None:
    """The step's input as recorded, in its schema; None when nothing is recorded for it."""
    kind = step.step_name.kind
    if kind is StepKind.BASELINE:
        study = session.scalar(select(BaselineStudy).where(BaselineStudy.cycle_id == cycle.id))
        if study is None:
            return None
        fields = BaselineSubmission.model_fields
        return BaselineSubmission.model_validate({name: getattr(study, name) for name in fields})
    if kind is StepKind.SCHEDULE:
        rows = sessions_of(session, cycle.id)
        if not rows:
            return None
        plans = [
            {"starts_at": r.starts_at, "venue": r.venue, "language": r.language}
            | ({"commune": r.commune_pcode} if cycle.intercommunal else {})
            for r in rows
        ]
        return ScheduleSubmission.model_validate({"sessions": plans})
    if kind is StepKind.MINUTES:
        assert step.session_number is not None
        minutes = minutes_of(session, cycle.id, step.session_number)
        if minutes is None:
            return None
        return MinutesSubmission.model_validate(
            {
                "total_participants": minutes.total_participants,
                "attendance": [
                    {"sex": a.sex, "age_band": a.age_band, "group": a.group, "count": a.count}
                    for a in minutes.attendance
                ],
                "grievances": [
                    {"theme": g.theme, "summary": g.summary, "sensitive": g.sensitive}
                    for g in minutes.grievances
                ],
                "agreements": [a.text for a in minutes.agreements],
                "commitments": [
                    {"party": c.party, "action": c.action, "deadline": c.deadline}
                    for c in minutes.commitments
                ],
                "validated_by": minutes.validated_by,
                "validated_on": minutes.validated_on,
            }
        )
    plan = plan_of(session, cycle.id)
    if kind is StepKind.PLAN and plan is not None:
        actions = sorted(plan.actions, key=lambda a: a.priority)
        reference = {g.id: r for r, g in grievances_by_reference(session, cycle.id).items()}
        return SafetyPlanSubmission.model_validate(
            {
                "actions": [
                    {name: getattr(a, name) for name in ("risk", "action", "responsible_party")}
                    | {"deadline": a.deadline, "resources": a.resources, "indicator": a.indicator}
                    | {
                        "answers": sorted(
                            (reference[g.id] for g in a.grievances), key=reference_order
                        )
                    }
                    for a in actions
                ],
                "validated_by": plan.validated_by,
                "validated_on": plan.validated_on,
            }
        )
    if kind is StepKind.HANDOVER and plan is not None and plan.handed_over_at is not None:
        return HandoverSubmission.model_validate(
            {"handed_over_at": plan.handed_over_at, "received_by": plan.received_by}
        )
    return None
