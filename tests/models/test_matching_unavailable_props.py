"""Property: after any unavailability, every current team keeps every hard rule, the teams it does
not hit are untouched, and the people told are exactly those whose assignment changed."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.matching.assignment import current_team
from models.matching.candidates import cycle_need, load_candidates
from models.matching.hard_rules import breach, team_breach
from models.matching.team import assign_cycles
from models.people.facilitator import Facilitator
from models.people.unavailability import mark_unavailable
from tests.models.test_matching_db import NOW, POLICY, add_person, launch

HOMES = ["ML070103", "ML070202", "ML070201", "ML060306", "ML060402", "ML070301"]
AREAS = ["ML060101", "ML060201", "ML060505", "ML070402"]

people = st.lists(
    st.tuples(
        st.sampled_from(HOMES),
        st.sampled_from("FM"),
        st.sets(st.sampled_from(["son", "taq"]), min_size=1),
        st.integers(1, 2),
    ),
    min_size=3,
    max_size=6,
)
cycles = st.lists(
    st.tuples(st.sampled_from(AREAS), st.integers(0, 20)),
    min_size=1,
    max_size=3,
    unique_by=lambda c: c[0],
)


def teams(session: Session, cycle_ids: list[int]) -> dict[int, dict[str, int]]:
    return {
        c: {role: row.facilitator_id for role, row in current_team(session, c).items()}
        for c in cycle_ids
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people, cycles, st.integers(0, 5), st.integers(0, 45), st.integers(5, 30))
def test_after_an_unavailability_every_team_keeps_the_rules_and_only_the_changed_are_told(
    session: Session,
    pool: list[tuple[str, str, set[str], int]],
    launches: list[tuple[str, int]],
    who: int,
    offset: int,
    length: int,
) -> None:
    savepoint = session.begin_nested()
    try:
        for i, (home, sex, languages, cap) in enumerate(pool):
            add_person(
                session,
                f"P{i}",
                home,
                sex=sex,
                languages=sorted(languages),
                regions=["ML06", "ML07"],
                max_cycles=cap,
            )
        ids = [
            launch(session, area, date(2027, 1, 4) + timedelta(days=d)).id for area, d in launches
        ]
        assign_cycles(session, ids, policy=POLICY, now=NOW)
        before = teams(session, ids)
        members = sorted({f for t in before.values() for f in t.values()})
        if not members:
            return
        gone = session.get_one(Facilitator, members[who % len(members)])
        start = date(2027, 2, 1) + timedelta(days=offset)
        report = mark_unavailable(
            session,
            gone,
            start,
            start + timedelta(days=length),
            reason="test",
            policy=POLICY,
            actor="t",
            now=NOW,
        )
        after = teams(session, ids)
        expected: set[tuple[int, str, int | None]] = set()
        for c in ids:
            if before[c] == after[c]:
                continue
            old, new = set(before[c].values()), set(after[c].values())
            expected |= {(c, "released", f) for f in old - new}
            expected |= {(c, "assigned", f) for r, f in after[c].items() if before[c].get(r) != f}
            if len(after[c]) < 2:
                expected.add((c, "unassigned", None))
        told = [(n.cycle_id, n.kind, n.facilitator_id) for n in report.notices]
        waiting = sum(not r.assigned for r in report.results)
        event(f"cycles hit: {len(report.results)}, left without a team: {waiting}")
        assert len(told) == len(set(told))
        assert set(told) == expected
        changed = {c for c in ids if before[c] != after[c]}
        assert {r.cycle_id for r in report.results} == changed
        for c in ids:
            need = cycle_need(session, session.get_one(Cycle, c), POLICY, today=NOW.date())
            pool_now = {p.id: p for p in load_candidates(session, excluding={c})}
            team = [pool_now[f] for f in after[c].values()]
            for person in team:
                assert breach(need, person) is None, (c, person.name, breach(need, person))
            if len(team) == 2:
                assert team_breach(need, team[0], team[1]) is None
    finally:
        savepoint.rollback()
