"""Reconcile: every active cycle gets a live flow run again.

The database knows where each cycle stands; a flow run can be lost (cancelled by a badly timed stop,
crashed, deleted, or suspended on a step the database says is finished). A fresh run replays from
the database to the step the cycle waits on. `debates up`, `debates serve`, `debates reconcile` and
the hourly sweep call it.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.cycle.launch import CycleRun, active_cycle_runs
from models.db import session_scope
from orchestrator import runs as prefect_runs
from services.launch import start_runs


@dataclass(frozen=True)
class Restarted:
    run: CycleRun
    why: str
    new_flow_run_id: str | None


def lost_cycle_runs() -> list[tuple[CycleRun, str]]:
    with session_scope(readonly=True) as session:
        runs = active_cycle_runs(session)
    return prefect_runs.lost_runs(runs)


def reconcile(*, who: str) -> list[Restarted]:
    """Start a fresh run for each active cycle whose run is lost: what was restarted, and why."""
    lost = lost_cycle_runs()
    started = start_runs([run for run, _ in lost], reason="reconcile", who=who)
    return [Restarted(run, why, started.get(run.cycle_id)) for run, why in lost]
