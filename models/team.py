"""Facilitator teams of cycles: the assignment record, and assigning a batch of cycles at once.

A cycle's team is two current `TeamAssignment` rows (lead, co). A change never deletes: the old
row is superseded (when, why) and a new one added, so the record shows who was assigned when.
The rules and the optimisation are in models/matching.py; this module reads the database into
the matcher's terms and writes its answer back, with audit events and who must be told.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from models.audit import AuditEvent, record
from models.base import Base
from models.baseline import BaselineStudy
from models.clock import BAMAKO
from models.cycle import Cycle, Step
from models.debate_session import DebateSession, SessionStatus
from models.facilitator import Facilitator, Role
from models.matching import Candidate, CycleNeed, Solution, solve
from models.matching_explain import explain_team, unassigned_reason
from models.policy import MatchingPolicy
from models.text import name_key
from models.transitions import OPEN_STEP, CycleStatus

CURRENT_ONLY = text("superseded_at IS NULL")


class TeamRole(enum.StrEnum):
    LEAD = "lead"
    CO = "co"


class TeamAssignment(Base):
    __tablename__ = "team_assignments"
    __table_args__ = (
        CheckConstraint("role IN ('lead', 'co')", name="role"),
        # One current lead and one current co per cycle: two writers cannot both assign.
        Index(
            "uq_team_assignments_current_role",
            "cycle_id",
            "role",
            unique=True,
            sqlite_where=CURRENT_ONLY,
            postgresql_where=CURRENT_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id"), index=True)
    role: Mapped[str] = mapped_column(String(4))
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)
    assigned_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    superseded_reason: Mapped[str | None] = mapped_column(Text)

    facilitator: Mapped[Facilitator] = relationship()


@dataclass(frozen=True)
class Notice:
    """Someone who must be told: a facilitator (assigned, released) or the coordinators of the
    cycle's region (facilitator_id None) when a cycle waits without a team."""

    cycle_id: int
    kind: str
    """'assigned', 'released' or 'unassigned'."""
    facilitator_id: int | None
    name: str | None
    role: str | None = None
    reason: str | None = None


@dataclass
class AssignmentResult:
    cycle_id: int
    cycle: str
    lead: str | None = None
    co: str | None = None
    lead_id: int | None = None
    co_id: int | None = None
    score: float | None = None
    explanation: str | None = None
    unassigned_reason: str | None = None
    changed: bool = False
    notices: list[Notice] = field(default_factory=list)

    @property
    def assigned(self) -> bool:
        return self.lead_id is not None and self.co_id is not None


def current_team(session: Session, cycle_id: int) -> dict[str, TeamAssignment]:
    rows = session.scalars(
        select(TeamAssignment)
        .where(TeamAssignment.cycle_id == cycle_id, TeamAssignment.superseded_at.is_(None))
        .options(selectinload(TeamAssignment.facilitator))
    )
    return {row.role: row for row in rows}


def active_loads(session: Session, *, excluding: set[int]) -> dict[int, int]:
    """Active cycles each facilitator carries outside `excluding`: current team rows, and step
    owners set by the earlier simple rule, counted once per cycle."""
    cycles: dict[int, set[int]] = defaultdict(set)
    teams = session.execute(
        select(TeamAssignment.facilitator_id, TeamAssignment.cycle_id)
        .join(Cycle, Cycle.id == TeamAssignment.cycle_id)
        .where(TeamAssignment.superseded_at.is_(None), Cycle.status == CycleStatus.ACTIVE)
    )
    steps = session.execute(
        select(Step.facilitator_id, Step.cycle_id)
        .join(Cycle, Cycle.id == Step.cycle_id)
        .where(Step.facilitator_id.is_not(None), Cycle.status == CycleStatus.ACTIVE)
    )
    for person, cycle_id in [*teams, *steps]:
        if cycle_id not in excluding and person is not None:
            cycles[person].add(cycle_id)
    return {person: len(ids) for person, ids in cycles.items()}


def load_candidates(session: Session, *, excluding: set[int]) -> list[Candidate]:
    loads = active_loads(session, excluding=excluding)
    people = session.scalars(
        select(Facilitator)
        .where(Facilitator.role == Role.FACILITATOR.value)
        .options(selectinload(Facilitator.regions), selectinload(Facilitator.unavailable))
        .order_by(Facilitator.id)
    )
    return [
        Candidate(
            id=p.id,
            name=p.name,
            sex=p.sex,
            home_commune=p.home_commune_pcode,
            languages=frozenset(p.languages),
            regions=frozenset(r.pcode for r in p.regions),
            affiliations=frozenset(name_key(a) for a in p.affiliations),
            max_cycles=p.max_cycles,
            load=loads.get(p.id, 0),
            unavailable=tuple((u.starts_on, u.ends_on) for u in p.unavailable),
        )
        for p in people
    ]


