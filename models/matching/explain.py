"""Why a team, and why nobody: the explanations stored with every assignment, as phrases (message
keys with parameters, models/matching/phrase.py) that notifications/phrases.py words per language. Pure."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from models.matching.hard_rules import Candidate, CycleNeed, Rule, breach, team_breach
from models.matching.phrase import Key, Param, Phrase, say
from models.matching.scores import extra_cycle_cost, member_parts, member_score, woman_bonus
from models.matching.solver import Solution, Team
from models.policy import MatchingPolicy


def _cycles(labels: dict[int, str], ids: list[int]) -> list[str]:
    return [labels.get(c, str(c)) for c in ids]


def _member(need: CycleNeed, person: Candidate, weights: MatchingPolicy) -> Phrase:
    parts = member_parts(need, person, weights)
    return say(Key.MEMBER, name=person.name, parts=dict(parts), load=person.load)


def explain_team(
    need: CycleNeed,
    team: Team,
    pool: list[Candidate],
    solution: Solution,
    weights: MatchingPolicy,
    labels: dict[int, str] | None = None,
) -> list[Phrase]:
    """Why these two, what ruled out the next best, and how many the hard rules ruled out: one
    phrase per sentence."""
    people = {p.id: p for p in pool}
    lead, co = people[team.lead], people[team.co]
    said = [say(Key.TEAM, lead=_member(need, lead, weights), co=_member(need, co, weights))]
    if "woman_in_team" in team.parts:
        said.append(say(Key.WOMAN_BONUS, points=team.parts["woman_in_team"]))
    if "workload" in team.parts:
        said.append(say(Key.WORKLOAD, points=team.parts["workload"]))
    said.append(say(Key.SCORE, score=team.score))
    said.append(_next_best(need, team, pool, solution, weights, labels or {}))
    said.append(_ruled_out(need, pool))
    return said


def _batch_cycles(solution: Solution, person_id: int, but: int) -> list[int]:
    return [
        c for c, t in sorted(solution.teams.items()) if person_id in (t.lead, t.co) and c != but
    ]


def _next_best(
    need: CycleNeed,
    team: Team,
    pool: list[Candidate],
    solution: Solution,
    weights: MatchingPolicy,
    labels: dict[int, str],
) -> Phrase:
    people = {p.id: p for p in pool}
    others = [
        people[f] for f in solution.eligible.get(need.cycle_id, []) if f not in (team.lead, team.co)
    ]
    if not others:
        return say(Key.NEXT_NONE)
    best = max(
        others,
        key=lambda p: (member_score(need, p, weights) - weights.workload * p.load, -p.id),
    )
    elsewhere = _batch_cycles(solution, best.id, need.cycle_id)
    if elsewhere and len(elsewhere) >= best.capacity_left:
        return say(Key.NEXT_AT_CAPACITY, name=best.name, cycles=_cycles(labels, elsewhere[:3]))
    lead, co = people[team.lead], people[team.co]
    here = len(elsewhere) + 1
    swaps = []
    for keep, out in ((lead, co), (co, lead)):
        if team_breach(need, keep, best) is None:
            value = (
                member_score(need, keep, weights)
                + member_score(need, best, weights)
                + woman_bonus(keep, best, weights)
                - extra_cycle_cost(best, here, weights)
                - extra_cycle_cost(keep, 1, weights)
            )
            swaps.append((value, keep, out))
    if not swaps:
        problem = team_breach(need, lead, best)
        if problem is None:
            return say(Key.NEXT_NO_TEAM, name=best.name)
        return say(Key.NEXT_NO_PAIR, name=best.name, why=problem)
    value, keep, out = max(swaps, key=lambda o: o[0])
    chosen = (
        member_score(need, lead, weights)
        + member_score(need, co, weights)
        + woman_bonus(lead, co, weights)
        - extra_cycle_cost(lead, 1, weights)
        - extra_cycle_cost(co, 1, weights)
    )
    swap: dict[str, Param] = {"name": best.name, "keep": keep.name, "out": out.name, "value": value}
    if value < chosen:
        return say(Key.NEXT_SCORES_LESS, chosen=chosen, **swap)
    if value == chosen:
        return say(Key.NEXT_SCORES_SAME, **swap)
    if elsewhere:
        return say(Key.NEXT_BETTER_ELSEWHERE, cycles=_cycles(labels, elsewhere[:3]), **swap)
    return say(Key.NEXT_OTHER_CYCLES, **swap)


def _ruled_out(need: CycleNeed, pool: list[Candidate]) -> Phrase:
    counts = Counter(b.rule for p in pool if (b := breach(need, p)) is not None)
    if not counts:
        return say(Key.RULED_OUT_NONE, pool=len(pool))
    rules: dict[str, int | float] = {r.value: n for r, n in sorted(counts.items())}
    return say(Key.RULED_OUT, total=sum(counts.values()), pool=len(pool), rules=rules)


def unassigned_reason(
    need: CycleNeed,
    pool: list[Candidate],
    solution: Solution,
    labels: dict[int, str] | None = None,
) -> Phrase:
    """The first thing that keeps `need` from a team, in terms a coordinator can act on."""
    languages = sorted(need.languages)
    speakers = [p for p in pool if p.languages & need.languages]
    if len(speakers) < 2:
        if speakers:
            return say(Key.ONE_SPEAKER, languages=languages, name=speakers[0].name)
        return say(Key.NO_SPEAKER, languages=languages)
    neutral = [
        p
        for p in speakers
        if (b := breach(need, p)) is None or b.rule not in (Rule.HOME, Rule.AFFILIATION)
    ]
    if len(neutral) < 2:
        where = {"cercle": need.cercle} if need.cercle is not None else {}
        return say(
            Key.ONE_NEUTRAL if neutral else Key.NO_NEUTRAL,
            languages=languages,
            area=need.label,
            parties=sorted(need.communities),
            **where,
        )
    available = [p for p in neutral if not any(p.away_on(d) for d in need.session_days)]
    if len(available) < 2:
        returns = sorted(
            max(p.away_on(d)[1] for d in need.session_days if p.away_on(d))  # type: ignore[index]
            for p in neutral
            if p not in available
        )
        back = (returns[1 - len(available)] + timedelta(days=1)).isoformat()
        sessions = [d.isoformat() for d in need.session_days]
        if not available:
            return say(Key.NONE_AVAILABLE, languages=languages, back=back, sessions=sessions)
        return say(
            Key.ONE_AVAILABLE,
            languages=languages,
            name=available[0].name,
            back=back,
            sessions=sessions,
        )
    free = [p for p in available if p.capacity_left > 0]
    if len(free) < 2:
        full = [
            say(Key.LOAD_OF, name=p.name, load=p.load, max=p.max_cycles)
            for p in available
            if p.capacity_left <= 0
        ]
        return say(Key.ALL_AT_CAPACITY, languages=languages, full=full)
    problems = [
        why
        for i, a in enumerate(free)
        for b in free[i + 1 :]
        if (why := team_breach(need, a, b)) is not None
    ]
    if len(problems) == len(free) * (len(free) - 1) // 2:
        # The most common problem, the first met among equals (Phrase holds a dict: not hashable).
        dumped = [repr(p.dump()) for p in problems]
        common = Counter(dumped).most_common(1)[0][0]
        return say(Key.NO_PAIR, why=problems[dumped.index(common)])
    labels = labels or {}
    busy = [
        say(
            Key.BUSY_WITH,
            name=p.name,
            cycles=_cycles(labels, _batch_cycles(solution, p.id, need.cycle_id)[:2]),
        )
        for p in free[:4]
    ]
    return say(Key.NEEDED_ELSEWHERE, count=len(free), busy=busy)
