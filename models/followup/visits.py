"""The follow-up stage's life: begun at the handover, a visit recorded, the cycle closed.

At the handover every plan action and commitment becomes a tracked item, and the monitoring visits
are added to the cycle as steps `visit-1`, `visit-2` … due the policy's months after the handover
([follow_up] visits_after_months). A visit updates the items it saw (models/followup/updates.py,
as an update between visits does); after the last visit, or at an earlier visit once every item is
done or dropped, the cycle is completed, which frees its commune. Only a visit closes a cycle.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import record
from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step
from models.cycle.status import close_cycle, set_step_status
from models.cycle.steps import StepKind, StepName
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.errors import InvalidInput
from models.followup.items import OPEN_ITEM, ItemStatus, TrackedItem, create_items, items_of
from models.followup.updates import apply_item_update
from models.idempotent import insert_or_existing
from models.policy import Policy
from models.stages.follow_up import ItemUpdateIn, MonitoringVisit, VisitSubmission

CLOSED_AFTER_LAST_VISIT = "suivi terminé: dernière visite / follow-up over: last visit recorded"
CLOSED_ITEMS_FINISHED = (
    "suivi terminé: toutes les actions faites ou abandonnées / "
    "follow-up over: every item done or dropped"
)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def visit_steps(cycle: Cycle) -> list[Step]:
    return [s for s in cycle.steps if s.step_name.kind is StepKind.VISIT]


def start_follow_up(
    session: Session,
    cycle: Cycle,
    handed_over_at: datetime,
    policy: Policy,
    *,
    actor: str,
    now: datetime,
) -> list[TrackedItem]:
    """The tracked items and the visit steps of a cycle whose plan was just handed over; a replay
    finds them made and changes nothing."""
    items = create_items(session, cycle, now=now)
    if visit_steps(cycle):
        return items
    handed = handed_over_at.astimezone(BAMAKO).date()
    last = max(s.position for s in cycle.steps)
    for number, months in enumerate(policy.follow_up.visits_after_months, start=1):
        name = StepName.visit(number)
        due = datetime.combine(add_months(handed, months), policy.cycle.due_time, tzinfo=BAMAKO)
        cycle.steps.append(
            Step(
                position=last + number,
                stage=name.stage.value,
                name=str(name),
                title=name.title,
                owner_role=name.owner_role.value,
                due_at=due,
                status=StepStatus.PENDING.value,
            )
        )
    session.flush()
    record(
        session,
        "follow_up.started",
        "cycle",
        cycle.id,
        cycle.id,
        now=now,
        actor=actor,
        after={"items": len(items), "visits": len(policy.follow_up.visits_after_months)},
    )
    return items


def _repeats_closed(item: TrackedItem, update: ItemUpdateIn) -> bool:
    """An entry that says of a done or dropped item only what it is already (as a visit's form
    and template start from it): it records nothing, the item's timeline gets no copy."""
    return (
        not item.is_open
        and update.status == item.status
        and (update.progress == item.progress or update.status == ItemStatus.DONE)
        and update.note is None
        and update.reason in (None, item.drop_reason)
        and update.deadline in (None, item.deadline)
        and update.owner is None
    )


def record_visit(
    session: Session,
    cycle: Cycle,
    number: int,
    submission: VisitSubmission,
    *,
    actor: str,
    now: datetime,
) -> bool:
    """Record visit `number` once: its ratings and incident counts, and each item's update."""
    items = {item.number: item for item in items_of(session, cycle.id)}
    problems = [
        (
            f"items[{i}].item",
            f"cycle {cycle.label} has no item {u.item}; items are "
            f"{', '.join(map(str, items)) or 'none'} (debates actions --cycle {cycle.id})",
        )
        for i, u in enumerate(submission.items)
        if u.item not in items
    ]
    if submission.visited_on > now.astimezone(BAMAKO).date():
        problems.append(("visited_on", f"{submission.visited_on} is still to come; give the day"))
    if problems:
        raise InvalidInput(f"the input for step 'visit-{number}' is not valid", problems)
    visit, created = insert_or_existing(
        session,
        MonitoringVisit,
        {"cycle_id": cycle.id, "number": number},
        lambda: MonitoringVisit(
            visited_on=submission.visited_on,
            incidents={str(k): v for k, v in submission.incidents.items()},
            risk_of_violence=submission.risk_of_violence,
            trust_in_institutions=submission.trust_in_institutions,
            note=submission.note,
            recorded_at=now,
        ),
    )
    if not created:
        return False
    updated = 0
    for index, update in enumerate(submission.items):
        if _repeats_closed(items[update.item], update):
            continue
        apply_item_update(
            session,
            cycle,
            items[update.item],
            update,
            on=visit.visited_on,
            visit_id=visit.id,
            refused=(f"the input for step 'visit-{number}' is not valid", f"items[{index}].owner"),
            actor=actor,
            now=now,
        )
        updated += 1
    record(
        session,
        "visit.recorded",
        "monitoring_visit",
        visit.id,
        cycle.id,
        now=now,
        actor=actor,
        after={
            "visit": number,
            "items": updated,
            "incidents": sum(submission.incidents.values()),
            "risk_of_violence": submission.risk_of_violence,
            "trust_in_institutions": submission.trust_in_institutions,
        },
    )
    return True


def close_if_over(session: Session, cycle: Cycle, *, actor: str, now: datetime) -> bool:
    """Complete the cycle when its follow-up is over: no visit left, or every item done or
    dropped (the visits left are skipped). False while it goes on."""
    visits = visit_steps(cycle)
    if cycle.status != CycleStatus.ACTIVE or not visits:
        return False
    waiting = [s for s in visits if s.status in OPEN_STEP]
    items = session.scalars(select(TrackedItem.status).where(TrackedItem.cycle_id == cycle.id))
    finished = all(status not in OPEN_ITEM for status in items)
    if waiting and not finished:
        return False
    for step in waiting:
        set_step_status(
            session, step, StepStatus.SKIPPED, actor=actor, now=now, reason=CLOSED_ITEMS_FINISHED
        )
    reason = CLOSED_ITEMS_FINISHED if waiting else CLOSED_AFTER_LAST_VISIT
    return close_cycle(session, cycle, CycleStatus.COMPLETED, actor=actor, now=now, reason=reason)