def session_days(session: Session, cycle: Cycle, *, today: date | None = None) -> tuple[date, ...]:
    """The Bamako days of the cycle's sessions still to be held (planned steps before scheduling)."""
    rows = list(
        session.scalars(
            select(DebateSession)
            .where(DebateSession.cycle_id == cycle.id)
            .order_by(DebateSession.number)
        )
    )
    if rows:
        open_states = (SessionStatus.SCHEDULED, SessionStatus.POSTPONED)
        days = [r.starts_at.astimezone(BAMAKO).date() for r in rows if r.status in open_states]
    else:
        days = [
            s.due_at.astimezone(BAMAKO).date()
            for s in cycle.steps
            if s.stage == "facilitation" and s.status in OPEN_STEP
        ]
    return tuple(sorted({d for d in days if today is None or d >= today}))


def previous_team(session: Session, cycle: Cycle) -> frozenset[int]:
    before = session.scalar(
        select(Cycle.id)
        .where(Cycle.area_pcode == cycle.area_pcode, Cycle.sequence < cycle.sequence)
        .order_by(Cycle.sequence.desc())
    )
    if before is None:
        return frozenset()
    ids = set(
        session.scalars(
            select(TeamAssignment.facilitator_id).where(
                TeamAssignment.cycle_id == before, TeamAssignment.superseded_at.is_(None)
            )
        )
    )
    if not ids:
        ids = {
            f
            for f in session.scalars(
                select(Step.facilitator_id).where(
                    Step.cycle_id == before, Step.facilitator_id.is_not(None)
                )
            )
            if f is not None
        }
    return frozenset(ids)


def cycle_need(
    session: Session, cycle: Cycle, policy: MatchingPolicy, *, today: date | None = None
) -> CycleNeed:
    study = session.scalar(select(BaselineStudy).where(BaselineStudy.cycle_id == cycle.id))
    sessions = list(
        session.scalars(
            select(DebateSession.language).where(
                DebateSession.cycle_id == cycle.id,
                DebateSession.status.in_([SessionStatus.SCHEDULED, SessionStatus.POSTPONED]),
            )
        )
    )
    languages = set(sessions) | set(study.languages if study else [])
    if not languages:
        languages = set(policy.region_languages.get(cycle.region_pcode, []))
    team = current_team(session, cycle.id)
    lead = team.get(TeamRole.LEAD)
    return CycleNeed(
        cycle_id=cycle.id,
        label=cycle.label,
        area=cycle.area_pcode,
        languages=frozenset(languages),
        session_languages=frozenset(sessions),
        communities=frozenset(name_key(c) for c in (study.communities if study else [])),
        session_days=session_days(session, cycle, today=today),
        previous_team=previous_team(session, cycle),
        incumbents=frozenset(row.facilitator_id for row in team.values()),
        incumbent_lead=lead.facilitator_id if lead else None,
    )


def assign_cycle(
    session: Session,
    cycle_id: int,
    *,
    policy: MatchingPolicy,
    now: datetime,
    actor: str = "matching",
) -> AssignmentResult:
    """Give one cycle its team (or say why nobody fits); a cycle with a team keeps it."""
    return assign_cycles(session, [cycle_id], policy=policy, now=now, actor=actor)[0]


def assign_cycles(
    session: Session,
    cycle_ids: list[int],
    *,
    policy: MatchingPolicy,
    now: datetime,
    actor: str = "matching",
    reason: str | None = None,
) -> list[AssignmentResult]:
    """Teams for every active cycle of the batch without a complete team, optimal for the batch.

    Idempotent: a cycle that has its lead and co keeps them, so a replayed task changes nothing.
    A cycle with one member left (the other became unavailable) is repaired: the solver prefers
    to keep the member (policy keep_incumbent) and finds the second under the same rules.
    """
    cycles = list(
        session.scalars(
            select(Cycle)
            .where(Cycle.id.in_(cycle_ids))
            .options(selectinload(Cycle.steps), selectinload(Cycle.commune))
            .order_by(Cycle.id)
        )
    )
    results: dict[int, AssignmentResult] = {}
    todo: list[Cycle] = []
    for cycle in cycles:
        team = current_team(session, cycle.id)
        if cycle.status != CycleStatus.ACTIVE or len(team) == 2:
            results[cycle.id] = _as_result(cycle, team)
        else:
            todo.append(cycle)
    if todo:
        today = now.astimezone(BAMAKO).date()
        pool = load_candidates(session, excluding={c.id for c in todo})
        needs = [cycle_need(session, c, policy, today=today) for c in todo]
        solution = solve(needs, pool, policy)
        labels = {c.id: c.label for c in todo}
        for cycle, need in zip(todo, needs, strict=True):
            results[cycle.id] = _write(
                session,
                cycle,
                need,
                solution,
                pool,
                policy,
                labels,
                now=now,
                actor=actor,
                reason=reason,
            )
    session.flush()
    return [results[c] for c in cycle_ids if c in results]


def _as_result(cycle: Cycle, team: dict[str, TeamAssignment]) -> AssignmentResult:
    lead, co = team.get(TeamRole.LEAD), team.get(TeamRole.CO)
    return AssignmentResult(
        cycle_id=cycle.id,
        cycle=cycle.label,
        lead=lead.facilitator.name if lead else None,
        co=co.facilitator.name if co else None,
        lead_id=lead.facilitator_id if lead else None,
        co_id=co.facilitator_id if co else None,
        score=lead.score if lead else None,
        explanation=lead.explanation if lead else None,
    )


