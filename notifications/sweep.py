"""The reminder sweep in plain Python: flag, plan, claim, deliver. Prefect tasks wrap each phase.

Each phase is its own short transaction (session_scope), so a crash between phases leaves the
ledger consistent: a claim without an outcome is taken over after the lease by a later sweep.
"""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step, area_label, with_place_names
from models.db import session_scope
from models.geography.places import Cercle, Commune, Region
from models.people.facilitator import Facilitator
from models.policy import ReminderPolicy, current_policy
from models.query import in_chunks
from models.reminders.due import Audience, DueNow, OpenStep, horizon, quiet_schemes_now
from models.reminders.overdue import flag_overdue, raise_escalation, unflag_moved
from models.reminders.plans import PlanDue, select_plans_to_send
from models.reminders.rules import ASSIGNMENT
from models.reminders.selection import (
    InvitationDue,
    claimed_pairs,
    open_step,
    open_steps_query,
    rows,
    select_invitations,
    select_team_notices,
)
from models.reminders.told import mark_told, select_unannounced_assignments
from notifications import ledger
from notifications.items import item_claims
from notifications.ledger import Claim
from notifications.reach import Reach, Reached
from notifications.recipients import Directory

log = logging.getLogger("debates.notifications")
_ASSIGNMENT = str(ASSIGNMENT)  # compared at every due rule of every step


def new_sweep_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class OverdueStep:
    """A step newly flagged overdue, as plain data for events (no names of people)."""

    step_id: int
    step_name: str
    cycle_id: int
    area_pcode: str
    area_name: str
    region: str
    due_at: datetime


@dataclass
class Plan:
    claims: list[Claim] = field(default_factory=list)
    deferred_quiet: int = 0
    without_channel: int = 0
    escalations: dict[int, int] = field(default_factory=dict)
    told_steps: list[int] = field(default_factory=list)
    """Steps whose facilitator the ledger says was told, to mark so (`mark_told`)."""


# --- overdue flags ------------------------------------------------------------------------------


def flag_overdue_steps(now: datetime, *, actor: str = "reminder-sweep") -> list[OverdueStep]:
    """Flag steps whose due date passed; unflag those whose due date moved into the future."""
    with session_scope() as session:
        unflag_moved(session, now, actor=actor)
        flagged = flag_overdue(session, now, actor=actor)
        return describe_steps(session, flagged)


def describe_steps(session: Session, step_ids: list[int]) -> list[OverdueStep]:
    described: list[OverdueStep] = []
    for chunk in in_chunks(step_ids):
        query = with_place_names(
            select(
                Step.id,
                Step.name,
                Cycle.id,
                Cycle.area_pcode,
                Commune.name,
                Cercle.name,
                Region.name,
                Step.due_at,
            ).join(Cycle, Cycle.id == Step.cycle_id)
        )
        rows = session.execute(query.where(Step.id.in_(chunk)).order_by(Step.id))
        for step_id, name, cycle_id, area, commune, cercle, region, due_at in rows:
            described.append(
                OverdueStep(
                    step_id, name, cycle_id, area, area_label(commune, cercle), region, due_at
                )
            )
    return described


# --- planning and claiming ----------------------------------------------------------------------


def plan(session: Session, policy: ReminderPolicy, now: datetime) -> Plan:
    """What is due now and not yet in the ledger, per recipient channel. Reads only.

    The selected steps are read as plain rows (Core, not the ORM's loading), then their ledger
    keys by step id: the steps' query runs once. What is due is worked out once per stage and
    due date (`DueNow`), who it goes to once per person and audience (`Reach`): what remains per
    step is a few lookups, and per claim a tuple.

    The cyclic garbage collector is paused meanwhile: the plan makes tens of thousands of small
    tuples and rows, none in a cycle, and the collections they set off (130 young, 12 middle and
    a full one at 100,000 open steps) took a fifth of its time; a full one costs more in a
    worker that has Prefect loaded. Reference counting still frees everything as usual.
    """
    with _cyclic_gc_paused():
        return _plan(session, policy, now)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plan(session: Session, policy: ReminderPolicy, now: datetime) -> Plan:
    directory = Directory.load(session)
    reach = Reach(directory, quiet_schemes_now(now, policy), fallback=policy.channel_fallback)
    result = Plan()
    since = now - timedelta(days=policy.team_notice_days)
    team = select_team_notices(session, since)
    invitations = select_invitations(session, now)
    plans = select_plans_to_send(session, since)
    sent = claimed_pairs(
        session, [n.rule for n in team] + [i.rule for i in invitations] + [p.rule for p in plans]
    )
    for notice in team:
        people = directory.told_of_team_change(
            notice.kind, notice.facilitator_id, notice.step.region_pcode
        )
        _claim(result, notice.step, notice.rule, reach.people(people), sent)
    expand_invitations(result, invitations, reach, sent)
    expand_plans(result, plans, reach, sent)
    told = {(n.step.cycle_id, n.facilitator_id) for n in team if n.kind == "assigned"}
    unannounced = select_unannounced_assignments(session, told_by_team=told)
    for step in unannounced.steps:
        assigned = directory.people.get(step.facilitator_id or -1)
        _claim(result, step, _ASSIGNMENT, reach.people([assigned] if assigned else []), _NONE)
    result.told_steps = unannounced.told
    steps = [open_step(row) for row in rows(session, open_steps_query(horizon(policy, now)))]
    keys = ledger.existing_keys(session, steps)
    due_now = DueNow(policy, now)
    for step in steps:
        already = keys.get(step.step_id, _NONE)
        due = due_now[step.stage, step.due_at]
        if due.owner is not None:
            so_far = ledger.owner_reminders_so_far(already) if already else 0
            if so_far < due.max_per_step:
                _claim(result, step, due.owner, reach.audience(Audience.OWNER, step), already)
        for rule, audience in due.escalations:
            _claim(result, step, rule, reach.audience(audience, step), already)
        if due.level > step.escalation_level:
            result.escalations[step.step_id] = due.level
    claims, quiet_items, unreachable = item_claims(
        session, current_policy().model_copy(update={"reminders": policy}), now, directory
    )
    result.claims += claims
    result.deferred_quiet += quiet_items
    result.without_channel += unreachable
    return result


