"""What was done in the period, per org unit: cycles launched, completed (plan handed over),
cancelled and closed after their follow-up; sessions held, postponed, cancelled; plans handed
over; the median days each stage took and the share of steps that went overdue.

One statement per figure gives every org unit's (models/report/sql.py `keyed`); a cycle counts
where its event falls in the period: launched by its start day, completed by its handover, closed
by its closing moment.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from models.clock import start_of_day
from models.cycle.cycle import Cycle, Step
from models.cycle.steps import HANDOVER, Stage
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.report.scope import Scope
from models.report.sql import (
    UNIT,
    count_where,
    days_between,
    keyed,
    median_by,
    place_of,
    rounded,
    within,
)
from models.stages.safety_plan import SafetyPlan
from models.stages.sessions import DebateSession, SessionStatus

Rows = dict[str, dict[str, Any]]
"""Figures by org unit P-code: {"ML06": {"launched": 3, ...}}."""

OPEN = [s.value for s in OPEN_STEP]
STAGES = [s.value for s in Stage]
_DAY = timedelta(days=1)


def by_unit(session: Session, stmt: Any) -> Rows:
    return {row[UNIT]: dict(row) for row in session.execute(stmt).mappings()}


def summed(session: Session, scope: Scope, base: Any, columns: list[str]) -> Rows:
    """{unit: {column: sum}} of a base pre-aggregated by cercle."""
    rows = keyed(base, scope)
    stmt = select(rows.c[UNIT], *[func.sum(rows.c[c]).label(c) for c in columns]).group_by(
        rows.c[UNIT]
    )
    return {
        unit: {c: int(v or 0) for c, v in row.items() if c != UNIT}
        for unit, row in by_unit(session, stmt).items()
    }


def _by_cercle(*columns: Any) -> Select[Any]:
    return select(*place_of(), *columns).group_by(Cycle.region_pcode, Cycle.cercle_pcode)


CYCLE_COUNTS = ["launched", "completed", "cancelled", "closed_after_follow_up"]


def cycle_counts(session: Session, scope: Scope) -> Rows:
    period = scope.period
    handover = aliased(Step)
    plan_done = and_(
        handover.status == StepStatus.DONE.value,
        within(handover.completed_at, period.starts, period.ends),
    )
    closed = within(Cycle.closed_at, period.starts, period.ends)
    base = (
        _by_cercle(
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
    return summed(session, scope, base, CYCLE_COUNTS)


SESSION_COUNTS = ["scheduled", "held", "postponed", "cancelled"]


def session_counts(session: Session, scope: Scope) -> Rows:
    """Sessions whose (last) date falls in the period; `postponed` counts those moved at least once."""
    base = (
        _by_cercle(
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
    return summed(session, scope, base, SESSION_COUNTS)


def plans_handed_over(session: Session, scope: Scope) -> Rows:
    base = (
        _by_cercle(func.count(SafetyPlan.id).label("plans_handed_over"))
        .select_from(SafetyPlan)
        .join(Cycle, Cycle.id == SafetyPlan.cycle_id)
        .where(
            scope.cycles(),
            within(SafetyPlan.handed_over_at, scope.period.starts, scope.period.ends),
        )
    )
    return summed(session, scope, base, ["plans_handed_over"])


def step_lateness(session: Session, scope: Scope) -> Rows:
    """Steps due in the period (skipped and cancelled ones aside): how many went overdue, flagged
    by the sweep, done after their due moment, or still open past it."""
    as_of = start_of_day(scope.as_of + _DAY)
    late = or_(
        Step.overdue_since.is_not(None),
        Step.completed_at > Step.due_at,
        and_(Step.status.in_(OPEN), Step.due_at < as_of),
    )
    base = (
        _by_cercle(func.count(Step.id).label("steps_due"), count_where(late).label("steps_overdue"))
        .select_from(Step)
        .join(Cycle, Cycle.id == Step.cycle_id)
        .where(
            scope.cycles(),
            within(Step.due_at, scope.period.starts, scope.period.ends),
            Step.status.not_in([StepStatus.SKIPPED.value, StepStatus.CANCELLED.value]),
        )
    )
    found = summed(session, scope, base, ["steps_due", "steps_overdue"])
    for row in found.values():
        row["overdue_share"] = share(row["steps_overdue"], row["steps_due"])
    return found


def share(part: int, whole: int) -> float | None:
    """100 * part / whole to one decimal, rounded half up as the SQL figures are; None of 0."""
    if not whole:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def stage_days(session: Session, scope: Scope) -> dict[str, Rows]:
    """{unit: {stage: {"finished": n, "median_days": d}}} for the stages finished in the period.

    A stage is finished when none of its steps is open; it took the days (to one decimal) from
    the previous stage's finish (the cycle's start day for the baseline) to its own last step
    done. One pass over the steps grouped by cycle gives each stage's finish side by side.
    """
    finish = {
        stage: func.max(case((Step.stage == stage, Step.completed_at))).label(f"f_{stage}")
        for stage in STAGES
    }
    still_open = {
        stage: count_where(and_(Step.stage == stage, Step.status.in_(OPEN))).label(f"o_{stage}")
        for stage in STAGES
    }
    by_cycle = (
        select(Step.cycle_id.label("cycle_id"), *finish.values(), *still_open.values())
        .group_by(Step.cycle_id)
        .subquery()
    )
    per_cycle = (
        select(
            *place_of(),
            Cycle.start_on.label("start_on"),
            *[c for c in by_cycle.c if c.key != "cycle_id"],
        )
        .join(Cycle, Cycle.id == by_cycle.c.cycle_id)
        .where(scope.cycles())
        .cte()
        .prefix_with("MATERIALIZED")
    )
    durations = []
    for index, stage in enumerate(STAGES):
        finished = per_cycle.c[f"f_{stage}"]
        began = per_cycle.c[f"f_{STAGES[index - 1]}" if index else "start_on"]
        durations.append(
            select(
                per_cycle.c.region,
                per_cycle.c.cercle,
                literal(stage).label("stage"),
                rounded(days_between(session, began, finished), 1).label("days"),
            ).where(
                per_cycle.c[f"o_{stage}"] == 0,
                within(finished, scope.period.starts, scope.period.ends),
            )
        )
    every = union_all(*durations).subquery()
    histogram = select(
        every.c.region, every.c.cercle, every.c.stage, every.c.days, func.count().label("k")
    ).group_by(every.c.region, every.c.cercle, every.c.stage, every.c.days)
    rows = keyed(histogram, scope)
    stmt = median_by(rows, [UNIT, "stage"], "days", weight="k")
    found: dict[str, Rows] = {}
    for row in session.execute(stmt).mappings():
        found.setdefault(row[UNIT], {})[row["stage"]] = {
            "finished": int(row["k"]),
            "median_days": _rounded(row["median"], 1),
        }
    return found


def _rounded(value: Any, digits: int) -> float | None:
    if value is None:
        return None
    exponent = Decimal(1).scaleb(-digits)
    return float(Decimal(str(value)).quantize(exponent, ROUND_HALF_UP))


def cycles_by_stage(session: Session, scope: Scope) -> dict[str, Rows]:
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
    base = (
        select(*place_of(), stage.label("stage"), func.count(Cycle.id).label("n"))
        .select_from(Cycle)
        .outerjoin(first_open, first_open.c.cycle_id == Cycle.id)
        .outerjoin(
            waiting,
            and_(waiting.cycle_id == Cycle.id, waiting.position == first_open.c.position),
        )
        .where(scope.cycles(), Cycle.start_on <= scope.period.last)
        .group_by(Cycle.region_pcode, Cycle.cercle_pcode, stage)
    )
    rows = keyed(base, scope)
    stmt = select(rows.c[UNIT], rows.c.stage, func.sum(rows.c.n).label("n")).group_by(
        rows.c[UNIT], rows.c.stage
    )
    found: dict[str, Rows] = {}
    for row in session.execute(stmt).mappings():
        found.setdefault(row[UNIT], {})[row["stage"]] = {"cycles": int(row["n"])}
    return found
