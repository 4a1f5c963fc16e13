"""Which reminders are due for tracked items, and the open items the sweep reads.

An item is chased like a step, through the same ledger and rules of language, with its own rule
kinds (models/reminders/rules.py) and the [follow_up] policy: reminders to its owner (one of the
commune's people, who has a contact) before its deadline and while it is overdue, one escalation to
the region's coordinators after `item_coordinator_after_days`, and a nudge to the owner when it
was not updated for `item_idle_days`. Only open items of active, unpaused cycles are chased. A
ledger row of an item is filed under the cycle's handover step and carries `item_id`; its due date
is the item's deadline, so a rescheduled item gets fresh reminders (the old ones are cancelled).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step
from models.cycle.pause import not_paused
from models.cycle.steps import HANDOVER
from models.cycle.transitions import CycleStatus
from models.followup.items import OPEN_ITEM, TrackedItem
from models.policy import Policy
from models.reminders.due import Audience, latest_owner_rule
from models.reminders.ledger import Notification
from models.reminders.rules import (
    Before,
    ItemBefore,
    ItemEscalation,
    ItemIdle,
    ItemOverdue,
    Overdue,
    parse_rule,
)


@dataclass(frozen=True)
class OpenItem:
    """One open item as the sweep reads it, as plain data."""

    item_id: int
    cycle_id: int
    step_id: int
    """The cycle's handover step: the ledger files the item's rows under it."""
    region_pcode: str
    owner_id: int | None
    deadline: date
    updated_at: datetime


@dataclass(frozen=True)
class ItemDue:
    item: OpenItem
    rule: str
    due_at: datetime
    audience: Audience


def item_due_at(deadline: date, policy: Policy) -> datetime:
    """An item falls due at the cycle's `due_time` (Bamako) on its deadline."""
    return datetime.combine(deadline, policy.cycle.due_time, tzinfo=BAMAKO)


def item_rules(
    item: OpenItem, policy: Policy, now: datetime, *, reminders_so_far: int
) -> list[ItemDue]:
    """The rules due for `item` at `now` (the ledger drops those it holds already)."""
    follow_up = policy.follow_up
    chase = policy.reminders.model_copy(
        update={
            "offsets_days": follow_up.item_offsets_days,
            "due_today": False,
            "overdue_repeat_days": follow_up.item_overdue_repeat_days,
        }
    )
    due_at = item_due_at(item.deadline, policy)
    due: list[ItemDue] = []
    latest = latest_owner_rule(due_at, chase, now)
    if latest is not None and reminders_so_far < follow_up.item_max_reminders:
        step_rule = parse_rule(latest)
        rule = (
            ItemBefore(item.item_id, step_rule.days)
            if isinstance(step_rule, Before)
            else ItemOverdue(item.item_id, step_rule.count)
            if isinstance(step_rule, Overdue)
            else None
        )
        if rule is not None:
            due.append(ItemDue(item, str(rule), due_at, Audience.OWNER))
    if now - due_at >= timedelta(days=follow_up.item_coordinator_after_days):
        due.append(ItemDue(item, str(ItemEscalation(item.item_id)), due_at, Audience.COORDINATOR))
    if now - item.updated_at >= timedelta(days=follow_up.item_idle_days):
        since = item.updated_at.astimezone(BAMAKO).date().toordinal()
        due.append(ItemDue(item, str(ItemIdle(item.item_id, since)), due_at, Audience.OWNER))
    return due


def open_items_query() -> Select[*tuple[Any, ...]]:
    """Open items of active cycles that are not paused, with their cycle's handover step."""
    return (
        select(
            TrackedItem.id,
            TrackedItem.cycle_id,
            Step.id,
            Cycle.region_pcode,
            TrackedItem.owner_id,
            TrackedItem.deadline,
            TrackedItem.updated_at,
        )
        .join(Cycle, Cycle.id == TrackedItem.cycle_id)
        .join(Step, and_(Step.cycle_id == Cycle.id, Step.name == str(HANDOVER)))
        .where(
            TrackedItem.status.in_([s.value for s in OPEN_ITEM]),
            Cycle.status == CycleStatus.ACTIVE.value,
            not_paused(),
        )
        .order_by(TrackedItem.id)
    )


def open_items(session: Session) -> list[OpenItem]:
    rows: list[tuple[Any, ...]] = [tuple(row) for row in session.execute(open_items_query())]
    return [OpenItem(*row) for row in rows]


def item_ledger_keys(
    session: Session, items: list[OpenItem], policy: Policy
) -> dict[int, set[tuple[str, str]]]:
    """(rule, recipient) the ledger holds for each item's current deadline."""
    due = {i.item_id: item_due_at(i.deadline, policy) for i in items}
    keys: dict[int, set[tuple[str, str]]] = defaultdict(set)
    rows = session.execute(
        select(Notification.item_id, Notification.rule, Notification.recipient, Notification.due_at)
        .join(TrackedItem, TrackedItem.id == Notification.item_id)
        .join(Cycle, Cycle.id == TrackedItem.cycle_id)
        .where(
            TrackedItem.status.in_([s.value for s in OPEN_ITEM]),
            Cycle.status == CycleStatus.ACTIVE.value,
        )
    )
    for item_id, rule, recipient, due_at in rows:
        if item_id in due and due_at == due[item_id]:
            keys[item_id].add((rule, recipient))
    return keys


def reminders_so_far(keys: set[tuple[str, str]]) -> int:
    return len({rule for rule, _ in keys if isinstance(parse_rule(rule), ItemBefore | ItemOverdue)})
