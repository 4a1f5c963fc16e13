"""Facilitator matching, pure: the team of two for every cycle of a batch at once, optimal for the
batch's total (a MILP, HiGHS), under the hard rules (models/matching/hard_rules.py) and with the
scores (models/matching/scores.py).

No database here: models/matching/candidates.py reads the cycles and facilitators into `CycleNeed`
and `Candidate`, and models/matching/team.py writes the `Solution` back. The batch is cut into
independent parts (no person eligible in two of them), and each part's MILP is built and solved
in models/matching/milp.py (docs/matching.md argues the model).

It is solved lexicographically in one solve: each staffed cycle earns a reward larger than the
whole range the scores can span over the part, so the optimum staffs the most cycles, then has
the highest total score among those that do. Lead and co-facilitator carry no role-specific
score, so the pair is chosen by the MILP and the roles labelled after (the better-placed member
leads; a current lead stays lead).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from models.matching.hard_rules import Candidate, CycleNeed, breach, team_breach
from models.matching.scores import extra_cycle_cost, member_parts, member_score, woman_bonus
from models.policy import MatchingPolicy


@dataclass(frozen=True)
class Team:
    cycle_id: int
    lead: int
    co: int
    score: float
    parts: dict[str, float]
    """Points by preference, summed over both members; workload is negative."""


@dataclass
class Solution:
    teams: dict[int, Team] = field(default_factory=dict)
    unassigned: list[int] = field(default_factory=list)
    eligible: dict[int, list[int]] = field(default_factory=dict)
    """cycle id -> ids of the candidates who break no hard rule for it."""
    status: str = "optimal"
    """'optimal', or what the solver proved ('most cycles staffed (proven), score within …')."""
    solver: str = "milp"
    gap: float = 0.0
    """The proven gap to the optimum's score, relative to the score (0 when optimal)."""
    staffing_proven: bool = True
    """Whether no batch staffs more cycles (proven by the solver's bound)."""

    @property
    def total(self) -> float:
        return round(sum(t.score for t in self.teams.values()), 6)


def _label_roles(
    need: CycleNeed, pair: tuple[Candidate, Candidate], weights: MatchingPolicy
) -> tuple[Candidate, Candidate]:
    a, b = pair
    if need.incumbent_lead in (a.id, b.id):
        return (a, b) if a.id == need.incumbent_lead else (b, a)
    key_a = (member_score(need, a, weights), -a.load, -a.id)
    key_b = (member_score(need, b, weights), -b.load, -b.id)
    return (a, b) if key_a >= key_b else (b, a)


def _teams(
    needs: dict[int, CycleNeed],
    pairs: dict[int, tuple[Candidate, Candidate]],
    weights: MatchingPolicy,
) -> dict[int, Team]:
    """Score each chosen pair; a person's k-th extra cycle (by cycle id) carries its workload cost,
    so the scores add up to the batch objective exactly."""
    extra: dict[int, int] = defaultdict(int)
    teams: dict[int, Team] = {}
    for cycle_id in sorted(pairs):
        need = needs[cycle_id]
        lead, co = _label_roles(need, pairs[cycle_id], weights)
        parts: dict[str, float] = defaultdict(float)
        for person in (lead, co):
            for name, points in member_parts(need, person, weights).items():
                parts[name] += points
            extra[person.id] += 1
            cost = extra_cycle_cost(person, extra[person.id], weights)
            if cost:
                parts["workload"] -= cost
        bonus = woman_bonus(lead, co, weights)
        if bonus:
            parts["woman_in_team"] = bonus
        clean = {k: round(v, 6) for k, v in parts.items()}
        teams[cycle_id] = Team(cycle_id, lead.id, co.id, round(sum(clean.values()), 6), clean)
    return teams


def eligibility(needs: list[CycleNeed], pool: list[Candidate]) -> dict[int, list[int]]:
    """cycle id -> ids of the candidates who break no hard rule for it. Only speakers of one of
    the cycle's languages are checked further: the others break the first rule."""
    speakers: dict[str, set[int]] = defaultdict(set)
    for p in pool:
        for language in p.languages:
            speakers[language].add(p.id)
    eligible: dict[int, list[int]] = {}
    for n in needs:
        heard = set().union(*(speakers[language] for language in n.languages))
        eligible[n.cycle_id] = [p.id for p in pool if p.id in heard and breach(n, p) is None]
    return eligible


def parts(needs: list[CycleNeed], eligible: dict[int, list[int]]) -> list[list[CycleNeed]]:
    """The batch in independent parts: two cycles are in one part when some person is eligible
    for both (directly or through other cycles). No rule couples two parts, so the batch's
    optimum is the parts' optima side by side."""
    parent = {n.cycle_id: n.cycle_id for n in needs}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    first_cycle_of: dict[int, int] = {}
    for n in needs:
        for f in eligible[n.cycle_id]:
            other = first_cycle_of.setdefault(f, n.cycle_id)
            parent[root(n.cycle_id)] = root(other)
    grouped: dict[int, list[CycleNeed]] = defaultdict(list)
    for n in needs:
        grouped[root(n.cycle_id)].append(n)
    return list(grouped.values())