def _write(
    session: Session,
    cycle: Cycle,
    need: CycleNeed,
    solution: Solution,
    pool: list[Candidate],
    policy: MatchingPolicy,
    labels: dict[int, str],
    *,
    now: datetime,
    actor: str,
    reason: str | None,
) -> AssignmentResult:
    people = {p.id: p for p in pool}
    before = current_team(session, cycle.id)
    team = solution.teams.get(cycle.id)
    notices: list[Notice] = []
    if team is None:
        why = unassigned_reason(need, pool, solution, labels)
        result = _as_result(cycle, before)
        result.unassigned_reason = why
        if _last_team_event(session, cycle.id) == ("team.unassigned", why):
            return result  # a replay, or nothing changed: the coordinators know already
        notices.append(Notice(cycle.id, "unassigned", None, None, reason=why))
        record(
            session,
            now=now,
            actor=actor,
            action="team.unassigned",
            entity="cycle",
            entity_id=cycle.id,
            cycle_id=cycle.id,
            after={"reason": why},
            reason=reason,
        )
        _notify(session, notices, now=now, actor=actor)
        result.notices = notices
        return result
    explanation = explain_team(need, team, pool, solution, policy, labels)
    wanted = {TeamRole.LEAD.value: team.lead, TeamRole.CO.value: team.co}
    kept = {row.facilitator_id for row in before.values()} & set(wanted.values())
    for role, row in before.items():
        if row.facilitator_id != wanted[role]:
            row.superseded_at = now
            row.superseded_reason = reason or "team reassigned"
            if row.facilitator_id not in kept:
                name = row.facilitator.name
                notices.append(Notice(cycle.id, "released", row.facilitator_id, name, role, reason))
    session.flush()
    for role, person in wanted.items():
        current = before.get(role)
        if current is not None and current.facilitator_id == person:
            continue
        session.add(
            TeamAssignment(
                cycle_id=cycle.id,
                facilitator_id=person,
                role=role,
                score=team.score,
                explanation=explanation,
                assigned_at=now,
            )
        )
        notices.append(Notice(cycle.id, "assigned", person, people[person].name, role, reason))
    _own_steps(cycle, team.lead)
    record(
        session,
        now=now,
        actor=actor,
        action="team.assigned",
        entity="cycle",
        entity_id=cycle.id,
        cycle_id=cycle.id,
        before={r: row.facilitator_id for r, row in before.items()} or None,
        after={"lead": team.lead, "co": team.co, "score": team.score, "solver": solution.status},
        reason=reason,
    )
    _notify(session, notices, now=now, actor=actor)
    session.flush()
    return AssignmentResult(
        cycle_id=cycle.id,
        cycle=cycle.label,
        lead=people[team.lead].name,
        co=people[team.co].name,
        lead_id=team.lead,
        co_id=team.co,
        score=team.score,
        explanation=explanation,
        changed=True,
        notices=notices,
    )


def _last_team_event(session: Session, cycle_id: int) -> tuple[str, str | None] | None:
    event = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.cycle_id == cycle_id,
            AuditEvent.action.in_(["team.assigned", "team.unassigned", "team.member_unavailable"]),
        )
        .order_by(AuditEvent.id.desc())
    ).first()
    if event is None:
        return None
    return event.action, (event.after or {}).get("reason")


def _own_steps(cycle: Cycle, lead: int | None) -> None:
    """The lead owns the open session and minutes steps (reminders go to the step's owner)."""
    for step in cycle.steps:
        if step.stage in ("facilitation", "minutes") and step.status in OPEN_STEP:
            step.facilitator_id = lead


def _notify(session: Session, notices: list[Notice], *, now: datetime, actor: str) -> None:
    """Record who must be told (delivery is notifications/'s job: it reads these events)."""
    for notice in notices:
        record(
            session,
            now=now,
            actor=actor,
            action=f"team.notify.{notice.kind}",
            entity="facilitator" if notice.facilitator_id else "coordinators",
            entity_id=notice.facilitator_id or "region",
            cycle_id=notice.cycle_id,
            after={"role": notice.role, "facilitator_id": notice.facilitator_id},
            reason=notice.reason,
        )


def team_summary(session: Session, cycle_id: int) -> dict[str, object]:
    """A cycle's team as plain data, for `debates show` and the cycle's artifact: lead, co, score,
    explanation, and when it has no full team, the last reason why nobody fits."""
    team = current_team(session, cycle_id)
    lead, co = team.get(TeamRole.LEAD), team.get(TeamRole.CO)
    reason = None
    if lead is None or co is None:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.cycle_id == cycle_id, AuditEvent.action == "team.unassigned")
            .order_by(AuditEvent.id.desc())
        ).first()
        reason = (event.after or {}).get("reason") if event else None
    row = lead or co
    return {
        "lead": lead.facilitator.name if lead else None,
        "co": co.facilitator.name if co else None,
        "score": row.score if row else None,
        "explanation": row.explanation if row else None,
        "unassigned_reason": reason,
    }
