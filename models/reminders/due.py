"""Which reminders, overdue notices and escalations are due: pure rules over the open steps.

`open_steps_query` is the sweep's one indexed query (ix_steps_status_due_at): open steps of active
cycles due before a horizon, never a loop over cycles. `due_rules` is pure: given the policy, `now`
and one step, it names the rules due now. A rule (models/reminders/rules.py) is a typed value whose text is
part of the ledger's idempotency key.

Of the owner's reminders only the latest one due is sent: a step planned two days before its due
date gets 'before-1d', never a late 'before-7d', and a sweep that missed days sends one notice, not
a backlog.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, and_, or_, select, update
from sqlalchemy.orm import Session, aliased

from models.audit import AuditEvent
from models.clock import BAMAKO, start_of_day
from models.cycle.cycle import Cycle, Step
from models.cycle.steps import StepKind
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.matching.assignment import TeamAssignment
from models.policy import ReminderPolicy
from models.query import in_chunks
from models.reminders.ledger import Notification
from models.reminders.rules import (
    ASSIGNMENT,
    DUE_TODAY,
    ESCALATION_COORDINATOR,
    ESCALATION_MANAGER,
    TEAM_CHANGES,
    Before,
    Invitation,
    Message,
    Overdue,
    TeamAssigned,
    TeamChange,
    UnknownRule,
    Unreachable,
    invitation_rule,
    parse_rule,
    team_change,
)
from models.stages.sessions import DebateSession, SessionStatus

OPEN = tuple(s.value for s in OPEN_STEP)


class Audience(enum.StrEnum):
    """Who a rule goes to: the step's owner, or a rung of the escalation ladder."""

    OWNER = "owner"
    COORDINATOR = "coordinator"
    MANAGER = "manager"


@dataclass(frozen=True)
class OpenStep:
    """One row of the sweep query: what the rules need to know about a step, as plain data."""

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


def message_for(rule: str) -> Message:
    """The template of the message a ledger row's rule sends (not for invitations: documents)."""
    parsed = parse_rule(rule)
    if parsed.MESSAGE is None:
        raise UnknownRule(f"rule '{rule}' is sent as a document, not as a message")
    return parsed.MESSAGE


def team_event_id(rule: str) -> int | None:
    """The audit event a team rule announces (None for other rules)."""
    parsed = parse_rule(rule)
    return parsed.event_id if isinstance(parsed, TeamChange) else None


def unreachable_about(rule: str) -> int | None:
    """The notification an 'unreachable' notice reports (None for other rules)."""
    parsed = parse_rule(rule)
    return parsed.notification_id if isinstance(parsed, Unreachable) else None


def is_owner_reminder(rule: str) -> bool:
    """Rules that count towards `max_per_step`."""
    return parse_rule(rule).OWNER_REMINDER


