"""Facilitator matching, pure: the team of two for every cycle of a batch at once, optimal for the
batch's total (a MILP, HiGHS), under the hard rules (models/matching/hard_rules.py) and with the
scores (models/matching/scores.py).

No database here: models/matching/candidates.py reads the cycles and facilitators into `CycleNeed`
and `Candidate`, and models/matching/team.py writes the `Solution` back. The model
(docs/matching.md argues it):

    x[f,c] = 1 when facilitator f is on cycle c's team, s[c] = 1 when c is staffed
    sum_f x[f,c] = 2 s[c]                         a team is two people, or nobody
    sum_{f from home h} x[f,c] <= 1               two different home communes
    sum_{f speaks l} x[f,c] >= s[c]               every session language is spoken in the team
    w[c] <= sum_{women f} x[f,c]                  w[c] in [0,1]: the team-has-a-woman bonus
    sum_c x[f,c] + sum_{c f is incumbent of} (1 - s[c]) = sum_k y[f,k],  y[f,k] in [0,1]
                                                  k = 1 .. capacity left: the capacity rule (an
                                                  incumbent keeps their seat on a cycle left
                                                  unstaffed), and the k-th extra cycle costs
                                                  workload * (load + k - 1), a convex cost, so y
                                                  fills in order
    x[f,c] exists only where f breaks no hard rule for c

It is solved lexicographically in one solve: each staffed cycle earns a reward larger than the
whole range the scores can span over the batch, so the optimum staffs the most cycles, then has
the highest total score among those that do. Lead and co-facilitator carry no role-specific
score, so the pair is chosen by the MILP and the roles labelled after (the better-placed member
leads; a current lead stays lead).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

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
    """'optimal', or what the solver could prove ('time limit: gap 0.4%')."""
    solver: str = "milp"

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
    return {n.cycle_id: [p.id for p in pool if breach(n, p) is None] for n in needs}


def solve(needs: list[CycleNeed], pool: list[Candidate], weights: MatchingPolicy) -> Solution:
    """The batch's teams: most cycles staffed, then the highest total score (HiGHS MILP)."""
    people = {p.id: p for p in pool}
    by_cycle = {n.cycle_id: n for n in needs}
    eligible = eligibility(needs, pool)
    # Variable layout: x (one per eligible pair), s (per cycle), w (per cycle), y (per person slot).
    x_index: list[tuple[int, int]] = [(c, f) for c in eligible for f in eligible[c]]
    n_x = len(x_index)
    cycles = [n.cycle_id for n in needs]
    s_of = {c: n_x + i for i, c in enumerate(cycles)}
    w_of = {c: n_x + len(cycles) + i for i, c in enumerate(cycles)}
    used = sorted({f for _, f in x_index})
    y_of: dict[tuple[int, int], int] = {}
    nxt = n_x + 2 * len(cycles)
    for f in used:
        for k in range(1, people[f].capacity_left + 1):
            y_of[(f, k)] = nxt
            nxt += 1
    n_vars = nxt

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lower: list[float] = []
    upper: list[float] = []

    def add_row(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(lower)
        for col, val in entries:
            rows.append(r)
            cols.append(col)
            vals.append(val)
        lower.append(lo)
        upper.append(hi)

    x_pos = {pair: i for i, pair in enumerate(x_index)}
    x_by_cycle: dict[int, list[int]] = defaultdict(list)
    x_by_person: dict[int, list[int]] = defaultdict(list)
    for i, (c, f) in enumerate(x_index):
        x_by_cycle[c].append(i)
        x_by_person[f].append(i)
    for c in cycles:
        xs = x_by_cycle[c]
        add_row([(i, 1.0) for i in xs] + [(s_of[c], -2.0)], 0.0, 0.0)
        homes: dict[str, list[int]] = defaultdict(list)
        for i in xs:
            homes[people[x_index[i][1]].home_commune].append(i)
        for group in homes.values():
            if len(group) > 1:
                add_row([(i, 1.0) for i in group] + [(s_of[c], -1.0)], -np.inf, 0.0)
        for language in sorted(by_cycle[c].session_languages):
            speakers = [i for i in xs if language in people[x_index[i][1]].languages]
            add_row([(i, 1.0) for i in speakers] + [(s_of[c], -1.0)], 0.0, np.inf)
        women = [i for i in xs if people[x_index[i][1]].sex == "F"]
        add_row([(w_of[c], 1.0)] + [(i, -1.0) for i in women], -np.inf, 0.0)
        # A valid inequality that tightens the LP relaxation: a half-staffed cycle must not earn
        # a whole woman bonus (w[c] <= s[c]).
        add_row([(w_of[c], 1.0), (s_of[c], -1.0)], -np.inf, 0.0)
    # An incumbent stays on their cycle's team when the cycle is left unstaffed, so they hold one
    # of their seats then: seats used = sum_c x[f,c] + sum_{c they are incumbent of} (1 - s[c]).
    held: dict[int, list[int]] = defaultdict(list)
    for c in cycles:
        for f in by_cycle[c].incumbents:
            if (c, f) in x_pos:
                held[f].append(c)
    for f in list(held):
        if len(held[f]) > people[f].capacity_left:
            del held[
                f
            ]  # over capacity already: the caller must release them (models/matching/team.py)
    for f in used:
        slots = [y_of[(f, k)] for k in range(1, people[f].capacity_left + 1)]
        entries = [(i, 1.0) for i in x_by_person[f]] + [(j, -1.0) for j in slots]
        entries += [(s_of[c], -1.0) for c in held[f]]
        add_row(entries, -len(held[f]), -len(held[f]))

    integrality = np.zeros(n_vars, dtype=np.int8)
    integrality[: n_x + len(cycles)] = 1
    bounds = Bounds(np.zeros(n_vars), np.ones(n_vars))
    score = np.zeros(n_vars)
    for i, (c, f) in enumerate(x_index):
        score[i] = -member_score(by_cycle[c], people[f], weights)
    for c in cycles:
        score[w_of[c]] = -weights.woman_in_team
    for (f, k), j in y_of.items():
        score[j] = extra_cycle_cost(people[f], k, weights)
    # Lexicographic in one solve: a staffed cycle is worth more than the whole score range, so no
    # loss of a cycle can ever buy points. Scores lie in [-workload_max, best_max].
    best_max = sum(
        2 * max((-score[i] for i in x_by_cycle[c]), default=0.0) + weights.woman_in_team
        for c in cycles
    )
    workload_max = sum(score[j] for j in y_of.values())
    reward = best_max + workload_max + 1.0
    for c in cycles:
        score[s_of[c]] = -reward

    statuses: list[str] = []
    solution = np.zeros(n_vars)
    if n_x:
        matrix = coo_array((vals, (rows, cols)), shape=(len(lower), n_vars)).tocsr()
        result = milp(
            score,
            constraints=LinearConstraint(matrix, lower, upper),
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": weights.time_limit_seconds, "mip_rel_gap": weights.mip_gap},
        )
        statuses.append(_status(result, reward))
        if result.x is not None:
            solution = result.x
    pairs: dict[int, tuple[Candidate, Candidate]] = {}
    for c in cycles:
        chosen = [people[x_index[i][1]] for i in x_by_cycle[c] if solution[i] > 0.5]
        if len(chosen) == 2:
            pairs[c] = (chosen[0], chosen[1])
    status = "optimal" if all(s == "optimal" for s in statuses) else "; ".join(statuses)
    return Solution(
        teams=_teams(by_cycle, pairs, weights),
        unassigned=[c for c in cycles if c not in pairs],
        eligible=eligible,
        status=status,
        solver="milp",
    )


def _status(result: object, reward: float) -> str:
    """'optimal', or what the solver proved before its time limit: the absolute gap in points (a
    gap below one staffed cycle's reward proves the number of cycles staffed maximal)."""
    code = getattr(result, "status", None)
    if code == 0:
        return "optimal"
    gap = getattr(result, "mip_gap", None)
    fun = getattr(result, "fun", None)
    message = str(getattr(result, "message", "stopped")).split(" (HiGHS")[0].rstrip(".")
    if not isinstance(gap, float) or not isinstance(fun, float):
        return message
    points = gap * abs(fun)
    if points < reward:
        return f"{message}: most cycles staffed (proven), score within {points:.1f} of the optimum"
    return f"{message}: gap {points:.1f} points"


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
