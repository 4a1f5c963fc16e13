"""A cycle's follow-up as people read it: its items by status, the plan's progress rolled up from
them, the visits done, and the risk and trust ratings of the baseline and of the last visit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from models.followup.items import ItemStatus, TrackedItem, rolled_up
from models.stages.baseline import BaselineStudy
from models.stages.follow_up import MonitoringVisit


@dataclass(frozen=True)
class FollowUpState:
    items: int
    by_status: dict[str, int]
    progress: int | None
    """The plan's progress: mean of its items' (done = 100, dropped left out); None if none count."""
    visits_done: int
    baseline_risk: int | None
    baseline_trust: int | None
    last_risk: int | None
    last_trust: int | None

    @property
    def done(self) -> int:
        return self.by_status.get(ItemStatus.DONE, 0)


def follow_up_state(session: Session, cycle_id: int) -> FollowUpState | None:
    """None before the handover (no item yet)."""
    items = session.execute(
        select(TrackedItem.status, TrackedItem.progress).where(TrackedItem.cycle_id == cycle_id)
    ).all()
    if not items:
        return None
    pairs: list[tuple[str, int]] = [(status, progress) for status, progress in items]
    last = session.scalar(
        select(MonitoringVisit)
        .where(MonitoringVisit.cycle_id == cycle_id)
        .order_by(MonitoringVisit.number.desc())
    )
    visits = session.scalar(
        select(func.count()).select_from(MonitoringVisit).filter_by(cycle_id=cycle_id)
    )
    baseline = session.scalar(select(BaselineStudy).where(BaselineStudy.cycle_id == cycle_id))
    return FollowUpState(
        items=len(pairs),
        by_status=dict(Counter(status for status, _ in pairs)),
        progress=rolled_up(pairs),
        visits_done=int(visits or 0),
        baseline_risk=baseline.risk_of_violence if baseline else None,
        baseline_trust=baseline.trust_in_institutions if baseline else None,
        last_risk=last.risk_of_violence if last else None,
        last_trust=last.trust_in_institutions if last else None,
    )


def plan_progress_query() -> Select[tuple[int, float | None]]:
    """Each cycle's plan progress in SQL (`rolled_up`: done counts 100, dropped is left out, which
    AVG does by skipping NULL): the portfolio joins it, and stays one query."""
    counted = case(
        (TrackedItem.status == ItemStatus.DONE.value, 100),
        (TrackedItem.status == ItemStatus.DROPPED.value, None),
        else_=TrackedItem.progress,
    )
    return select(
        TrackedItem.cycle_id.label("cycle_id"), func.avg(counted).label("progress")
    ).group_by(TrackedItem.cycle_id)
