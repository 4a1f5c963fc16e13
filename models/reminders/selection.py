"""What the reminder sweep reads from the database, as plain data, in a few indexed queries.

`open_steps_query` is the sweep's one indexed query (ix_steps_status_due_at): open steps of active
cycles due before a horizon, never a loop over cycles. The other selections find the team changes
to announce and the invitations due; who has not yet been told of an assignment is
models/reminders/told.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    and_,
    or_,
    select,
)
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.cycle import Cycle, Step, waited_on
from models.cycle.pause import not_paused
from models.cycle.steps import StepKind
from models.cycle.transitions import OPEN_STEP, CycleStatus
from models.matching.assignment import TeamAssignment
from models.query import in_chunks
from models.reminders.due import OpenStep
from models.reminders.ledger import Notification
from models.reminders.rules import (
    TEAM_CHANGES,
    invitation_rule,
    team_change,
)
from models.stages.sessions import DebateSession, SessionStatus

OPEN = tuple(s.value for s in OPEN_STEP)


STEP_COLUMNS = (  # an OpenStep, in its fields' order
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


def open_steps_where(*where: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """Open steps of active cycles, not paused, that also meet `where`, as the columns of an
    `OpenStep`: nothing chases a paused cycle."""
    return (
        select(*STEP_COLUMNS)
        .join(Cycle, Cycle.id == Step.cycle_id)
        .where(
            Step.status.in_(OPEN), *where, Cycle.status == CycleStatus.ACTIVE.value, not_paused()
        )
    )


def open_steps_query(until: datetime) -> Select[*tuple[Any, ...]]:
    """The steps active cycles wait on, due before `until`: a range scan on ix_steps_status_due_at.

    A step after the one its cycle waits on cannot be done yet, so it is not chased (`waited_on`)."""
    return open_steps_where(Step.due_at <= until, waited_on()).order_by(Step.due_at, Step.id)


def open_steps_of(cycle_ids: Sequence[int]) -> Select[*tuple[Any, ...]]:
    """Open steps of these cycles (when active), each cycle's in order: its first is the one it
    waits on."""
    return open_steps_where(Step.cycle_id.in_(cycle_ids)).order_by(Step.cycle_id, Step.position)


def open_step(row: Row[Any]) -> OpenStep:
    """An OpenStep from a row of `open_steps_query` or `assignments_query`."""
    return OpenStep._make(row)


def rows(
    session: Session, query: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]
) -> Sequence[Row[Any]]:
    """A select of columns run on the session's connection: plain rows, without the ORM's
    per-row loading (a third of the sweep's selection time at 100,000 open steps), fetched at
    once (row by row, psycopg's `fetchone` cost a tenth of the query's time)."""
    return session.connection().execute(query).all()


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


@dataclass(frozen=True)
class InvitationDue:
    """A session whose current invitation (or cancellation) is to be sent to its team and the
    region's coordinators, filed under the session's step."""

    rule: str
    session_number: int
    team: tuple[int, ...]
    step: OpenStep
    area_pcode: str
    """The cycle's commune (or cercle), whose office holders are invited too."""


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
            Cycle.area_pcode,
            *STEP_COLUMNS,
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
                and_(Cycle.status == CycleStatus.ACTIVE.value, not_paused()),
                DebateSession.status == SessionStatus.CANCELLED.value,
            ),
        )
        .order_by(DebateSession.cycle_id, DebateSession.number)
    )
    if cycle_id is not None:
        query = query.where(DebateSession.cycle_id == cycle_id)
    rows = session.execute(query).all()
    cycle_ids = sorted({row[5] for row in rows})
    teams: dict[int, list[int]] = {}
    for chunk in in_chunks(cycle_ids):
        for cycle_id, person in session.execute(
            select(TeamAssignment.cycle_id, TeamAssignment.facilitator_id)
            .where(TeamAssignment.cycle_id.in_(chunk), TeamAssignment.superseded_at.is_(None))
            .order_by(TeamAssignment.cycle_id, TeamAssignment.role.desc())
        ):
            teams.setdefault(cycle_id, []).append(person)
    due = []
    for number, revision, status, area_pcode, *step_columns in rows:
        step = OpenStep(*step_columns)
        cancelled = status == SessionStatus.CANCELLED.value
        if not cancelled and step.status not in OPEN:
            continue  # held already
        rule = str(invitation_rule(step.cycle_id, number, revision, cancelled))
        team = tuple(teams.get(step.cycle_id, []))
        due.append(InvitationDue(rule, number, team, step, area_pcode))
    return due
