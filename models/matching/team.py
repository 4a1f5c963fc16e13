"""Assigning facilitator teams to a batch of cycles, and writing the answer down.

The hard rules are in models/matching/hard_rules.py, the scores in models/matching/scores.py and
the optimisation in models/matching/solver.py; models/matching/candidates.py reads the database
into the matcher's terms; this module writes the solution back as team rows
(models/matching/assignment.py), with audit events, and says who must be told
(models/matching/notices.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.audit import record
from models.clock import BAMAKO
from models.cycle.cycle import Cycle
from models.cycle.transitions import OPEN_STEP, CycleStatus
from models.matching.assignment import (
    TeamAssignment,
    TeamRole,
    current_team,
    last_team_event,
)
from models.matching.candidates import cycle_need, load_candidates
from models.matching.explain import explain_team, unassigned_reason
from models.matching.hard_rules import Candidate, CycleNeed, Rule, breach, team_breach
from models.matching.notices import AssignmentResult, Notice, notify
from models.matching.phrase import Key, Phrase, dump_all, dump_optional, say
from models.matching.solver import Solution, solve
from models.policy import MatchingPolicy


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
    reason: Phrase | None = None,
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
    today = now.astimezone(BAMAKO).date()
    released: dict[int, list[Notice]] = {}
    needs_of: dict[int, CycleNeed] = {}
    active = [c for c in cycles if c.status == CycleStatus.ACTIVE]
    outside = {p.id: p for p in load_candidates(session, excluding={c.id for c in active})}
    for cycle in cycles:
        if cycle.status != CycleStatus.ACTIVE:
            results[cycle.id] = _as_result(cycle, current_team(session, cycle.id))
            continue
        # A cycle's need (a dozen queries) is read again only when a member was released (its
        # incumbents changed): at a launch of 701 cycles, reading it four times cost seconds.
        need = cycle_need(session, cycle, policy, today=today)
        released[cycle.id] = _release_misfits(session, cycle, need, outside, now=now, actor=actor)
        if released[cycle.id]:
            need = cycle_need(session, cycle, policy, today=today)
        needs_of[cycle.id] = need
        team = current_team(session, cycle.id)
        members = [outside[row.facilitator_id] for row in team.values()]
        if len(members) == 2 and team_breach(need, members[0], members[1]) is None:
            results[cycle.id] = _as_result(cycle, team)
            results[cycle.id].notices = released[cycle.id]
        else:
            todo.append(cycle)
    if todo:
        pool = load_candidates(session, excluding={c.id for c in todo})
        people = {p.id: p for p in pool}
        for cycle in todo:
            # A member kept on a cycle of the batch holds a seat the solver counts (even if the
            # cycle stays unstaffed), so one who is full elsewhere already must go.
            gone = _release_misfits(
                session, cycle, needs_of[cycle.id], people, now=now, actor=actor, capacity=True
            )
            if gone:
                released[cycle.id] += gone
                needs_of[cycle.id] = cycle_need(session, cycle, policy, today=today)
        needs = [needs_of[c.id] for c in todo]
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
            results[cycle.id].notices[:0] = released[cycle.id]
    session.flush()
    return [results[c] for c in cycle_ids if c in results]


def _release_misfits(
    session: Session,
    cycle: Cycle,
    need: CycleNeed,
    people: dict[int, Candidate],
    *,
    now: datetime,
    actor: str,
    capacity: bool = False,
) -> list[Notice]:
    """Supersede current members who no longer keep a hard rule (the baseline study named their
    party or another language, a session moved into their leave …). The capacity rule is checked
    only with `capacity`, against loads that leave this cycle out."""
    notices = []
    for row in current_team(session, cycle.id).values():
        person = people.get(row.facilitator_id)
        problem = breach(need, person) if person is not None else None
        if person is None or (problem is not None and (capacity or problem.rule != Rule.CAPACITY)):
            name = row.facilitator.name
            why = problem.why if problem else say(Key.UNFIT_NOT_FACILITATOR, name=name)
            gone = say(Key.NO_LONGER_FITS, why=why)
            notices.append(release(session, row, gone, "team.member_unfit", now=now, actor=actor))
    if notices:
        session.flush()
    return notices


def release(
    session: Session, row: TeamAssignment, why: Phrase, action: str, *, now: datetime, actor: str
) -> Notice:
    """Take a current member off their cycle's team for `why`: the row is superseded, the cycle's
    audit trail gets `action` ('team.member_unfit', 'team.member_unavailable'), then the person is
    told (a 'team.notify.released' event), in the order an assignment records and tells."""
    row.superseded_at = now
    row.superseded_phrase = why.dump()
    record(
        session,
        action,
        "cycle",
        row.cycle_id,
        row.cycle_id,
        now=now,
        actor=actor,
        before={row.role: row.facilitator_id},
        after={"reason": why.dump()},
    )
    notice = Notice(
        row.cycle_id, "released", row.facilitator_id, row.facilitator.name, row.role, why
    )
    notify(session, [notice], now=now, actor=actor)
    return notice


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
        explanation=lead.explained if lead else None,
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
    reason: Phrase | None,
) -> AssignmentResult:
    people = {p.id: p for p in pool}
    before = current_team(session, cycle.id)
    team = solution.teams.get(cycle.id)
    notices: list[Notice] = []
    if team is None:
        why = unassigned_reason(need, pool, solution, labels)
        result = _as_result(cycle, before)
        result.unassigned_reason = why
        if last_team_event(session, cycle.id) == ("team.unassigned", why.dump()):
            return result  # a replay, or nothing changed: the coordinators know already
        notices.append(Notice(cycle.id, "unassigned", None, None, reason=why))
        record(
            session,
            "team.unassigned",
            "cycle",
            cycle.id,
            cycle.id,
            now=now,
            actor=actor,
            after={"reason": why.dump(), "because": dump_optional(reason)},
        )
        notify(session, notices, now=now, actor=actor)
        result.notices = notices
        return result
    explanation = explain_team(need, team, pool, solution, policy, labels)
    wanted = {TeamRole.LEAD.value: team.lead, TeamRole.CO.value: team.co}
    kept = {row.facilitator_id for row in before.values()} & set(wanted.values())
    for role, row in before.items():
        if row.facilitator_id != wanted[role]:
            row.superseded_at = now
            row.superseded_phrase = (reason or say(Key.REASSIGNED)).dump()
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
                explanation_phrases=dump_all(explanation),
                assigned_at=now,
            )
        )
        notices.append(Notice(cycle.id, "assigned", person, people[person].name, role, reason))
    own_steps(cycle, team.lead)
    record(
        session,
        "team.assigned",
        "cycle",
        cycle.id,
        cycle.id,
        now=now,
        actor=actor,
        before={r: row.facilitator_id for r, row in before.items()} or None,
        after={
            "lead": team.lead,
            "co": team.co,
            "score": team.score,
            "solver": solution.status,
            "reason": dump_optional(reason),
        },
    )
    notify(session, notices, now=now, actor=actor)
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


def own_steps(cycle: Cycle, lead: int | None) -> None:
    """The lead owns the open session and minutes steps (reminders go to the step's owner)."""
    for step in cycle.steps:
        if step.stage in ("facilitation", "minutes") and step.status in OPEN_STEP:
            step.facilitator_id = lead