def solve(needs: list[CycleNeed], pool: list[Candidate], weights: MatchingPolicy) -> Solution:
    """The batch's teams: most cycles staffed, then the highest total score (a MILP, HiGHS),
    within the policy's gap of the optimum, proven (models/matching/milp.py)."""
    # Imported here, not at the top: a flow run that does not match (most do not) must not pay
    # for NumPy and HiGHS (tests/flows/test_import_cost.py holds it).
    from models.matching import milp

    deadline = time.monotonic() + weights.time_limit_seconds
    people = {p.id: p for p in pool}
    by_cycle = {n.cycle_id: n for n in needs}
    eligible = eligibility(needs, pool)
    pairs: dict[int, tuple[Candidate, Candidate]] = {}
    gap_points = score = 0.0
    timed_out = staffing_open = False
    for part in parts(needs, eligible):
        if not any(eligible[n.cycle_id] for n in part):
            continue
        model = milp.build(part, people, eligible, weights)
        answer = milp.solve_part(model, weights, deadline=deadline)
        timed_out |= answer.timed_out
        if answer.values is None:
            staffing_open = True
            continue
        gap = max(0.0, answer.objective - answer.bound)
        gap_points += gap
        score += answer.score
        staffing_open |= gap >= model.reward
        chosen: dict[int, list[Candidate]] = defaultdict(list)
        for j, (c, f) in enumerate(model.pairs):
            if answer.values[j] > 0.5:
                chosen[c].append(people[f])
        for c, members in chosen.items():
            if len(members) == 2:
                pairs[c] = (members[0], members[1])
    relative = gap_points / abs(score) if score else (0.0 if gap_points <= 1e-6 else 1.0)
    return Solution(
        teams=_teams(by_cycle, pairs, weights),
        unassigned=[n.cycle_id for n in needs if n.cycle_id not in pairs],
        eligible=eligible,
        status=_status(gap_points, relative, timed_out=timed_out, staffing_open=staffing_open),
        solver="milp",
        gap=0.0 if gap_points <= 1e-6 else relative,
        staffing_proven=not staffing_open,
    )


def _status(points: float, relative: float, *, timed_out: bool, staffing_open: bool) -> str:
    """'optimal', or what was proven: the gap to the solver's bound, in points and relative to
    the score (a gap below one staffed cycle's reward proves the number staffed maximal)."""
    if points <= 1e-6 and not staffing_open:
        return "optimal"
    prefix = "time limit: " if timed_out else ""
    if staffing_open:
        return f"{prefix}gap {points:.1f} points: the number staffed is not proven maximal"
    return (
        f"{prefix}most cycles staffed (proven), score within {points:.1f} points "
        f"({100 * relative:.2f}%) of the optimum"
    )


def greedy(needs: list[CycleNeed], pool: list[Candidate], weights: MatchingPolicy) -> Solution:
    """First come, first served: each cycle in turn takes the best team still free. The baseline
    the solver is measured against (bench/matching_mali.py); never used to assign."""
    people = {p.id: p for p in pool}
    eligible = eligibility(needs, pool)
    taken: dict[int, int] = defaultdict(int)
    pairs: dict[int, tuple[Candidate, Candidate]] = {}
    for need in needs:
        free = [people[f] for f in eligible[need.cycle_id] if taken[f] < people[f].capacity_left]
        value = {
            p.id: member_score(need, p, weights) - extra_cycle_cost(p, taken[p.id] + 1, weights)
            for p in free
        }
        free.sort(key=lambda p: (-value[p.id], p.id))
        best: tuple[float, Candidate, Candidate] | None = None
        for i, a in enumerate(free):
            if best is not None and value[a.id] * 2 + weights.woman_in_team <= best[0]:
                break
            for b in free[i + 1 :]:
                total = value[a.id] + value[b.id] + weights.woman_in_team
                if best is not None and total <= best[0]:
                    break
                if team_breach(need, a, b) is None:
                    got = value[a.id] + value[b.id] + woman_bonus(a, b, weights)
                    if best is None or got > best[0]:
                        best = (got, a, b)
        if best is not None:
            pairs[need.cycle_id] = (best[1], best[2])
            taken[best[1].id] += 1
            taken[best[2].id] += 1
    by_cycle = {n.cycle_id: n for n in needs}
    return Solution(
        teams=_teams(by_cycle, pairs, weights),
        unassigned=[n.cycle_id for n in needs if n.cycle_id not in pairs],
        eligible=eligible,
        status="greedy",
        solver="greedy",
    )
