"""What reconcile asks the database (SQLite and PostgreSQL): the active cycles a launch left
unmatched, and the closed cycles whose flow run should be over."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.cycle.launch import set_flow_run
from models.cycle.runs import active_cycle_runs, closed_cycle_runs
from models.cycle.status import close_cycle
from models.cycle.transitions import CycleStatus
from models.matching.assignment import never_matched
from models.matching.team import assign_cycles
from tests.models.test_matching_db import NOW, POLICY, add_person, launch


def test_only_active_cycles_the_matcher_never_saw_are_unmatched(session: Session) -> None:
    for i, home in enumerate(["ML070103", "ML070202"]):
        add_person(session, f"P{i}", home)
    staffed, nobody, waiting, cancelled = (
        launch(session, pcode) for pcode in ("ML060101", "ML060201", "ML060205", "ML060306")
    )
    assign_cycles(session, [staffed.id], policy=POLICY, now=NOW)  # takes both people
    assign_cycles(session, [nobody.id], policy=POLICY, now=NOW)  # nobody fits: a notice
    close_cycle(session, cancelled, CycleStatus.CANCELLED, actor="t", now=NOW, reason="route")

    assert never_matched(session) == [waiting.id]
    assign_cycles(session, [waiting.id], policy=POLICY, now=NOW)
    assert never_matched(session) == []


def test_closed_cycles_with_a_run_are_listed_with_their_status_and_active_ones_apart(
    session: Session,
) -> None:
    active, done, cancelled, never_run = (
        launch(session, pcode) for pcode in ("ML060101", "ML060201", "ML060205", "ML060306")
    )
    for cycle, run in [(active, "a"), (done, "d"), (cancelled, "c")]:
        set_flow_run(
            session, cycle.id, f"00000000-0000-0000-0000-00000000000{run}", actor="t", now=NOW
        )
    close_cycle(session, done, CycleStatus.COMPLETED, actor="t", now=NOW)
    close_cycle(session, cancelled, CycleStatus.CANCELLED, actor="t", now=NOW, reason="route")
    close_cycle(session, never_run, CycleStatus.CANCELLED, actor="t", now=NOW, reason="route")

    closed = closed_cycle_runs(session)
    assert [(c.run.cycle_id, c.status, c.run.flow_run_id) for c in closed] == [
        (done.id, CycleStatus.COMPLETED, "00000000-0000-0000-0000-00000000000d"),
        (cancelled.id, CycleStatus.CANCELLED, "00000000-0000-0000-0000-00000000000c"),
    ]
    assert [r.cycle_id for r in active_cycle_runs(session)] == [active.id]
