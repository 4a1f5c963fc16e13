"""What was done in the period, per org unit: cycles launched, completed (plan handed over),
cancelled and closed after their follow-up; sessions held, postponed, cancelled; plans handed
over; the median days each stage took and the share of steps that went overdue.

One GROUP BY query per figure and level; a cycle counts where its event falls in the period:
launched by its start day, completed by its handover, closed by its closing moment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from models.clock import start_of_day
from models.cycle.cycle import Cycle, Step
from models.cycle.steps import HANDOVER, Stage
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.geography.places import Level
from models.report.scope import Scope
from models.report.sql import (
    UNIT,
    count_where,
    days_between,
    grouped,
    median_by,
    per_cent,
    rounded,
    unit_of,
    within,
)
from models.stages.safety_plan import SafetyPlan
from models.stages.sessions import DebateSession, SessionStatus

Rows = dict[str, dict[str, Any]]
"""Figures by org unit P-code: {"ML06": {"launched": 3, ...}}."""

OPEN = [s.value for s in OPEN_STEP]
STAGES = [s.value for s in Stage]
_DAY = timedelta(days=1)


def _by_unit(session: Session, stmt: Any) -> Rows:
    return {row[UNIT]: dict(row) for row in session.execute(stmt).mappings()}


def cycle_counts(session: Session, scope: Scope, level: Level | None) -> Rows:
    period = scope.period
    handover = aliased(Step)
    plan_done = and_(
        handover.status == StepStatus.DONE.value,
        within(handover.completed_at, period.starts, period.ends),
    )
    closed = within(Cycle.closed_at, period.starts, period.ends)
    stmt = (
        select(
            unit_of(level, scope.pcode),
            count_where(within(Cycle.start_on, period.first, period.last + _DAY)).label("launched"),
            count_where(plan_done).label("completed"),
            count_where(and_(closed, Cycle.status == CycleStatus.CANCELLED.value)).label(
                "cancelled"
            ),
            count_where(and_(closed, Cycle.status == CycleStatus.COMPLETED.value)).label(
                "closed_after_follow_up"
            ),
        )
        .select_from(Cycle)
        .outerjoin(handover, and_(handover.cycle_id == Cycle.id, handover.name == str(HANDOVER)))
        .where(scope.cycles())
    )
    return _by_unit(session, grouped(stmt, level))


def session_counts(session: Session, scope: Scope, level: Level | None) -> Rows:
    """Sessions whose (last) date falls in the period; `postponed` counts those moved at least once."""
    stmt = (
        select(
            unit_of(level, scope.pcode),
            func.count(DebateSession.id).label("scheduled"),
            count_where(DebateSession.status == SessionStatus.HELD.value).label("held"),
            count_where(DebateSession.revision > 0).label("postponed"),
            count_where(DebateSession.status == SessionStatus.CANCELLED.value).label("cancelled"),
        )
        .select_from(DebateSession)
        .join(Cycle, Cycle.id == DebateSession.cycle_id)
        .where(
            scope.cycles(), within(DebateSession.starts_at, scope.period.starts, scope.period.ends)
        )
    )
    return _by_unit(session, grouped(stmt, level))


def plans_handed_over(session: Session, scope: Scope, level: Level | None) -> Rows:
    stmt = (
        select(unit_of(level, scope.pcode), func.count(SafetyPlan.id).label("plans_handed_over"))
        .select_from(SafetyPlan)
        .join(Cycle, Cycle.id == SafetyPlan.cycle_id)
        .where(
            scope.cycles(),
            within(SafetyPlan.handed_over_at, scope.period.starts, scope.period.ends),
        )
    )
    return _by_unit(session, grouped(stmt, level))


def step_lateness(session: Session, scope: Scope, level: Level | None) -> Rows:
    """Steps due in the period (skipped and cancelled ones aside): how many went overdue, flagged
    by the sweep, done after their due moment, or still open past it."""
    as_of = start_of_day(scope.as_of + _DAY)
    late = or_(
        Step.overdue_since.is_not(None),
        Step.completed_at > Step.due_at,
        and_(Step.status.in_(OPEN), Step.due_at < as_of),
    )
    due = func.count(Step.id)
    stmt = (
        select(
            unit_of(level, scope.pcode),
            due.label("steps_due"),
            count_where(late).label("steps_overdue"),
            rounded(per_cent(count_where(late), due), 1).label("overdue_share"),
        )
        .select_from(Step)
        .join(Cycle, Cycle.id == Step.cycle_id)
        .where(
            scope.cycles(),
            within(Step.due_at, scope.period.starts, scope.period.ends),
            Step.status.not_in([StepStatus.SKIPPED.value, StepStatus.CANCELLED.value]),
        )
    )
    return _by_unit(session, grouped(stmt, level))


def stage_days(session: Session, scope: Scope, level: Level | None) -> dict[str, Rows]:
    """{unit: {stage: {"finished": n, "median_days": d}}} for the stages finished in the period.

    A stage is finished when none of its steps is open; it took the days from the previous
    stage's finish (the cycle's start day for the baseline) to its own last step done.
    """
    per_stage = (
        select(
            Step.cycle_id.label("cycle_id"),
            Step.stage.label("stage"),
            func.min(Step.position).label("position"),
            func.max(Step.completed_at).label("finished_at"),
            count_where(Step.status.in_(OPEN)).label("open_steps"),
        )
        .group_by(Step.cycle_id, Step.stage)
        .subquery()
    )
    previous = func.lag(per_stage.c.finished_at).over(
        partition_by=per_stage.c.cycle_id, order_by=per_stage.c.position
    )
    ordered = (
        select(
            per_stage.c.cycle_id,
            per_stage.c.stage,
            per_stage.c.finished_at,
            per_stage.c.open_steps,
            previous.label("previous_at"),
        )
    ).subquery()
    began = func.coalesce(ordered.c.previous_at, Cycle.start_on)
    durations = (
        select(
            unit_of(level, scope.pcode),
            ordered.c.stage.label("stage"),
            days_between(session, began, ordered.c.finished_at).label("days"),
        )
        .select_from(ordered)
        .join(Cycle, Cycle.id == ordered.c.cycle_id)
        .where(
            scope.cycles(),
            ordered.c.open_steps == 0,
            within(ordered.c.finished_at, scope.period.starts, scope.period.ends),
        )
    ).subquery()
    medians = median_by(durations, [UNIT, "stage"], "days").subquery()
    counts = (
        select(durations.c[UNIT], durations.c.stage, func.count().label("finished"))
        .group_by(durations.c[UNIT], durations.c.stage)
        .subquery()
    )
    stmt = select(
        counts.c[UNIT],
        counts.c.stage,
        counts.c.finished,
        rounded(medians.c.median, 1).label("median_days"),
    ).join(medians, and_(medians.c[UNIT] == counts.c[UNIT], medians.c.stage == counts.c.stage))
    found: dict[str, Rows] = {}
    for row in session.execute(stmt).mappings():
        found.setdefault(row[UNIT], {})[row["stage"]] = {
            "finished": row["finished"],
            "median_days": _number(row["median_days"]),
        }
    return found


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def cycles_by_stage(session: Session, scope: Scope, level: Level | None) -> dict[str, Rows]:
    """{unit: {stage: {"cycles": n}}}: the cycles launched by the period's end, as they stand when
    the report is made: the stage of an active cycle's first open step, else `completed` or
    `cancelled`."""
    first_open = (
        select(Step.cycle_id.label("cycle_id"), func.min(Step.position).label("position"))
        .where(Step.status.in_(OPEN))
        .group_by(Step.cycle_id)
        .subquery()
    )
    waiting = aliased(Step)
    stage = case(
        (Cycle.status != CycleStatus.ACTIVE.value, Cycle.status),
        else_=func.coalesce(waiting.stage, Cycle.status),
    )
    stmt = grouped(
        select(unit_of(level, scope.pcode), stage.label("stage"), func.count(Cycle.id).label("n"))
        .select_from(Cycle)
        .outerjoin(first_open, first_open.c.cycle_id == Cycle.id)
        .outerjoin(
            waiting,
            and_(waiting.cycle_id == Cycle.id, waiting.position == first_open.c.position),
        )
        .where(scope.cycles(), Cycle.start_on <= scope.period.last),
        level,
    ).group_by(stage)
    found: dict[str, Rows] = {}
    for row in session.execute(stmt).mappings():
        found.setdefault(row[UNIT], {})[row["stage"]] = {"cycles": row["n"]}
    return found
