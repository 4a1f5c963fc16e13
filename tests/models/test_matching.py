"""The matcher, pure: hard rules are never broken, a feasible batch is always staffed, and the batch
optimum beats first-come-first-served. Feasibility and optimality are checked by brute force with
the rules written out again here, independently of models/matching/solver.py."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.matching.explain import explain_team, unassigned_reason
from models.matching.hard_rules import Candidate, CycleNeed, breach
from models.matching.solver import greedy, solve
from models.policy import MatchingPolicy
from notifications.phrases import worded

WEIGHTS = MatchingPolicy()
COMMUNES = ["ML060101", "ML060102", "ML060201", "ML070101", "ML070201"]
LANGS = ["son", "taq", "ff"]
D0 = date(2027, 3, 1)


def person(
    id: int,
    home: str,
    regions: set[str] | tuple[str, ...] = (),
    cap: int = 1,
    sex: str = "M",
    languages: tuple[str, ...] = ("son",),
) -> Candidate:
    return Candidate(
        id, chr(64 + id), sex, home, frozenset(languages), frozenset(regions), max_cycles=cap
    )


def need(id: int, area: str, languages: tuple[str, ...] = ("son",)) -> CycleNeed:
    return CycleNeed(id, f"C{id}", area, frozenset(languages))


# --- the hand-checkable case -------------------------------------------------------------------
# Member points (covers the region +3, home in the cercle +2 / in the region +1); A and B may take
# two cycles (the second costs workload 1), the others one; nobody is a woman, so no team bonus.
#        C1 C2 C3 C4
#   A     5  4  3  3      A: home cercle ML0601, covers ML06 and ML07, 2 cycles
#   B     3  3  5  4      B: home cercle ML0701, covers ML06 and ML07, 2 cycles
#   C     4  5  0  0      C: home cercle ML0602, covers ML06
#   D     0  0  4  5      D: home cercle ML0702, covers ML07
#   E     2  1  0  0      E: home cercle ML0601, covers nothing
#   F     0  0  1  2      F: home cercle ML0702, covers nothing
# Greedy, C1 first: C1 takes A+C (9), C2 A+B (3+3), C3 B+D (4+4), C4 only E+F are left (0+2): 25.
# Optimum, 29: A and B lead the cycles of their home cercles and second one more each, while C and
# E, D and F fill the seats only they fit well: C1 A+E 7, C2 C+A 5+3, C3 B+D 9, C4 B+F 3+2.
POOL = [
    person(1, "ML060102", {"ML06", "ML07"}, cap=2),
    person(2, "ML070102", {"ML06", "ML07"}, cap=2),
    person(3, "ML060202", {"ML06"}),
    person(4, "ML070202", {"ML07"}),
    person(5, "ML060103"),
    person(6, "ML070203"),
]
NEEDS = [need(1, "ML060101"), need(2, "ML060201"), need(3, "ML070101"), need(4, "ML070201")]


def test_batch_optimum_beats_first_come_first_served_on_six_facilitators_and_four_communes() -> (
    None
):
    optimal, first_come = solve(NEEDS, POOL, WEIGHTS), greedy(NEEDS, POOL, WEIGHTS)
    assert optimal.status == "optimal"
    assert optimal.total == 29
    assert first_come.total == 25
    assert not optimal.unassigned and not first_come.unassigned
    assert brute_force(NEEDS, POOL, WEIGHTS) == (4, 29)


def test_each_team_explains_its_two_members_and_the_next_best() -> None:
    solution = solve(NEEDS, POOL, WEIGHTS)
    team = solution.teams[1]
    text = worded(explain_team(NEEDS[0], team, POOL, solution, WEIGHTS), "en") or ""
    assert f"Score {team.score:g}" in text
    assert "Next best:" in text
    assert "Lead A (covers the region +3, home in the cercle +2)" in text


# --- hard rules and reasons ----------------------------------------------------------------------


def test_a_facilitator_from_the_commune_or_affiliated_or_away_or_full_is_ruled_out() -> None:
    cycle = CycleNeed(
        1,
        "Ber",
        "ML060101",
        frozenset({"taq"}),
        communities=frozenset({"ifoghas"}),
        session_days=(D0,),
    )
    ok = Candidate(1, "Ok", "F", "ML060201", frozenset({"taq"}))
    assert breach(cycle, ok) is None
    assert breach(cycle, Candidate(2, "Ber", "M", "ML060101", frozenset({"taq"}))).rule == "home"
    wrong_tongue = Candidate(3, "Bm", "M", "ML060201", frozenset({"bm"}))
    assert breach(cycle, wrong_tongue).rule == "language"
    partisan = Candidate(
        4, "P", "M", "ML060201", frozenset({"taq"}), affiliations=frozenset({"ifoghas"})
    )
    assert breach(cycle, partisan).rule == "affiliation"
    away = Candidate(5, "Away", "M", "ML060201", frozenset({"taq"}), unavailable=((D0, D0),))
    assert breach(cycle, away).rule == "availability"
    full = Candidate(6, "Full", "M", "ML060201", frozenset({"taq"}), max_cycles=2, load=2)
    assert breach(cycle, full).rule == "capacity"


def test_nobody_fitting_leaves_the_cycle_unassigned_with_a_reason_a_coordinator_can_act_on() -> (
    None
):
    cycle = CycleNeed(
        1, "Anéfis #1", "ML080101", frozenset({"taq"}), session_days=(date(2027, 3, 10),)
    )
    away = ((date(2027, 3, 1), date(2027, 3, 13)),)
    pool = [
        Candidate(1, "Aicha", "F", "ML070101", frozenset({"taq"}), unavailable=away),
        Candidate(2, "Ibrahim", "M", "ML070201", frozenset({"taq"}), unavailable=away),
        Candidate(3, "Moussa", "M", "ML070102", frozenset({"son"})),
    ]
    solution = solve([cycle], pool, WEIGHTS)
    assert solution.unassigned == [1]
    reason = worded(unassigned_reason(cycle, pool, solution), "en") or ""
    assert reason.startswith("no Tamasheq speaker available before 14 March 2027")


def test_a_team_needs_two_home_communes_and_a_speaker_of_each_session_language() -> None:
    cycle = CycleNeed(
        1, "C", "ML080101", frozenset({"taq", "son"}), session_languages=frozenset({"taq"})
    )
    pool = [
        Candidate(1, "Same1", "M", "ML070101", frozenset({"taq"})),
        Candidate(2, "Same2", "M", "ML070101", frozenset({"taq"})),
        Candidate(3, "Son", "M", "ML070201", frozenset({"son"})),
    ]
    solution = solve([cycle], pool, WEIGHTS)
    team = solution.teams[1]
    assert {team.lead, team.co} in ({1, 3}, {2, 3})
    only_son = [pool[2], Candidate(4, "Son2", "F", "ML070202", frozenset({"son"}))]
    assert solve([cycle], only_son, WEIGHTS).unassigned == [1]
    why = unassigned_reason(cycle, only_son, solve([cycle], only_son, WEIGHTS))
    assert (
        worded(why, "en")
        == "no two eligible facilitators make a team: nobody in the team speaks Tamasheq"
    )


def test_a_woman_in_the_team_is_preferred_when_the_rest_is_equal() -> None:
    cycle = need(1, "ML080101")
    pool = [person(1, "ML070101"), person(2, "ML070102"), person(3, "ML070103", sex="F")]
    team = solve([cycle], pool, WEIGHTS).teams[1]
    assert 3 in (team.lead, team.co)
    assert team.parts["woman_in_team"] == WEIGHTS.woman_in_team


def test_workload_is_balanced_across_the_batch() -> None:
    cycles = [need(1, "ML080101"), need(2, "ML080102")]
    pool = [person(i, f"ML07010{i}", cap=2) for i in range(1, 5)]
    solution = solve(cycles, pool, WEIGHTS)
    load = Counter(f for t in solution.teams.values() for f in (t.lead, t.co))
    assert max(load.values()) == 1


# --- property tests: random pools and cycles, checked by brute force -----------------------------


def allowed(cycle: CycleNeed, p: Candidate) -> bool:
    """The hard rules, written out again (not calling models.matching.solver)."""
    away = any(s <= d <= e for d in cycle.session_days for s, e in p.unavailable)
    return (
        bool(p.languages & cycle.languages)
        and not p.home_commune.startswith(cycle.area)
        and not p.affiliations & cycle.communities
        and not away
        and p.max_cycles - p.load > 0
    )


def pair_allowed(cycle: CycleNeed, a: Candidate, b: Candidate) -> bool:
    return (
        a.id != b.id
        and allowed(cycle, a)
        and allowed(cycle, b)
        and a.home_commune != b.home_commune
        and cycle.session_languages <= (a.languages | b.languages)
    )


def total_score(
    cycles: list[CycleNeed],
    pool: list[Candidate],
    teams: dict[int, tuple[int, int]],
    w: MatchingPolicy,
    *,
    held: bool = True,
) -> float:
    """The batch objective (held=True) or the teams' own scores (held=False)."""
    people = {p.id: p for p in pool}
    total = 0.0
    for cycle in cycles:
        if cycle.cycle_id not in teams:
            continue
        members = [people[i] for i in teams[cycle.cycle_id]]
        for m in members:
            total += w.covers_region * (cycle.area[:4] in m.regions)
            if m.home_commune[:6] == cycle.area[:6]:
                total += w.same_cercle
            elif m.home_commune[:4] == cycle.area[:4]:
                total += w.same_region
            total += w.continuity * (m.id in cycle.previous_team)
            total += w.keep_incumbent * (m.id in cycle.incumbents)
        total += w.woman_in_team * any(m.sex == "F" for m in members)
    for i, n in seats(cycles, pool, teams, held=held).items():
        total -= sum(w.workload * (people[i].load + k) for k in range(n))
    return round(total, 6)


