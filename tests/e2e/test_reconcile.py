"""A launch interrupted between its three parts (cycles recorded, teams matched, flow runs created and
remembered), and a cycle cancelled while no server answered: `debates reconcile` (and the hourly
sweep) completes what was left, on a real Prefect server, SQLite and PostgreSQL.

The interruptions are real failures: a database trigger refuses the matcher's write, or the write
that remembers the new flow runs, as a full disk or a lost connection would; a Prefect address
where nothing listens stands for a server that is down. The deployments are registered but not
served: the runs stay Scheduled, which is all these tests need (test_prefect_down.py serves them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from prefect import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import func, select, text

from deployments.serve import apply_deployments
from models import db
from models.audit import AuditEvent
from models.clock import utcnow
from models.cycle.cycle import Cycle
from models.cycle.status import close_cycle
from models.cycle.transitions import CycleStatus
from models.matching.assignment import TEAM_EVENTS, TeamAssignment, never_matched
from orchestrator.server import free_port
from tests.e2e.conftest import CliResult, Domain, forget_other_runs, read_run

pytestmark = pytest.mark.prefect

START = date(2026, 3, 2)
DIRE, ARHAM = "ML060205", "ML060201"


def refuse(action_like: str, backend: str) -> list[str]:
    """A trigger that makes the database refuse every audit event whose action is LIKE the
    pattern: the whole transaction that writes it rolls back."""
    if backend == "sqlite":
        return [
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events "
            f"WHEN NEW.action LIKE '{action_like}' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
        ]
    return [
        "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN "
        f"IF NEW.action LIKE '{action_like}' THEN "
        "RAISE EXCEPTION 'refused by the test trigger'; END IF; RETURN NEW; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
    ]


ALLOW = {
    "sqlite": ["DROP TRIGGER refuse_audit"],
    "postgresql": ["DROP TRIGGER refuse_audit ON audit_events", "DROP FUNCTION refuse_audit"],
}


@pytest.fixture
def deployed(prefect_api: str) -> Iterator[str]:
    """The deployments registered, not served; no run of another test (or left by this one)."""
    forget_other_runs()
    apply_deployments()
    yield prefect_api
    forget_other_runs()  # Scheduled runs of this database must not reach another module's serving


def _backend(domain: Domain) -> str:
    return "sqlite" if domain.url.startswith("sqlite") else "postgresql"


def _run_sql(domain: Domain, statements: list[str]) -> None:
    with db.engine_for(domain.url).begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _cycles(domain: Domain) -> dict[str, Cycle]:
    with domain.session() as s:
        cycles = {c.area_pcode: c for c in s.scalars(select(Cycle))}
        s.expunge_all()
        return cycles


def _runs_named(name: str) -> list[FlowRun]:
    with get_client(sync_client=True) as client:
        return [r for r in client.read_flow_runs(limit=200) if r.name == name]


def _team_events(domain: Domain, cycle_id: int) -> int:
    with domain.session() as s:
        where = (AuditEvent.cycle_id == cycle_id, AuditEvent.action.in_(TEAM_EVENTS))
        return int(s.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0)


def test_a_launch_stopped_by_a_database_error_while_matching_is_completed_by_reconcile(
    deployed: str,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    debates: Callable[..., CliResult],
) -> None:
    use_domain(domain)
    _run_sql(domain, refuse("team.%", _backend(domain)))
    launched = debates("launch", "--commune", DIRE, "--commune", ARHAM, "--start", str(START))
    assert launched.code == 1
    (line,) = launched.err.strip().splitlines()
    assert line.startswith("Error: 2 cycle(s) recorded (id ")
    assert "but matching their facilitators failed (" in line
    assert "refused by the test trigger" in line
    assert "'debates reconcile' completes them" in line

    # The cycles are recorded: no team, no run; nothing of the matching's transaction is left.
    cycles = _cycles(domain)
    assert set(cycles) == {DIRE, ARHAM}
    assert all(c.flow_run_id is None for c in cycles.values())
    with domain.session() as s:
        assert s.scalar(select(func.count()).select_from(TeamAssignment)) == 0
        assert sorted(never_matched(s)) == sorted(c.id for c in cycles.values())

    _run_sql(domain, ALLOW[_backend(domain)])
    reconciled = debates("reconcile")
    assert reconciled.code == 0, reconciled.err
    lines = reconciled.out.splitlines()
    teams_at, runs_at = (
        lines.index("Teams for cycles never matched (2):"),
        lines.index("Flow runs started again (2):"),
    )
    assert teams_at < runs_at
    for cycle in cycles.values():
        assert any(f"Cycle {cycle.id} (" in line for line in lines[teams_at + 1 : runs_at])
        assert any(
            line.startswith(f"  Cycle {cycle.id} (") and ": no flow run; new flow run " in line
            for line in lines[runs_at + 1 :]
        )

    # Each cycle now has what the launch would have given it: a team or a notice, and a run.
    for pcode, cycle in _cycles(domain).items():
        assert _team_events(domain, cycle.id) >= 1
        assert cycle.flow_run_id is not None
        flow_run = read_run(cycle.flow_run_id)
        assert flow_run.parameters["cycle_id"] == cycle.id
        assert flow_run.name == f"cycle-{'dire' if pcode == DIRE else 'arham'}-1"
    with domain.session() as s:
        assert never_matched(s) == []

    assert "Nothing to repair." in debates("reconcile").out


def test_runs_created_but_not_remembered_are_found_again_by_the_sweep_not_created_twice(
    deployed: str,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    debates: Callable[..., CliResult],
) -> None:
    use_domain(domain)
    _run_sql(domain, refuse("cycle.flow_run", _backend(domain)))
    launched = debates("launch", "--commune", DIRE, "--start", str(START))
    assert launched.code == 1
    assert "but starting their flow runs failed (" in launched.err
    (cycle,) = _cycles(domain).values()
    assert cycle.flow_run_id is None  # the run exists on the server; the database lost its id
    (created,) = _runs_named("cycle-dire-1")
    assert _team_events(domain, cycle.id) >= 1  # matched before the failure

    # The hourly sweep reconciles: the launch's idempotency key finds the same run.
    _run_sql(domain, ALLOW[_backend(domain)])
    swept = debates("sweep", "--now", "2026-03-03T09:00+00:00")
    assert swept.code == 0, swept.err
    assert "Reconciled: 1 runs restarted." in swept.out
    assert _cycles(domain)[DIRE].flow_run_id == str(created.id)
    assert [r.id for r in _runs_named("cycle-dire-1")] == [created.id]


def test_a_run_left_live_by_a_cancel_without_server_is_cancelled_and_a_completed_cycles_scheduled_run_is_left_to_finish(  # noqa: E501
    deployed: str,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    debates: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_domain(domain)
    launched = debates("launch", "--commune", DIRE, "--commune", ARHAM, "--start", str(START))
    assert launched.code == 0, launched.err
    cycles = _cycles(domain)
    dire, arham = cycles[DIRE], cycles[ARHAM]
    assert dire.flow_run_id is not None and arham.flow_run_id is not None

    # Diré is cancelled while nothing answers where the server should be: recorded, run untouched.
    away = f"http://127.0.0.1:{free_port()}/api"
    with temporary_settings(updates={PREFECT_API_URL: away}), monkeypatch.context() as env:
        env.setenv("PREFECT_API_URL", away)
        cancelled = debates("cancel", str(dire.id), "--reason", "insécurité sur la route")
    assert cancelled.code == 0, cancelled.err
    assert f"Its flow run is not cancelled yet: no Prefect server answers at {away}" in (
        cancelled.out
    )
    assert "the next reconcile catches it up" in cancelled.out
    assert read_run(dire.flow_run_id).state_name == "Scheduled"
    # Arham's cycle completed beside its Scheduled run: once served, that run replays to the end
    # (the cycle's last documents) and ends Completed, as the demo's completed cycle does.
    with domain.session() as s, s.begin():
        close_cycle(
            s, s.get_one(Cycle, arham.id), CycleStatus.COMPLETED, actor="test", now=utcnow()
        )

    reconciled = debates("reconcile")
    assert reconciled.code == 0, reconciled.err
    assert reconciled.out.splitlines() == [
        "Flow runs of cancelled cycles stopped (1):",
        f"  Cycle {dire.id} (Diré): its flow run was Scheduled, now Cancelled",
    ]
    state = read_run(dire.flow_run_id).state
    assert state is not None and state.name == "Cancelled"
    assert "cycle cancelled: run stopped by reconcile" in str(state.message)
    assert read_run(arham.flow_run_id).state_name == "Scheduled"
    assert _cycles(domain)[ARHAM].flow_run_id == arham.flow_run_id
    assert "Nothing to repair." in debates("reconcile").out


def test_reconcile_leaves_a_run_a_submit_is_resuming_and_replaces_one_left_asleep(
    prefect_api: str,
) -> None:
    """Two runs suspended on a step the database has just seen done: one is resumed a moment
    later (as `debates submit` does once it has recorded the step), the other nobody resumes.
    Reconcile waits out the resume window, then counts only the second as lost."""
    import threading
    import time

    from prefect import flow
    from prefect.states import Paused, Running

    from models.cycle.launch import CycleRun
    from orchestrator.runs import ON_FINISHED_STEP, RESUME_WINDOW, lost_runs

    @flow(name="asleep-on-a-step")
    def asleep() -> None:
        pass

    with get_client(sync_client=True) as client:
        resumed, left = (str(client.create_flow_run(asleep).id) for _ in range(2))
        for run_id in (resumed, left):
            client.set_flow_run_state(run_id, Paused(pause_key="baseline-0-0"), force=True)  # type: ignore[arg-type]

    done: list[str] = []

    def resume_later() -> None:
        time.sleep(2)
        with (
            temporary_settings(updates={PREFECT_API_URL: prefect_api}),  # a thread's own context
            get_client(sync_client=True) as client,
        ):
            done.append(client.set_flow_run_state(resumed, Running(), force=True).status.value)  # type: ignore[arg-type]

    runs = [
        CycleRun(
            n, f"ML0{n}", f"Commune {n}", f"cycle-{n}", [], run_id, "schedule", f"k{n}", utcnow()
        )
        for n, run_id in enumerate((resumed, left), start=1)
    ]
    resuming = threading.Thread(target=resume_later)
    resuming.start()
    began = time.monotonic()
    found = lost_runs(runs)
    took = time.monotonic() - began
    resuming.join()
    assert done == ["ACCEPT"]
    assert [(run.flow_run_id, why) for run, why in found] == [
        (left, f"{ON_FINISHED_STEP} baseline")
    ]
    assert RESUME_WINDOW - 1 < took < RESUME_WINDOW + 10

    # Done long ago (a submit while no server answered): lost at once, no wait.
    long_ago = [CycleRun(3, "ML03", "C", "cycle-3", [], left, "schedule", "k3", None)]
    began = time.monotonic()
    assert [why for _, why in lost_runs(long_ago)] == [f"{ON_FINISHED_STEP} baseline"]
    assert time.monotonic() - began < 5


def test_a_run_left_pending_by_a_worker_that_died_is_lost_and_a_run_just_taken_is_not(
    prefect_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker sets a run Pending the moment before starting its process; one killed then leaves
    it Pending for ever. Pending for longer than PENDING_PATIENCE (here 5 s: the server stamps
    the state's time itself), the run counts as lost (and reconcile replaces it); Pending a moment
    ago, it is a run being started."""
    import time

    from prefect import flow
    from prefect.states import Pending

    from models.cycle.launch import CycleRun
    from orchestrator import runs as prefect_runs

    monkeypatch.setattr(prefect_runs, "PENDING_PATIENCE", 5.0)

    @flow(name="taken-by-a-worker")
    def taken() -> None:
        pass

    with get_client(sync_client=True) as client:
        stuck, starting = (str(client.create_flow_run(taken).id) for _ in range(2))
        client.set_flow_run_state(stuck, Pending(), force=True)  # type: ignore[arg-type]
        time.sleep(7)
        client.set_flow_run_state(starting, Pending(), force=True)  # type: ignore[arg-type]

    runs = [
        CycleRun(n, f"ML0{n}", f"Commune {n}", f"cycle-{n}", [], run_id, "baseline", f"k{n}")
        for n, run_id in enumerate((stuck, starting), start=1)
    ]
    found = prefect_runs.lost_runs(runs)
    assert [run.flow_run_id for run, _ in found] == [stuck]
    assert found[0][1].startswith("flow run Pending for ")
    assert found[0][1].endswith(" s (whoever took it died)")
