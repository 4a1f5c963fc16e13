"""The matcher's input, read from the database: facilitators as candidates (with the cycles they
already carry) and what each cycle needs (languages, parties, session days, previous team)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step
from models.cycle.transitions import OPEN_STEP, CycleStatus
from models.matching.assignment import TeamAssignment, TeamRole, current_team
from models.matching.hard_rules import Candidate, CycleNeed
from models.people.facilitator import Facilitator, Role
from models.policy import MatchingPolicy
from models.stages.baseline import BaselineStudy
from models.stages.sessions import DebateSession, SessionStatus
from models.text import name_key


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
        cercle=cycle.cercle.name if cycle.intercommunal else None,
    )