def seats(
    cycles: list[CycleNeed],
    pool: list[Candidate],
    teams: dict[int, tuple[int, int]],
    *,
    held: bool = True,
) -> Counter[int]:
    """Cycles each person carries in the batch: their teams, and (with `held`) the unstaffed cycles
    they stay on as an eligible incumbent, unless they hold more of those than they have seats."""
    used = Counter(i for pair in teams.values() for i in pair)
    if held:
        for p in pool:
            kept = [c for c in cycles if p.id in c.incumbents and allowed(c, p)]
            if len(kept) <= p.max_cycles - p.load:
                used[p.id] += sum(1 for c in kept if c.cycle_id not in teams)
    return used


def brute_force(
    cycles: list[CycleNeed], pool: list[Candidate], w: MatchingPolicy
) -> tuple[int, float]:
    """(most cycles staffed, best total with that many), by trying every combination of teams."""
    options = [
        [None, *((a.id, b.id) for a, b in itertools.combinations(pool, 2) if pair_allowed(c, a, b))]
        for c in cycles
    ]
    best: tuple[int, float] | None = None
    for combo in itertools.product(*options):
        teams = {c.cycle_id: t for c, t in zip(cycles, combo, strict=True) if t is not None}
        used = seats(cycles, pool, teams)
        if any(n > p.max_cycles - p.load for p in pool if (n := used[p.id])):
            continue
        value = (len(teams), total_score(cycles, pool, teams, w))
        best = value if best is None else max(best, value)
    assert best is not None
    return best


