"""Benchmark: facilitator matching for every commune of Mali at once (701 cycles) and 200 fictional
facilitators. Solve time, peak traced memory, total score and cycles left unassigned, for the
batch optimum (HiGHS MILP) beside first-come-first-served greedy on the same data.

    .venv/bin/python bench/matching_mali.py [--facilitators 200] [--seed 7]

Fictional data (seeded): each facilitator lives in a random commune, speaks one or two of their
home region's languages (and often French), covers their home region and sometimes a neighbour,
may carry 3 to 6 cycles, one in ten is away for a fortnight in March. Each cycle needs one or
two of its region's default languages, names one or two communities, and holds two sessions.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta

from models.geography.places import Level, parent_pcode
from models.matching.hard_rules import Candidate, CycleNeed
from models.matching.solver import Solution, greedy, solve
from models.policy import MatchingPolicy
from models.settings import SHIPPED_COMMUNES

COMMUNITIES = ["Kel Ansar", "Ifoghas", "Imghad", "Songhaï", "Peul", "Arabe", "Bozo", "Dogon"]
NEIGHBOURS = {
    "ML01": ["ML02"],
    "ML02": ["ML01", "ML04"],
    "ML03": ["ML02"],
    "ML04": ["ML02", "ML05"],
    "ML05": ["ML04", "ML06"],
    "ML06": ["ML05", "ML07"],
    "ML07": ["ML06", "ML08"],
    "ML08": ["ML07"],
    "ML09": ["ML02"],
}


def communes() -> list[tuple[str, str]]:
    with SHIPPED_COMMUNES.open(encoding="utf-8") as handle:
        return [(row["commune_pcode"], row["commune"]) for row in csv.DictReader(handle)]


def fictional(
    n_people: int, seed: int, policy: MatchingPolicy
) -> tuple[list[CycleNeed], list[Candidate]]:
    rng = random.Random(seed)
    places = communes()
    languages = policy.region_languages
    pool = []
    for i in range(1, n_people + 1):
        home = rng.choice(places)[0]
        region = home[:4]
        spoken = set(rng.sample(languages[region], k=min(2, len(languages[region]))))
        if rng.random() < 0.6:
            spoken.add("fr")
        covers = {region} | ({rng.choice(NEIGHBOURS[region])} if rng.random() < 0.4 else set())
        start = date(2027, 3, 1) + timedelta(days=rng.randrange(0, 30))
        pool.append(
            Candidate(
                id=i,
                name=f"Facilitator {i}",
                sex="F" if rng.random() < 0.4 else "M",
                home_commune=home,
                languages=frozenset(spoken),
                regions=frozenset(covers),
                affiliations=frozenset([rng.choice(COMMUNITIES)] if rng.random() < 0.2 else []),
                max_cycles=rng.randint(3, 6),
                load=0,
                unavailable=((start, start + timedelta(days=14)),) if rng.random() < 0.1 else (),
            )
        )
    needs = []
    for cycle_id, (pcode, name) in enumerate(places, start=1):
        region = pcode[:4]
        first = date(2027, 3, 1) + timedelta(days=rng.randrange(0, 45))
        needs.append(
            CycleNeed(
                cycle_id=cycle_id,
                label=f"{name} #1",
                area=pcode,
                languages=frozenset(rng.sample(languages[region], k=rng.randint(1, 2))),
                communities=frozenset(rng.sample(COMMUNITIES, k=rng.randint(1, 2))),
                session_days=(first, first + timedelta(days=14)),
            )
        )
    return needs, pool


def measure(
    run: Callable[[list[CycleNeed], list[Candidate], MatchingPolicy], Solution],
    needs: list[CycleNeed],
    pool: list[Candidate],
    policy: MatchingPolicy,
) -> tuple[Solution, float, float]:
    tracemalloc.start()
    started = time.perf_counter()
    solution = run(needs, pool, policy)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return solution, seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facilitators", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--region", help="only this region's communes (e.g. ML06), same pool")
    parser.add_argument("--time-limit", type=float, default=MatchingPolicy().time_limit_seconds)
    args = parser.parse_args()
    policy = MatchingPolicy(time_limit_seconds=args.time_limit)
    needs, pool = fictional(args.facilitators, args.seed, policy)
    if args.region:
        needs = [n for n in needs if parent_pcode(n.area, Level.REGION) == args.region]
    pairs = sum(1 for n in needs for p in pool if p.languages & n.languages)
    print(
        f"{len(needs)} cycles, {len(pool)} facilitators, {sum(p.max_cycles for p in pool)} "
        f"team seats for {2 * len(needs)} needed, {pairs} language-compatible pairs"
    )
    rows = []
    for name, run in (("greedy (first come)", greedy), ("MILP (HiGHS), batch optimum", solve)):
        solution, seconds, peak = measure(run, needs, pool, policy)
        rows.append((name, seconds, peak, solution))
    print(
        f"| {'method':<28} | {'time s':>7} | {'peak MiB':>8} | {'staffed':>7} | "
        f"{'unassigned':>10} | {'total score':>11} | status"
    )
    print(f"|{'-' * 30}|{'-' * 9}|{'-' * 10}|{'-' * 9}|{'-' * 12}|{'-' * 13}|--------")
    for name, seconds, peak, solution in rows:
        print(
            f"| {name:<28} | {seconds:7.2f} | {peak:8.1f} | {len(solution.teams):7d} | "
            f"{len(solution.unassigned):10d} | {solution.total:11.1f} | {solution.status}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"process peak RSS {rss:.0f} MiB (tracemalloc sees Python and NumPy, not HiGHS's C++ heap)"
    )


if __name__ == "__main__":
    main()