_NONE: frozenset[tuple[str, str]] = frozenset()


def _claim(
    result: Plan,
    step: OpenStep,
    rule: str,
    reached: Reached,
    already: AbstractSet[tuple[str, str]],
) -> None:
    """A claim of `rule` per channel reached that the ledger does not hold yet (`already`: its
    (rule, recipient) pairs); a channel in quiet hours is counted instead."""
    result.without_channel += reached.without_channel
    for recipient, quiet, to in reached.targets:
        if (rule, recipient) in already:
            continue
        if quiet:
            result.deferred_quiet += 1
            continue
        result.claims.append(Claim(step.step_id, rule, step.due_at, *to))


def expand_invitations(
    result: Plan,
    invitations: list[InvitationDue],
    reach: Reach,
    already: AbstractSet[tuple[str, str]],
) -> None:
    """A claim per session invitation and channel of its team, coordinators and office holders."""
    for invitation in invitations:
        step = invitation.step
        people = reach.directory.invited(invitation.team, step.region_pcode, invitation.area_pcode)
        _claim(result, step, invitation.rule, reach.people(people), already)


def expand_plans(
    result: Plan,
    plans: list[PlanDue],
    reach: Reach,
    already: AbstractSet[tuple[str, str]],
) -> None:
    """A claim per validated plan and channel of its commune's (or cercle's) office holders."""
    for due in plans:
        people = reach.directory.commune_people(due.area_pcode)
        _claim(result, due.step, due.rule, reach.people(people), already)


@dataclass
class ClaimReport:
    ids: list[int]
    new: int
    retried: int
    cancelled: int
    deferred_quiet: int
    without_channel: int


def claim_due(now: datetime, policy: ReminderPolicy, sweep_id: str) -> ClaimReport:
    """Cancel what must not go out, take over retries and dead claims, claim what is newly due."""
    with session_scope() as session:
        cancelled = ledger.cancel_obsolete(session, now, policy)
        retried = ledger.reclaim(session, now, policy, sweep_id)
    with session_scope() as session:
        planned = plan(session, policy, now)
    with session_scope() as session:
        won = ledger.insert_claims(session, planned.claims, now=now, sweep_id=sweep_id)
        raise_escalation(session, planned.escalations)
        mark_told(session, planned.told_steps)
    log.info(
        "claimed %d new and %d retried notifications (%d cancelled, %d waiting for quiet hours "
        "to end, %d recipients without a channel)",
        len(won),
        len(retried),
        cancelled,
        planned.deferred_quiet,
        planned.without_channel,
    )
    return ClaimReport(
        ids=sorted({*won, *retried}),
        new=len(won),
        retried=len(retried),
        cancelled=cancelled,
        deferred_quiet=planned.deferred_quiet,
        without_channel=planned.without_channel,
    )


def preview(now: datetime, policy: ReminderPolicy) -> tuple[Plan, list[dict[str, str]]]:
    """What a sweep would claim now, for `debates sweep --dry-run`; writes nothing."""
    with session_scope() as session:
        planned = plan(session, policy, now)
        directory = Directory.load(session)
        described = {
            s.step_id: s for s in describe_steps(session, [c.step_id for c in planned.claims])
        }
    rows = []
    for claim in planned.claims:
        step = described[claim.step_id]
        person = directory.recipient(claim.facilitator_id, claim.commune_person_id)
        rows.append(
            {
                "rule": claim.rule,
                "to": person.name if person else "?",
                "channel": claim.channel,
                "area": f"{step.area_name} ({step.region})",
                "step": step.step_name,
                "due": step.due_at.astimezone(BAMAKO).strftime("%Y-%m-%d %H:%M"),
            }
        )
    return planned, rows


# --- the manager's table ------------------------------------------------------------------------


def overdue_rows(now: datetime) -> list[dict[str, str | int]]:
    """Every overdue step of an active cycle, by region then by lateness: the sweep's artifact."""
    with session_scope() as session:
        query = with_place_names(
            select(
                Region.name,
                Cercle.name,
                Commune.name,
                Cycle.id,
                Step.name,
                Step.title,
                Step.due_at,
                Step.escalation_level,
                Facilitator.name,
            ).join(Cycle, Cycle.id == Step.cycle_id)
        )
        rows = session.execute(
            query.outerjoin(Facilitator, Facilitator.id == Step.facilitator_id)
            .where(Step.status == "overdue", Cycle.status == "active")
            .order_by(Region.name, Step.due_at, Step.id)
        ).all()
    ladder = {0: "owner", 1: "coordinator", 2: "manager"}
    return [
        {
            "region": region,
            "cercle": cercle,
            "commune": area_label(commune, cercle),
            "cycle": cycle_id,
            "step": name,
            "title": title,
            "owner": owner or "coordination",
            "due (Bamako)": due_at.astimezone(BAMAKO).strftime("%Y-%m-%d %H:%M"),
            "days overdue": max(0, (now - due_at).days),
            "escalated to": ladder.get(level, str(level)),
        }
        for region, cercle, commune, cycle_id, name, title, due_at, level, owner in rows
    ]
