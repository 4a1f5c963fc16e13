"""Which reminders, overdue notices and escalations are due: pure rules over the open steps.

`due_rules` is pure: given the policy, `now` and one step (an `OpenStep`, as
models/reminders/selection.py reads it), it names the rules due now. A rule
(models/reminders/rules.py) is a typed value whose text is part of the ledger's idempotency key.

Of the owner's reminders only the latest one due is sent: a step planned two days before its due
date gets 'before-1d', never a late 'before-7d', and a sweep that missed days sends one notice, not
a backlog.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from models.clock import BAMAKO, start_of_day
from models.policy import ReminderPolicy
from models.reminders.rules import (
    DUE_TODAY,
    ESCALATION_COORDINATOR,
    ESCALATION_MANAGER,
    Before,
    Overdue,
)


class Audience(enum.StrEnum):
    """Who a rule goes to: the step's owner, or a rung of the escalation ladder."""

    OWNER = "owner"
    COORDINATOR = "coordinator"
    MANAGER = "manager"


class OpenStep(NamedTuple):
    """One row of the sweep query: what the rules need to know about a step, as plain data (a
    named tuple: the sweep makes 11,239 in the backlog benchmark, a frozen dataclass cost 4×)."""

    step_id: int
    cycle_id: int
    stage: str
    name: str
    status: str
    owner_role: str
    facilitator_id: int | None
    due_at: datetime
    escalation_level: int
    region_pcode: str


@dataclass(frozen=True)
class DueRule:
    step_id: int
    rule: str
    due_at: datetime
    audience: Audience


def horizon(policy: ReminderPolicy, now: datetime) -> datetime:
    """Steps due after this cannot have a reminder due yet."""
    offsets = [*policy.offsets_days]
    for stage in policy.stages:
        offsets.extend(policy.for_stage(stage).offsets_days)
    return now + timedelta(days=max([0, *offsets]) + 1)


# The rules' texts the sweep asks for at every step, made once (models/reminders/rules.py).
_MANAGER, _COORDINATOR = str(ESCALATION_MANAGER), str(ESCALATION_COORDINATOR)
_DUE_TODAY = str(DUE_TODAY)


@lru_cache(maxsize=64)
def _before_text(days: int) -> str:
    return str(Before(days))


@lru_cache(maxsize=256)
def _overdue_text(count: int) -> str:
    return str(Overdue(count))


@lru_cache(maxsize=4096)
def _at(day_offset: int, due_at: datetime, send_from: time) -> datetime:
    """`send_from` o'clock in Bamako, `day_offset` days before the due day (steps share dates)."""
    due_day = due_at.astimezone(BAMAKO).date()
    return start_of_day(due_day - timedelta(days=day_offset)) + timedelta(
        hours=send_from.hour, minutes=send_from.minute
    )


def _before_due(due_at: datetime, policy: ReminderPolicy) -> list[tuple[datetime, str]]:
    """The owner's reminders before the due time, in order."""
    schedule = [
        (_at(offset, due_at, policy.send_from), _before_text(offset))
        for offset in sorted(set(policy.offsets_days), reverse=True)
        if offset > 0
    ]
    if policy.due_today:
        schedule.append((_at(0, due_at, policy.send_from), _DUE_TODAY))
    return [(at, rule) for at, rule in schedule if at < due_at]


def owner_schedule(
    due_at: datetime, policy: ReminderPolicy, now: datetime
) -> list[tuple[datetime, str]]:
    """The owner's reminders up to `now`, in order: (when it falls due, rule)."""
    schedule = _before_due(due_at, policy)
    if now >= due_at:
        repeat = timedelta(days=policy.overdue_repeat_days)
        count = (now - due_at) // repeat + 1
        schedule.extend((due_at + k * repeat, str(Overdue(k + 1))) for k in range(count))
    return [(at, rule) for at, rule in schedule if at <= now]


def latest_owner_rule(due_at: datetime, policy: ReminderPolicy, now: datetime) -> str | None:
    """The last rule of `owner_schedule` without building it (the sweep asks for every step)."""
    if now >= due_at:
        return _overdue_text((now - due_at) // timedelta(days=policy.overdue_repeat_days) + 1)
    latest = None
    for at, rule in _before_due(due_at, policy):
        if at <= now:
            latest = rule
    return latest


@dataclass(frozen=True)
class StepDue:
    """What is due at `now` for any step of one stage and due date, whatever its ledger says:
    the latest owner rule (if any), how many owner reminders a step may get, the escalations
    (rule, audience) and the ladder's rung they reach. Steps share stages and due dates, so the
    sweep works this out once per pair (`DueNow`), not once per step."""

    owner: str | None
    max_per_step: int
    escalations: tuple[tuple[str, Audience], ...]
    level: int

    def rules(self, step_id: int, due_at: datetime, owner_reminders_so_far: int) -> list[DueRule]:
        due: list[DueRule] = []
        if self.owner is not None and owner_reminders_so_far < self.max_per_step:
            due.append(DueRule(step_id, self.owner, due_at, Audience.OWNER))
        due.extend(DueRule(step_id, rule, due_at, audience) for rule, audience in self.escalations)
        return due


def step_due(stage: str, due_at: datetime, policy: ReminderPolicy, now: datetime) -> StepDue:
    """`StepDue` for a step of `stage` due at `due_at`."""
    rules = policy.for_stage(stage)
    overdue_for = now - due_at
    escalations: list[tuple[str, Audience]] = []
    if overdue_for >= timedelta(days=rules.coordinator_after_days):
        escalations.append((_COORDINATOR, Audience.COORDINATOR))
    if overdue_for >= timedelta(days=rules.manager_after_days):
        escalations.append((_MANAGER, Audience.MANAGER))
    return StepDue(
        latest_owner_rule(due_at, rules, now),
        rules.max_per_step,
        tuple(escalations),
        escalation_level(rule for rule, _audience in escalations),
    )


class DueNow(dict[tuple[str, datetime], StepDue]):
    """`step_due` for one policy and `now`, memoised by (stage, due date): `due_now[stage, due_at]`."""

    def __init__(self, policy: ReminderPolicy, now: datetime) -> None:
        super().__init__()
        self.policy, self.now = policy, now

    def __missing__(self, key: tuple[str, datetime]) -> StepDue:
        found = self[key] = step_due(key[0], key[1], self.policy, self.now)
        return found


def due_rules(
    step: OpenStep,
    policy: ReminderPolicy,
    now: datetime,
    *,
    owner_reminders_so_far: int,
) -> list[DueRule]:
    """The rules due for `step` at `now` (the ledger drops those already claimed)."""
    due = step_due(step.stage, step.due_at, policy, now)
    return due.rules(step.step_id, step.due_at, owner_reminders_so_far)


def escalation_level(rules: Iterable[str]) -> int:
    """0: none, 1: coordinator, 2: manager."""
    chosen = set(rules)
    if _MANAGER in chosen:
        return 2
    return 1 if _COORDINATOR in chosen else 0


def in_quiet_hours(now: datetime, policy: ReminderPolicy) -> bool:
    """Whether `now` (read in Bamako) falls in the quiet hours, which may span midnight."""
    clock = now.astimezone(BAMAKO).time()
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def quiet_schemes_now(now: datetime, policy: ReminderPolicy) -> frozenset[str]:
    """The channels that must wait now: the SMS-type ones during quiet hours, else none."""
    if not in_quiet_hours(now, policy):
        return frozenset()
    return frozenset(s.lower() for s in policy.quiet_schemes)


# --- the queries ------------------------------------------------------------------------------


# --- overdue flags ------------------------------------------------------------------------------