days = st.sets(st.integers(0, 6), max_size=2).map(
    lambda s: tuple(D0 + timedelta(days=d) for d in sorted(s))
)


@st.composite
def candidates(draw: st.DrawFn, id: int) -> Candidate:
    start = draw(st.integers(0, 6))
    away = draw(st.booleans())
    return Candidate(
        id=id,
        name=f"P{id}",
        sex=draw(st.sampled_from("FM")),
        home_commune=draw(st.sampled_from(COMMUNES)),
        languages=frozenset(draw(st.sets(st.sampled_from(LANGS), min_size=1, max_size=2))),
        regions=frozenset(draw(st.sets(st.sampled_from(["ML06", "ML07"])))),
        affiliations=frozenset(draw(st.sets(st.sampled_from(["ifoghas", "imghad"]), max_size=1))),
        max_cycles=draw(st.integers(0, 2)),
        load=draw(st.integers(0, 1)),
        unavailable=((D0 + timedelta(days=start), D0 + timedelta(days=start + 1)),) if away else (),
    )


@st.composite
def needs(draw: st.DrawFn, id: int, pool_ids: list[int]) -> CycleNeed:
    languages = frozenset(draw(st.sets(st.sampled_from(LANGS), min_size=1, max_size=2)))
    return CycleNeed(
        cycle_id=id,
        label=f"C{id}",
        area=draw(st.sampled_from(COMMUNES)),
        languages=languages,
        session_languages=frozenset(draw(st.sets(st.sampled_from(sorted(languages)), max_size=1))),
        communities=frozenset(draw(st.sets(st.sampled_from(["ifoghas", "imghad"]), max_size=1))),
        session_days=draw(days),
        previous_team=frozenset(draw(st.sets(st.sampled_from(pool_ids), max_size=2))),
        incumbents=frozenset(draw(st.sets(st.sampled_from(pool_ids), max_size=2))),
    )


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[CycleNeed], list[Candidate]]:
    n_people = draw(st.integers(2, 6))
    pool = [draw(candidates(i)) for i in range(1, n_people + 1)]
    cycles = [draw(needs(i, [p.id for p in pool])) for i in range(1, draw(st.integers(1, 3)) + 1)]
    return cycles, pool


