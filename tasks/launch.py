"""Tasks of a launch: record the cycles, then create their flow runs and remember them.

The units of work are services/launch.py's and services/reconcile.py's; these give each a task run
(with retries where creating flow runs may meet a busy server).
"""

from __future__ import annotations

from prefect import task

from models.cycle.launch import CycleRun, LaunchReport, LaunchRequest
from services import launch, reconcile
from tasks.options import DB_TASK, actor


@task(name="record-launches", **DB_TASK)
def record_launches(request: LaunchRequest) -> LaunchReport:
    return launch.record_launches(request, who=actor("launch"))


@task(
    name="start-cycle-runs",
    # Any failure may be retried: a flow run's idempotency key makes re-creating it return it.
    **(DB_TASK | {"retries": 3, "retry_delay_seconds": [2, 5, 15], "retry_condition_fn": None}),
)
def start_cycle_runs(runs: list[CycleRun], reason: str = "launch") -> dict[int, str]:
    return launch.start_runs(runs, reason=reason, who=actor("launch"))


@task(
    name="reconcile-cycles",
    retries=2,
    retry_delay_seconds=[5, 30],
    **{k: v for k, v in DB_TASK.items() if not k.startswith("retr")},
)
def reconcile_cycles() -> dict[str, int]:
    """For the reminder sweep: repair half-states (teams never matched, live runs of closed
    cycles, lost runs of active cycles); how many of each kind."""
    return reconcile.reconcile(who=actor("reconcile")).counts()