def horizon(policy: ReminderPolicy, now: datetime) -> datetime:
    """Steps due after this cannot have a reminder due yet."""
    offsets = [*policy.offsets_days]
    for stage in policy.stages:
        offsets.extend(policy.for_stage(stage).offsets_days)
    return now + timedelta(days=max([0, *offsets]) + 1)


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
        (_at(offset, due_at, policy.send_from), str(Before(offset)))
        for offset in sorted(set(policy.offsets_days), reverse=True)
        if offset > 0
    ]
    if policy.due_today:
        schedule.append((_at(0, due_at, policy.send_from), str(DUE_TODAY)))
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
        return str(Overdue((now - due_at) // timedelta(days=policy.overdue_repeat_days) + 1))
    latest = None
    for at, rule in _before_due(due_at, policy):
        if at <= now:
            latest = rule
    return latest


def due_rules(
    step: OpenStep,
    policy: ReminderPolicy,
    now: datetime,
    *,
    owner_reminders_so_far: int,
) -> list[DueRule]:
    """The rules due for `step` at `now` (the ledger drops those already claimed)."""
    rules = policy.for_stage(step.stage)
    due: list[DueRule] = []
    latest = latest_owner_rule(step.due_at, rules, now)
    if latest is not None and owner_reminders_so_far < rules.max_per_step:
        due.append(DueRule(step.step_id, latest, step.due_at, Audience.OWNER))
    overdue_for = now - step.due_at
    if overdue_for >= timedelta(days=rules.coordinator_after_days):
        due.append(
            DueRule(step.step_id, str(ESCALATION_COORDINATOR), step.due_at, Audience.COORDINATOR)
        )
    if overdue_for >= timedelta(days=rules.manager_after_days):
        due.append(DueRule(step.step_id, str(ESCALATION_MANAGER), step.due_at, Audience.MANAGER))
    return due


def escalation_level(rules: Iterable[str]) -> int:
    """0: none, 1: coordinator, 2: manager."""
    chosen = set(rules)
    if str(ESCALATION_MANAGER) in chosen:
        return 2
    return 1 if str(ESCALATION_COORDINATOR) in chosen else 0


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

_COLUMNS = (
    Step.id,
    Step.cycle_id,
    Step.stage,
    Step.name,
    Step.status,
    Step.owner_role,
    Step.facilitator_id,
    Step.due_at,
    Step.escalation_level,
    Cycle.region_pcode,
)


def open_steps_query(until: datetime) -> Select[*tuple[Any, ...]]:
    """Open steps of active cycles due before `until`: a range scan on ix_steps_status_due_at."""
    return (
        select(*_COLUMNS)
        .join(Cycle, Cycle.id == Step.cycle_id)
        .where(
            Step.status.in_(OPEN),
            Step.due_at <= until,
            Cycle.status == CycleStatus.ACTIVE.value,
        )
        .order_by(Step.due_at, Step.id)
    )


def open_steps_of(cycle_ids: Sequence[int]) -> Select[*tuple[Any, ...]]:
    """Open steps of these cycles (when active), each cycle's in order: its first is the one it
    waits on."""
    return (
        select(*_COLUMNS)
        .join(Cycle, Cycle.id == Step.cycle_id)
        .where(
            Step.cycle_id.in_(cycle_ids),
            Step.status.in_(OPEN),
            Cycle.status == CycleStatus.ACTIVE.value,
        )
        .order_by(Step.cycle_id, Step.position)
    )


def open_step(row: Row[Any]) -> OpenStep:
    """An OpenStep from a row of `open_steps_query` or `assignments_query`."""
    values: tuple[Any, ...] = tuple(row)
    return OpenStep(*values)


def assigned_steps_query() -> Select[*tuple[Any, ...]]:
    """Open steps of active cycles that have a facilitator."""
    return (
        select(*_COLUMNS)
        .join(Cycle, Cycle.id == Step.cycle_id)
        .where(
            Step.facilitator_id.is_not(None),
            Step.status.in_(OPEN),
            Cycle.status == CycleStatus.ACTIVE.value,
        )
        .order_by(Step.due_at, Step.id)
    )


def told_query() -> Select[*tuple[Any, ...]]:
    """(cycle, person) pairs already told of their assignment, by the step's notice or the team's."""
    other = aliased(Step)
    return (
        select(other.cycle_id, Notification.facilitator_id)
        .join(other, other.id == Notification.step_id)
        .where(
            or_(
                Notification.rule == str(ASSIGNMENT),
                Notification.rule.like(TeamAssigned.sql_like()),
            )
        )
        .distinct()
    )


def select_unannounced_assignments(
    session: Session, told_by_team: Iterable[tuple[int, int | None]] = ()
) -> list[OpenStep]:
    """The first open step of each (cycle, facilitator) not yet told: what the notice is about.

    A lead facilitator owns every session and minutes step of a cycle: they are told once per
    cycle, not once per step. The anti-join is done here, over two plain scans, because SQLite's
    planner may pick a nested scan for it (measured: 55 s instead of 0.5 s at 100,000 steps).
    """
    told = {(cycle_id, person) for cycle_id, person in session.execute(told_query())}
    told.update(told_by_team)  # a team notice being sent now says it already
    first: dict[tuple[int, int | None], OpenStep] = {}
    for row in session.execute(assigned_steps_query()):
        step = open_step(row)
        pair = (step.cycle_id, step.facilitator_id)
        if pair not in told:
            first.setdefault(pair, step)
    return list(first.values())


@dataclass(frozen=True)
class TeamNotice:
    """A team change to announce: the audit event, and the step of the cycle it is filed under
    (the step the cycle waits on: the ledger's key needs a step)."""

    event_id: int
    kind: str
    facilitator_id: int | None
    step: OpenStep

    @property
    def rule(self) -> str:
        return str(team_change(self.kind, self.event_id))


def select_team_notices(session: Session, since: datetime) -> list[TeamNotice]:
    """Team changes recorded since `since` (index on audit_events.at) of active cycles; the plan
    drops the (rule, recipient) pairs the ledger has already. Read only."""
    events: list[tuple[int, str, int | None, dict[str, Any] | None]] = [
        (row[0], row[1], row[2], row[3])
        for row in session.execute(
            select(AuditEvent.id, AuditEvent.action, AuditEvent.cycle_id, AuditEvent.after)
            .where(AuditEvent.at >= since, AuditEvent.action.like("team.notify.%"))
            .order_by(AuditEvent.id)
        )
    ]
    if not events:
        return []
    waiting: dict[int, OpenStep] = {}
    cycle_ids = sorted({c for _i, _a, c, _after in events if c is not None})
    for chunk_ids in in_chunks(cycle_ids):
        for row in session.execute(open_steps_of(chunk_ids)):
            step = open_step(row)
            waiting.setdefault(step.cycle_id, step)
    notices = []
    for event_id, action, cycle_id, after in events:
        kind = action.removeprefix("team.notify.")
        filed_under = waiting.get(cycle_id) if cycle_id is not None else None
        if filed_under is None or kind not in TEAM_CHANGES:
            continue
        person = (after or {}).get("facilitator_id")
        notices.append(TeamNotice(event_id, kind, person, filed_under))
    return notices


def claimed_pairs(session: Session, rules: Sequence[str]) -> set[tuple[str, str]]:
    """(rule, recipient) pairs the ledger holds for these rules, whatever their status."""
    pairs: set[tuple[str, str]] = set()
    for chunk in in_chunks(sorted(set(rules))):
        rows = session.execute(
            select(Notification.rule, Notification.recipient).where(Notification.rule.in_(chunk))
        )
        pairs.update((rule, recipient) for rule, recipient in rows)
    return pairs


def invited_session(rule: str) -> int | None:
    """The session number an invitation rule is about (None for other rules)."""
    parsed = parse_rule(rule)
    return parsed.session if isinstance(parsed, Invitation) else None


@dataclass(frozen=True)
class InvitationDue:
    """A session whose current invitation (or cancellation) is to be sent to its team and the
    region's coordinators, filed under the session's step."""

    rule: str
    session_number: int
    team: tuple[int, ...]
    step: OpenStep


def select_invitations(
    session: Session, now: datetime, cycle_id: int | None = None
) -> list[InvitationDue]:
    """Sessions still to come of active cycles (or of cycle `cycle_id`): the invitation of their
    current revision, or the notice of their cancellation (also when it closed the cycle). Read
    only; the plan drops what the ledger has already."""
    query = (
        select(
            DebateSession.number,
            DebateSession.revision,
            DebateSession.status,
            *_COLUMNS,
        )
        .join(Cycle, Cycle.id == DebateSession.cycle_id)
        .join(
            Step,
            and_(
                Step.cycle_id == DebateSession.cycle_id,
                Step.session_number == DebateSession.number,
                Step.name.like(StepKind.SESSION.sql_like),
            ),
        )
        .where(
            DebateSession.starts_at > now,
            DebateSession.status.in_(
                [
                    SessionStatus.SCHEDULED.value,
                    SessionStatus.POSTPONED.value,
                    SessionStatus.CANCELLED.value,
                ]
            ),
            or_(
                Cycle.status == CycleStatus.ACTIVE.value,
                DebateSession.status == SessionStatus.CANCELLED.value,
            ),
        )
        .order_by(DebateSession.cycle_id, DebateSession.number)
    )
    if cycle_id is not None:
        query = query.where(DebateSession.cycle_id == cycle_id)
    rows = session.execute(query).all()
    cycle_ids = sorted({row[4] for row in rows})
    teams: dict[int, list[int]] = {}
    for chunk in in_chunks(cycle_ids):
        for cycle_id, person in session.execute(
            select(TeamAssignment.cycle_id, TeamAssignment.facilitator_id)
            .where(TeamAssignment.cycle_id.in_(chunk), TeamAssignment.superseded_at.is_(None))
            .order_by(TeamAssignment.cycle_id, TeamAssignment.role.desc())
        ):
            teams.setdefault(cycle_id, []).append(person)
    due = []
    for number, revision, status, *step_columns in rows:
        step = OpenStep(*step_columns)
        cancelled = status == SessionStatus.CANCELLED.value
        if not cancelled and step.status not in OPEN:
            continue  # held already
        rule = str(invitation_rule(step.cycle_id, number, revision, cancelled))
        due.append(InvitationDue(rule, number, tuple(teams.get(step.cycle_id, [])), step))
    return due


# --- overdue flags ------------------------------------------------------------------------------


def flag_overdue(session: Session, now: datetime, *, actor: str) -> list[int]:
    """Flag open steps of active cycles whose due date has passed; return the newly flagged ids.

    One UPDATE on the indexed (status, due_at) range; its WHERE re-checks the status, so two sweeps
    flag each step once. `overdue_since` is the due date: escalation delays count from it.
    """
    active = select(Cycle.id).where(Cycle.status == CycleStatus.ACTIVE.value)
    flagged = session.scalars(
        update(Step)
        .where(
            Step.status.in_((StepStatus.PENDING.value, StepStatus.ACTIVE.value)),
            Step.due_at < now,
            Step.cycle_id.in_(active),
        )
        .values(status=StepStatus.OVERDUE.value, overdue_since=Step.due_at)
        .returning(Step.id)
        .execution_options(synchronize_session=False)
    ).all()
    _audit(session, flagged, now=now, actor=actor, before="open", after="overdue")
    return sorted(flagged)


def unflag_moved(session: Session, now: datetime, *, actor: str) -> list[int]:
    """Overdue steps whose due date moved into the future (a postponed session) are active again."""
    moved = session.scalars(
        update(Step)
        .where(Step.status == StepStatus.OVERDUE.value, Step.due_at >= now)
        .values(status=StepStatus.ACTIVE.value, overdue_since=None, escalation_level=0)
        .returning(Step.id)
        .execution_options(synchronize_session=False)
    ).all()
    _audit(session, moved, now=now, actor=actor, before="overdue", after="active")
    return sorted(moved)


def raise_escalation(session: Session, levels: dict[int, int]) -> None:
    """Record the escalation level reached per step (never lowers it)."""
    for level in (1, 2):
        ids = [step_id for step_id, reached in levels.items() if reached == level]
        for chunk in in_chunks(ids):
            session.execute(
                update(Step)
                .where(Step.id.in_(chunk), Step.escalation_level < level)
                .values(escalation_level=level)
                .execution_options(synchronize_session=False)
            )


def _audit(
    session: Session, step_ids: Sequence[int], *, now: datetime, actor: str, before: str, after: str
) -> None:
    if not step_ids:
        return
    cycles = dict(
        session.execute(select(Step.id, Step.cycle_id).where(Step.id.in_(step_ids))).all()
    )
    session.add_all(
        AuditEvent(
            at=now,
            actor=actor,
            action=f"step.{after}",
            entity="step",
            entity_id=str(step_id),
            cycle_id=cycles.get(step_id),
            before={"status": before},
            after={"status": after},
            reason="reminder sweep",
        )
        for step_id in step_ids
    )
