"""How well a facilitator fits a cycle: the points each member brings by preference, the woman-in-team
bonus, and the convex cost of each extra cycle a person carries (weights from MatchingPolicy). Pure."""

from __future__ import annotations

from models.geography.places import Level, parent_pcode
from models.matching.hard_rules import Candidate, CycleNeed
from models.policy import MatchingPolicy


def member_parts(need: CycleNeed, person: Candidate, weights: MatchingPolicy) -> dict[str, float]:
    """The points one member brings to a team, by preference (workload is counted apart)."""
    parts: dict[str, float] = {}
    home, area = person.home_commune, need.area
    if parent_pcode(area, Level.REGION) in person.regions:
        parts["covers_region"] = weights.covers_region
    if parent_pcode(home, Level.CERCLE) == parent_pcode(area, Level.CERCLE):
        parts["same_cercle"] = weights.same_cercle
    elif parent_pcode(home, Level.REGION) == parent_pcode(area, Level.REGION):
        parts["same_region"] = weights.same_region
    if person.id in need.previous_team:
        parts["continuity"] = weights.continuity
    if person.id in need.incumbents:
        parts["keep_incumbent"] = weights.keep_incumbent
    return {k: v for k, v in parts.items() if v}


def member_score(need: CycleNeed, person: Candidate, weights: MatchingPolicy) -> float:
    return sum(member_parts(need, person, weights).values())


def extra_cycle_cost(person: Candidate, k: int, weights: MatchingPolicy) -> float:
    """What the k-th extra cycle (k >= 1) of `person` costs: convex in their total load."""
    return weights.workload * (person.load + k - 1)


def woman_bonus(a: Candidate, b: Candidate, weights: MatchingPolicy) -> float:
    return weights.woman_in_team if "F" in (a.sex, b.sex) else 0.0