weights = st.builds(
    MatchingPolicy,
    covers_region=st.integers(0, 5).map(float),
    same_cercle=st.integers(0, 5).map(float),
    same_region=st.integers(0, 3).map(float),
    workload=st.integers(0, 3).map(float),
    woman_in_team=st.integers(0, 6).map(float),
    continuity=st.integers(0, 4).map(float),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), weights)
def test_no_team_ever_breaks_a_hard_rule_and_the_batch_is_as_staffed_and_scored_as_brute_force(
    instance: tuple[list[CycleNeed], list[Candidate]], w: MatchingPolicy
) -> None:
    cycles, pool = instance
    solution = solve(cycles, pool, w)
    by_id = {c.cycle_id: c for c in cycles}
    people = {p.id: p for p in pool}
    for cycle_id, team in solution.teams.items():
        assert pair_allowed(by_id[cycle_id], people[team.lead], people[team.co])
    used = Counter(i for t in solution.teams.values() for i in (t.lead, t.co))
    for i, n in used.items():
        assert n <= people[i].max_cycles - people[i].load
    held = seats(cycles, pool, {c: (t.lead, t.co) for c, t in solution.teams.items()})
    for i, n in held.items():
        assert n <= people[i].max_cycles - people[i].load
    teams = {c: (t.lead, t.co) for c, t in solution.teams.items()}
    assert solution.total == total_score(cycles, pool, teams, w, held=False)
    objective = total_score(cycles, pool, teams, w)
    assert (len(solution.teams), objective) == brute_force(cycles, pool, w)
    for cycle_id in solution.unassigned:
        assert unassigned_reason(by_id[cycle_id], pool, solution)


@settings(max_examples=80, deadline=None)
@given(instances())
def test_greedy_baseline_keeps_the_hard_rules_and_never_beats_the_optimum(
    instance: tuple[list[CycleNeed], list[Candidate]],
) -> None:
    # The baseline knows no incumbents (it only ever assigns from scratch, in the benchmark).
    cycles = [replace(c, incumbents=frozenset()) for c in instance[0]]
    pool = instance[1]
    solution = greedy(cycles, pool, WEIGHTS)
    by_id = {c.cycle_id: c for c in cycles}
    people = {p.id: p for p in pool}
    for cycle_id, team in solution.teams.items():
        assert pair_allowed(by_id[cycle_id], people[team.lead], people[team.co])
    used = Counter(i for t in solution.teams.values() for i in (t.lead, t.co))
    assert all(n <= people[i].max_cycles - people[i].load for i, n in used.items())
    optimum = solve(cycles, pool, WEIGHTS)
    teams = {c: (t.lead, t.co) for c, t in optimum.teams.items()}
    assert (len(optimum.teams), optimum.total) >= (len(solution.teams), solution.total)
    assert (len(optimum.teams), total_score(cycles, pool, teams, WEIGHTS)) == brute_force(
        cycles, pool, WEIGHTS
    )


def test_the_explanation_says_what_the_next_best_would_have_scored() -> None:
    cycle = need(1, "ML060101")
    pool = [
        person(1, "ML060102", {"ML06"}),  # covers +3, cercle +2
        person(2, "ML060201", {"ML06"}),  # covers +3, region +1
        person(3, "ML060202"),  # region +1
    ]
    solution = solve([cycle], pool, WEIGHTS)
    text = worded(explain_team(cycle, solution.teams[1], pool, solution, WEIGHTS), "en") or ""
    assert "Score 9." in text
    assert "Next best: C, not chosen: with A instead of B the team would score 6, not 9." in text


def test_the_explanation_of_a_tie_says_the_next_best_would_score_the_same() -> None:
    cycle = need(1, "ML060101")
    pool = [
        person(1, "ML060102", {"ML06"}),  # covers +3, cercle +2
        person(2, "ML060201", {"ML06"}),  # covers +3, region +1
        person(3, "ML060202", {"ML06"}),  # covers +3, region +1: as good as B
    ]
    solution = solve([cycle], pool, WEIGHTS)
    text = worded(explain_team(cycle, solution.teams[1], pool, solution, WEIGHTS), "en") or ""
    assert "would score the same (9); equal teams are settled by the solver's order." in text
    assert "(none)" not in text
