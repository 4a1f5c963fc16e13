"""What the reminder sweep reads from the database, as plain data, in a few indexed queries.

`open_steps_query` is the sweep's one indexed query (ix_steps_status_due_at): open steps of active
cycles due before a horizon, never a loop over cycles. The other selections find who has not yet
been told of an assignment, the team changes to announce, and the invitations due."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    and_,
    exists,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from models.audit import AuditEvent
from models.cycle.cycle import Cycle, Step, waited_on
from models.cycle.pause import not_paused
from models.cycle.steps import StepKind
from models.cycle.transitions import OPEN_STEP, CycleStatus
from models.matching.assignment import TeamAssignment
from models.query import among_ids, in_chunks
from models.reminders.due import OpenStep
from models.reminders.ledger import Notification
from models.reminders.rules import (
    ASSIGNMENT,
    TEAM_CHANGES,
    TeamAssigned,
    invitation_rule,
    team_change,
)
from models.stages.sessions import DebateSession, SessionStatus

OPEN = tuple(s.value for s in OPEN_STEP)
literal_false: ColumnElement[bool] = literal_column("false")


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


def _open_steps(*where: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
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
    return _open_steps(Step.due_at <= until, waited_on()).order_by(Step.due_at, Step.id)


def open_steps_of(cycle_ids: Sequence[int]) -> Select[*tuple[Any, ...]]:
    """Open steps of these cycles (when active), each cycle's in order: its first is the one it
    waits on."""
    return _open_steps(Step.cycle_id.in_(cycle_ids)).order_by(Step.cycle_id, Step.position)


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


def untold_steps_query() -> Select[*tuple[Any, ...]]:
    """Open steps of active cycles whose facilitator is not known to be told of the cycle
    (`Step.facilitator_told`, the partial index `ix_steps_untold`): at rest, the steps of the
    assignments made since the last sweep, not every assigned open step."""
    # `= false` as the index's WHERE writes it: SQLite uses a partial index only for a query that
    # holds its terms as written, and SQLAlchemy writes false() as 0 there.
    return _open_steps(Step.facilitator_id.is_not(None), Step.facilitator_told == literal_false)


def told_query(cycle_ids: Sequence[int], dialect: str) -> Select[*tuple[Any, ...]]:
    """(cycle, person) pairs of these cycles already told of their assignment, by a step's
    notice or the team's (the ledger: the only record of who was told)."""
    other = aliased(Step)
    return (
        select(other.cycle_id, Notification.facilitator_id)
        .join(other, other.id == Notification.step_id)
        .where(
            among_ids(other.cycle_id, cycle_ids, dialect),
            or_(
                Notification.rule == str(ASSIGNMENT),
                Notification.rule.like(TeamAssigned.sql_like()),
            ),
        )
        .distinct()
    )


@dataclass(frozen=True)
class Unannounced:
    """The assignments to announce, and the steps found told (the sweep marks them)."""

    steps: list[OpenStep]
    """The first open step of each (cycle, facilitator) not yet told: what the notice is about."""
    told: list[int]
    """Steps not marked told whose facilitator the ledger says was told of the cycle."""


def select_unannounced_assignments(
    session: Session, told_by_team: Iterable[tuple[int, int | None]] = ()
) -> Unannounced:
    """The first open step of each (cycle, facilitator) not yet told, among the steps not marked
    told (`untold_steps_query`), checked against the ledger (`told_query`).

    A lead facilitator owns every session and minutes step of a cycle: they are told once per
    cycle, not once per step. A step is marked told only once the ledger holds the notice of its
    pair, and unmarked when it changes hands, so a pair not told has all its open steps here.
    """
    candidates = [open_step(row) for row in rows(session, untold_steps_query())]
    if not candidates:
        return Unannounced([], [])
    dialect = session.connection().dialect.name
    cycle_ids = sorted({step.cycle_id for step in candidates})
    pairs = map(tuple, rows(session, told_query(cycle_ids, dialect)))
    told: set[tuple[int, int | None]] = {(pair[0], pair[1]) for pair in pairs}
    first: dict[tuple[int, int | None], OpenStep] = {}
    marked: list[int] = []
    for step in candidates:
        pair = (step.cycle_id, step.facilitator_id)
        if pair in told:
            marked.append(step.step_id)
            continue
        best = first.get(pair)
        if best is None or (step.due_at, step.step_id) < (best.due_at, best.step_id):
            first[pair] = step
    for pair in told_by_team:  # a team notice being sent now says it already
        first.pop(pair, None)
    return Unannounced(sorted(first.values(), key=lambda s: (s.due_at, s.step_id)), marked)


def mark_told(session: Session, step_ids: Sequence[int]) -> int:
    """Mark these steps' facilitators told of their cycle, where the ledger still says so for
    the step's facilitator now (a step given to someone else meanwhile stays unmarked); how
    many were marked. In the sweep's claim transaction."""
    if not step_ids:
        return 0
    other = aliased(Step)
    told = exists().where(
        Notification.step_id == other.id,
        other.cycle_id == Step.cycle_id,
        Notification.facilitator_id == Step.facilitator_id,
        or_(Notification.rule == str(ASSIGNMENT), Notification.rule.like(TeamAssigned.sql_like())),
    )
    dialect = session.connection().dialect.name
    result = session.execute(
        update(Step)
        .where(among_ids(Step.id, sorted(step_ids), dialect), told)
        .values(facilitator_told=True)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


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
