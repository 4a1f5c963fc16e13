"""Tasks of a launch: record the cycles, then create their flow runs and remember them."""

from __future__ import annotations

from collections.abc import Callable

from prefect import task
from prefect.logging import disable_run_logger

from deployments import runs as prefect_runs
from models.clock import BAMAKO, utcnow
from models.cycle.launch import (
    CycleRun,
    LaunchReport,
    LaunchRequest,
    launch_cycles_for,
    select_communes,
    set_flow_run,
)
from models.cycle.launch import active_cycle_runs as active_runs
from models.db import session_scope
from models.policy import current_policy
from tasks.artifacts import refresh_portfolio
from tasks.options import DB_TASK, actor


def record_launches_now(request: LaunchRequest, *, who: str) -> LaunchReport:
    """Record a cycle for each commune of the request that has none active (one transaction)."""
    policy = current_policy().cycle
    with session_scope() as session:
        communes = select_communes(
            session, communes=request.communes, cercle=request.cercle, region=request.region
        )
        return launch_cycles_for(
            session,
            communes,
            start_on=request.start_on or utcnow().astimezone(BAMAKO).date(),
            policy=policy,
            actor=who,
            now=utcnow(),
        )


def start_runs_now(
    runs: list[CycleRun],
    *,
    reason: str,
    who: str,
    progress: Callable[[], None] | None = None,
) -> dict[int, str]:
    """Create the flow runs and store each flow run id on its cycle; after a launch, publish the
    portfolio.

    Every launch passes here (the launch-cycles flow, `debates launch`, `debates demo`), so the
    `debates-portfolio` artifact shows new cycles at once rather than at the next hourly sweep. A
    reconcile only replaces runs, which the portfolio does not show: it publishes nothing.
    """
    if not runs:
        return {}
    created = prefect_runs.create_cycle_runs(runs, reason=reason, progress=progress)
    replaced = [
        r.flow_run_id for r in runs if r.flow_run_id and r.flow_run_id != created.get(r.cycle_id)
    ]
    if replaced:
        prefect_runs.cancel_runs(replaced)
    with session_scope() as session:
        for cycle_id, flow_run_id in created.items():
            set_flow_run(session, cycle_id, flow_run_id, actor=who, now=utcnow())
    if reason == "launch":
        # A task even from the CLI, where Prefect deprecates artifacts made outside a flow or task
        # run; its run log ("Finished in state Completed") would only clutter the terminal.
        with disable_run_logger():
            refresh_portfolio()
    return created


def lost_cycle_runs() -> list[tuple[CycleRun, str]]:
    with session_scope(readonly=True) as session:
        runs = active_runs(session)
    return prefect_runs.lost_runs(runs)


@task(name="record-launches", **DB_TASK)
def record_launches(request: LaunchRequest) -> LaunchReport:
    return record_launches_now(request, who=actor("launch"))


@task(
    name="start-cycle-runs",
    # Any failure may be retried: a flow run's idempotency key makes re-creating it return it.
    **(DB_TASK | {"retries": 3, "retry_delay_seconds": [2, 5, 15], "retry_condition_fn": None}),
)
def start_cycle_runs(runs: list[CycleRun], reason: str = "launch") -> dict[int, str]:
    return start_runs_now(runs, reason=reason, who=actor("launch"))


def reconcile_now(*, who: str) -> list[tuple[CycleRun, str, str | None]]:
    """Start a fresh run for each active cycle whose run is lost: (cycle, why, new flow run id)."""
    lost = lost_cycle_runs()
    started = start_runs_now([run for run, _ in lost], reason="reconcile", who=who)
    return [(run, why, started.get(run.cycle_id)) for run, why in lost]


@task(
    name="reconcile-cycle-runs",
    retries=2,
    retry_delay_seconds=[5, 30],
    **{k: v for k, v in DB_TASK.items() if not k.startswith("retr")},
)
def reconcile_cycle_runs() -> int:
    """For the reminder sweep: bring back lost runs of active cycles; how many were restarted."""
    return len(reconcile_now(who=actor("reconcile")))
