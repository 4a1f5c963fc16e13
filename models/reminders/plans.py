"""The validated safety plans still to send to their commune's office holders.

A plan is sent once per office holder's channel, as the rule `plan-c<cycle>` filed under the
cycle's `plan` step, as soon as the plan is recorded (validated): while the cycle is active and not
paused, or after the handover completed it. The sweep looks back `since` (the policy's
`team_notice_days`), so an office holder added to the roster long after the handover is not sent
an old plan; the cycle's own flow sends its plan whatever its age.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle, Step
from models.cycle.pause import not_paused
from models.cycle.steps import PLAN
from models.cycle.transitions import CycleStatus
from models.reminders.due import OpenStep
from models.reminders.rules import PlanSent
from models.reminders.selection import STEP_COLUMNS
from models.stages.safety_plan import SafetyPlan

SENT_WHILE = (CycleStatus.ACTIVE.value, CycleStatus.COMPLETED.value)


@dataclass(frozen=True)
class PlanDue:
    """A validated plan to send to the office holders of `area_pcode`, filed under `step`."""

    rule: str
    step: OpenStep
    area_pcode: str


def select_plans_to_send(
    session: Session, since: datetime | None, cycle_id: int | None = None
) -> list[PlanDue]:
    """Plans recorded since `since` (any time when None) of active or completed cycles, or of
    cycle `cycle_id` alone. Read only; the sweep drops what the ledger has already."""
    query = (
        select(Cycle.area_pcode, *STEP_COLUMNS)
        .join(Cycle, Cycle.id == Step.cycle_id)
        .join(SafetyPlan, SafetyPlan.cycle_id == Step.cycle_id)
        .where(Step.name == str(PLAN), Cycle.status.in_(SENT_WHILE), not_paused())
        .order_by(Step.cycle_id)
    )
    if since is not None:
        query = query.where(SafetyPlan.recorded_at >= since)
    if cycle_id is not None:
        query = query.where(Step.cycle_id == cycle_id)
    due = []
    for area_pcode, *step_columns in session.execute(query):
        step = OpenStep(*step_columns)
        due.append(PlanDue(str(PlanSent(step.cycle_id)), step, area_pcode))
    return due
