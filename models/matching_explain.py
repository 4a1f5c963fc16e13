"""Why a team, and why nobody: the readable explanations stored with every assignment. Pure."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from models.language import LANGUAGES
from models.matching import (
    Candidate,
    CycleNeed,
    Rule,
    Solution,
    Team,
    breach,
    extra_cycle_cost,
    member_parts,
    member_score,
    team_breach,
    woman_bonus,
)
from models.policy import MatchingPolicy

PART_LABELS = {
    "covers_region": "covers the region",
    "same_cercle": "home in the cercle",
    "same_region": "home in the region",
    "continuity": "on the previous cycle's team",
    "keep_incumbent": "already on this team",
    "workload": "workload",
    "woman_in_team": "a woman in the team",
}
RULE_LABELS = {
    Rule.LANGUAGE: "do not speak a needed language",
    Rule.HOME: "are from the area",
    Rule.AFFILIATION: "are affiliated with a party to the debate",
    Rule.AVAILABILITY: "are unavailable on a session day",
    Rule.CAPACITY: "are at their maximum of concurrent cycles",
}


def language_names(codes: frozenset[str]) -> str:
    return " or ".join(LANGUAGES[c][0] if c in LANGUAGES else c for c in sorted(codes))


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _points(value: float) -> str:
    return f"{value:+g}"


def _member_text(need: CycleNeed, person: Candidate, weights: MatchingPolicy) -> str:
    parts = [
        f"{PART_LABELS[k]} {_points(v)}" for k, v in member_parts(need, person, weights).items()
    ]
    if person.load:
        parts.append(f"already carries {person.load} cycle(s)")
    return f"{person.name} ({', '.join(parts) or 'no preference met'})"


def explain_team(
    need: CycleNeed,
    team: Team,
    pool: list[Candidate],
    solution: Solution,
    weights: MatchingPolicy,
    labels: dict[int, str] | None = None,
) -> str:
    """Why these two, what ruled out the next best, and how many the hard rules ruled out."""
    people = {p.id: p for p in pool}
    lead, co = people[team.lead], people[team.co]
    text = [
        f"Lead {_member_text(need, lead, weights)}; co-facilitator {_member_text(need, co, weights)}.",
    ]
    if "woman_in_team" in team.parts:
        text.append(f"A woman in the team {_points(team.parts['woman_in_team'])}.")
    if "workload" in team.parts:
        text.append(f"Workload {_points(team.parts['workload'])}.")
    text.append(f"Score {team.score:g}.")
    nxt = _next_best(need, team, pool, solution, weights, labels or {})
    if nxt:
        text.append(nxt)
    text.append(_ruled_out(need, pool))
    return " ".join(text)


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
) -> str | None:
    people = {p.id: p for p in pool}
    others = [
        people[f] for f in solution.eligible.get(need.cycle_id, []) if f not in (team.lead, team.co)
    ]
    if not others:
        return "Nobody else was eligible."
    best = max(
        others,
        key=lambda p: (member_score(need, p, weights) - weights.workload * p.load, -p.id),
    )
    elsewhere = _batch_cycles(solution, best.id, need.cycle_id)
    if elsewhere and len(elsewhere) >= best.capacity_left:
        where = ", ".join(labels.get(c, f"cycle {c}") for c in elsewhere[:3])
        why = f"at capacity with this batch's other cycles ({where})"
    else:
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
        if swaps:
            value, keep, out = max(swaps, key=lambda o: o[0])
            chosen = (
                member_score(need, lead, weights)
                + member_score(need, co, weights)
                + woman_bonus(lead, co, weights)
                - extra_cycle_cost(lead, 1, weights)
                - extra_cycle_cost(co, 1, weights)
            )
            if value < chosen:
                why = f"with {keep.name} instead of {out.name} the team would score {value:g}, not {chosen:g}"
            elif value == chosen:
                why = (
                    f"with {keep.name} instead of {out.name} the team would score the same "
                    f"({value:g}); equal teams are settled by the solver's order"
                )
            elif elsewhere:
                where = ", ".join(labels.get(c, f"cycle {c}") for c in elsewhere[:3])
                why = (
                    f"a team with {keep.name} would score {value:g} here, but the batch total is "
                    f"higher with {best.name} where the solver put them ({where}) and {out.name} here"
                )
            else:
                why = (
                    f"a team with {keep.name} would score {value:g} here, but the batch total is "
                    f"higher with {out.name} here (their other cycles weigh in)"
                )
        else:
            why = team_breach(need, lead, best) or "no valid team with the chosen lead"
    return f"Next best: {best.name}, not chosen: {why}."


def _ruled_out(need: CycleNeed, pool: list[Candidate]) -> str:
    counts = Counter(b.rule for p in pool if (b := breach(need, p)) is not None)
    if not counts:
        return f"None of the {len(pool)} facilitators was ruled out by a hard rule."
    listed = ", ".join(f"{n} {RULE_LABELS[r]}" for r, n in sorted(counts.items()))
    return f"Ruled out by the hard rules: {sum(counts.values())} of {len(pool)} ({listed})."


def unassigned_reason(
    need: CycleNeed,
    pool: list[Candidate],
    solution: Solution,
    labels: dict[int, str] | None = None,
) -> str:
    """The first thing that keeps `need` from a team, in words a coordinator can act on."""
    lang = language_names(need.languages)
    speakers = [p for p in pool if p.languages & need.languages]
    if len(speakers) < 2:
        who = f" ({speakers[0].name})" if speakers else ""
        return f"{'only one' if speakers else 'no'} {lang} speaker among the facilitators{who}"
    neutral = [
        p
        for p in speakers
        if (b := breach(need, p)) is None or b.rule not in (Rule.HOME, Rule.AFFILIATION)
    ]
    if len(neutral) < 2:
        parties = ", ".join(sorted(need.communities)) or "no party"
        return (
            f"{'only one' if neutral else 'no'} {lang} speaker who is neither from {need.label} "
            f"nor affiliated with {parties}"
        )
    available = [p for p in neutral if not any(p.away_on(d) for d in need.session_days)]
    if len(available) < 2:
        returns = sorted(
            max(p.away_on(d)[1] for d in need.session_days if p.away_on(d))  # type: ignore[index]
            for p in neutral
            if p not in available
        )
        back = returns[1 - len(available)]
        sessions = ", ".join(day(d) for d in need.session_days)
        return (
            f"no {lang} speaker available before {day(back + timedelta(days=1))}"
            f" (sessions on {sessions})"
            if not available
            else f"only one {lang} speaker available ({available[0].name}) before "
            f"{day(back + timedelta(days=1))} (sessions on {sessions})"
        )
    free = [p for p in available if p.capacity_left > 0]
    if len(free) < 2:
        full = ", ".join(
            f"{p.name} {p.load}/{p.max_cycles}" for p in available if p.capacity_left <= 0
        )
        return f"the available {lang} speakers are at their maximum of concurrent cycles ({full})"
    problems = [
        why
        for i, a in enumerate(free)
        for b in free[i + 1 :]
        if (why := team_breach(need, a, b)) is not None
    ]
    if len(problems) == len(free) * (len(free) - 1) // 2:
        return "no two eligible facilitators make a team: " + Counter(problems).most_common(1)[0][0]
    labels = labels or {}
    busy = []
    for p in free[:4]:
        where = _batch_cycles(solution, p.id, need.cycle_id)
        busy.append(
            f"{p.name} ({', '.join(labels.get(c, f'cycle {c}') for c in where[:2]) or '—'})"
        )
    return (
        f"the {len(free)} eligible facilitators are all needed by other cycles of this batch, "
        f"which the solver staffed instead: {'; '.join(busy)}"
    )
