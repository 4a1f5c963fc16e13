"""What the plans changed, per org unit: the tracked items (plan actions and session commitments)
due in the period, done, done on time, overdue or dropped; and the risk of violence and trust in
local institutions (1-5) at the baseline and at the last visit of the period, with the change.

An item counts by its deadline; it was done on time when its first `done` update is dated on or
before it, and is overdue when still open after it (judged on the report's day, or the period's
end if earlier). The ratings compare each cycle with itself: only cycles rated at the baseline
and visited in the period count, and with none the change is "not yet measured" (None).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Float, and_, cast, func, select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.followup.items import OPEN_ITEM, ItemSource, ItemStatus, ItemUpdate, TrackedItem
from models.geography.places import Level
from models.report.activity import Rows
from models.report.scope import Scope
from models.report.sql import UNIT, count_where, grouped, rounded, unit_of, within
from models.stages.baseline import BaselineStudy
from models.stages.follow_up import MonitoringVisit

SOURCES = [s.value for s in ItemSource]


def item_counts(session: Session, scope: Scope, level: Level | None) -> dict[str, Rows]:
    """{unit: {source: {"due", "done", "on_time", "overdue", "dropped"}}}."""
    done_on = (
        select(ItemUpdate.item_id.label("item_id"), func.min(ItemUpdate.on).label("on"))
        .where(ItemUpdate.status == ItemStatus.DONE.value)
        .group_by(ItemUpdate.item_id)
        .subquery()
    )
    is_open = TrackedItem.status.in_([s.value for s in OPEN_ITEM])
    done = TrackedItem.status == ItemStatus.DONE.value
    stmt = grouped(
        select(
            unit_of(level, scope.pcode),
            TrackedItem.source.label("source"),
            func.count(TrackedItem.id).label("due"),
            count_where(done).label("done"),
            count_where(and_(done, done_on.c.on <= TrackedItem.deadline)).label("on_time"),
            count_where(and_(is_open, TrackedItem.deadline < scope.as_of)).label("overdue"),
            count_where(TrackedItem.status == ItemStatus.DROPPED.value).label("dropped"),
        )
        .select_from(TrackedItem)
        .join(Cycle, Cycle.id == TrackedItem.cycle_id)
        .outerjoin(done_on, done_on.c.item_id == TrackedItem.id)
        .where(
            scope.cycles(),
            within(TrackedItem.deadline, scope.period.first, scope.period.last + timedelta(days=1)),
        ),
        level,
    ).group_by(TrackedItem.source)
    found: dict[str, Rows] = {}
    for row in session.execute(stmt).mappings():
        found.setdefault(row[UNIT], {})[row["source"]] = {
            k: row[k] for k in ("due", "done", "on_time", "overdue", "dropped")
        }
    return found


def ratings(session: Session, scope: Scope, level: Level | None) -> Rows:
    """Per unit: cycles measured, mean risk and trust at the baseline and at the last visit of
    the period, and the mean change (last visit minus baseline: risk should fall, trust rise)."""
    period = scope.period
    last = (
        select(
            MonitoringVisit.cycle_id.label("cycle_id"), func.max(MonitoringVisit.number).label("n")
        )
        .where(within(MonitoringVisit.visited_on, period.first, period.last + timedelta(days=1)))
        .group_by(MonitoringVisit.cycle_id)
        .subquery()
    )

    def mean(column: Any) -> Any:
        return rounded(func.avg(cast(column, Float)), 2)

    stmt = grouped(
        select(
            unit_of(level, scope.pcode),
            func.count(Cycle.id).label("cycles_measured"),
            mean(BaselineStudy.risk_of_violence).label("baseline_risk"),
            mean(MonitoringVisit.risk_of_violence).label("last_risk"),
            mean(MonitoringVisit.risk_of_violence - BaselineStudy.risk_of_violence).label(
                "risk_change"
            ),
            mean(BaselineStudy.trust_in_institutions).label("baseline_trust"),
            mean(MonitoringVisit.trust_in_institutions).label("last_trust"),
            mean(MonitoringVisit.trust_in_institutions - BaselineStudy.trust_in_institutions).label(
                "trust_change"
            ),
        )
        .select_from(last)
        .join(
            MonitoringVisit,
            and_(MonitoringVisit.cycle_id == last.c.cycle_id, MonitoringVisit.number == last.c.n),
        )
        .join(BaselineStudy, BaselineStudy.cycle_id == last.c.cycle_id)
        .join(Cycle, Cycle.id == last.c.cycle_id)
        .where(
            scope.cycles(),
            BaselineStudy.risk_of_violence.is_not(None),
            BaselineStudy.trust_in_institutions.is_not(None),
        ),
        level,
    )
    found: Rows = {}
    for row in session.execute(stmt).mappings():
        if row["cycles_measured"]:
            found[row[UNIT]] = {
                k: (float(v) if v is not None and k != "cycles_measured" else v)
                for k, v in row.items()
                if k != UNIT
            }
    return found
