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

from sqlalchemy import Float, and_, cast, func, select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.followup.items import OPEN_ITEM, ItemSource, ItemStatus, ItemUpdate, TrackedItem
from models.report.activity import Rows, _rounded
from models.report.scope import Scope
from models.report.sql import UNIT, count_where, keyed, place_of, within
from models.stages.baseline import BaselineStudy
from models.stages.follow_up import MonitoringVisit

SOURCES = [s.value for s in ItemSource]
ITEM_COUNTS = ["due", "done", "on_time", "overdue", "dropped"]


def item_counts(session: Session, scope: Scope) -> dict[str, Rows]:
    """{unit: {source: {"due", "done", "on_time", "overdue", "dropped"}}}."""
    done_on = (
        select(ItemUpdate.item_id.label("item_id"), func.min(ItemUpdate.on).label("on"))
        .where(ItemUpdate.status == ItemStatus.DONE.value)
        .group_by(ItemUpdate.item_id)
        .subquery()
    )
    is_open = TrackedItem.status.in_([s.value for s in OPEN_ITEM])
    done = TrackedItem.status == ItemStatus.DONE.value
    base = (
        select(
            *place_of(),
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
        )
        .group_by(Cycle.region_pcode, Cycle.cercle_pcode, TrackedItem.source)
    )
    rows = keyed(base, scope)
    stmt = select(
        rows.c[UNIT], rows.c.source, *[func.sum(rows.c[c]).label(c) for c in ITEM_COUNTS]
    ).group_by(rows.c[UNIT], rows.c.source)
    found: dict[str, Rows] = {}
    for row in session.execute(stmt).mappings():
        found.setdefault(row[UNIT], {})[row["source"]] = {c: int(row[c]) for c in ITEM_COUNTS}
    return found


RATINGS = [
    "baseline_risk",
    "last_risk",
    "risk_change",
    "baseline_trust",
    "last_trust",
    "trust_change",
]


def ratings(session: Session, scope: Scope) -> Rows:
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
    risk = (BaselineStudy.risk_of_violence, MonitoringVisit.risk_of_violence)
    trust = (BaselineStudy.trust_in_institutions, MonitoringVisit.trust_in_institutions)
    base = (
        select(
            *place_of(),
            risk[0].label("baseline_risk"),
            risk[1].label("last_risk"),
            (risk[1] - risk[0]).label("risk_change"),
            trust[0].label("baseline_trust"),
            trust[1].label("last_trust"),
            (trust[1] - trust[0]).label("trust_change"),
        )
        .select_from(last)
        .join(
            MonitoringVisit,
            and_(MonitoringVisit.cycle_id == last.c.cycle_id, MonitoringVisit.number == last.c.n),
        )
        .join(BaselineStudy, BaselineStudy.cycle_id == last.c.cycle_id)
        .join(Cycle, Cycle.id == last.c.cycle_id)
        .where(scope.cycles(), risk[0].is_not(None), trust[0].is_not(None))
    )
    rows = keyed(base, scope)
    stmt = select(
        rows.c[UNIT],
        func.count().label("cycles_measured"),
        *[func.avg(cast(rows.c[c], Float)).label(c) for c in RATINGS],
    ).group_by(rows.c[UNIT])
    return {
        row[UNIT]: {"cycles_measured": int(row["cycles_measured"])}
        | {c: _rounded(row[c], 2) for c in RATINGS}
        for row in session.execute(stmt).mappings()
    }
