"""Reconcile: repair every half-state the database and the Prefect server can be left in.

The database is the record; a launch, a submit or a cancel can be interrupted between their parts
(a crash, a database error, a Prefect server that does not answer), and a flow run can be lost
(cancelled by a badly timed stop, crashed, deleted, or suspended on a step the database says is
finished). Reconcile repairs, in this order:

1. an active cycle the matcher never saw (a launch stopped after recording it) gets a team, or a
   "nobody fits" notice to the coordinators, as a launch would have given;
2. a cancelled cycle's flow run that is still live (a `debates cancel` while no server answered
   orphans a Suspended run) is cancelled, with why in its state's message;
3. an active cycle whose run is lost gets a fresh run, which replays from the database to the step
   the cycle waits on; so does a completed cycle whose run still sleeps on a step (its last visit
   recorded while no server answered): the fresh run replays to the end, publishing the cycle's
   last documents, and ends Completed. A replaced run is cancelled.

Running it again changes nothing. `debates up`, `debates serve`, `debates reconcile` and the hourly
sweep call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.cycle.launch import CycleRun
from models.cycle.runs import ClosedRun, active_cycle_runs, closed_cycle_runs
from models.cycle.transitions import CycleStatus
from models.db import session_scope
from models.matching.assignment import never_matched
from orchestrator import runs as prefect_runs
from services.launch import assign_teams, start_runs

STOPPED_WHY = (
    "Cycle annulé : run arrêté par la réconciliation / cycle cancelled: run stopped by reconcile"
)
"""The Prefect state message of a cancelled cycle's run that reconcile cancels (the UI shows it)."""


@dataclass(frozen=True)
class Restarted:
    run: CycleRun
    why: str
    new_flow_run_id: str | None


@dataclass(frozen=True)
class Stopped:
    """A cancelled cycle's run that was still live, now Cancelled."""

    closed: ClosedRun
    was: str
    """The run's state before (Suspended, Scheduled …)."""


@dataclass(frozen=True)
class Repairs:
    matched: list[dict[str, Any]] = field(default_factory=list)
    """Matching results (services.launch.assign_teams) of cycles that had never been matched."""
    stopped: list[Stopped] = field(default_factory=list)
    restarted: list[Restarted] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.matched) + len(self.stopped) + len(self.restarted)

    def counts(self) -> dict[str, int]:
        return {
            "teams_matched": len(self.matched),
            "runs_stopped": len(self.stopped),
            "runs_restarted": len(self.restarted),
        }


def match_unmatched(*, who: str) -> list[dict[str, Any]]:
    """A team (or why nobody fits, told to the coordinators) for each active cycle never matched."""
    with session_scope(readonly=True) as session:
        cycle_ids = never_matched(session)
    return assign_teams(cycle_ids, who=who)


def settle_closed_cycles() -> tuple[list[Stopped], list[tuple[CycleRun, str]]]:
    """Cancel the live flow runs of cancelled cycles; the completed cycles whose run still sleeps
    on a step, with why, for a fresh run to finish."""
    with session_scope(readonly=True) as session:
        closed = closed_cycle_runs(session)
    stopped, unfinished = [], []
    for cycle, state in prefect_runs.live_runs_of(closed):
        if cycle.status is CycleStatus.COMPLETED:
            unfinished.append((cycle.run, f"cycle completed, flow run {state}"))
        else:
            stopped.append(Stopped(cycle, state))
    if stopped:  # live_runs_of read each from the server, so each has an id; one client for all
        prefect_runs.cancel_runs(
            [s.closed.run.flow_run_id for s in stopped if s.closed.run.flow_run_id],
            why=STOPPED_WHY,
        )
    return stopped, unfinished


def lost_cycle_runs() -> list[tuple[CycleRun, str]]:
    with session_scope(readonly=True) as session:
        runs = active_cycle_runs(session)
    return prefect_runs.lost_runs(runs)


def restart_runs(lost: list[tuple[CycleRun, str]], *, who: str) -> list[Restarted]:
    """Start a fresh run for each cycle (replacing its run, if any): what was restarted, and why."""
    started = start_runs([run for run, _ in lost], reason="reconcile", who=who)
    return [Restarted(run, why, started.get(run.cycle_id)) for run, why in lost]


def restart_lost_runs(*, who: str) -> list[Restarted]:
    """Start a fresh run for each active cycle whose run is lost."""
    return restart_runs(lost_cycle_runs(), who=who)


def reconcile(*, who: str) -> Repairs:
    """Every repair above, in order; what was repaired."""
    matched = match_unmatched(who=who)
    stopped, unfinished = settle_closed_cycles()
    return Repairs(matched, stopped, restart_runs(lost_cycle_runs() + unfinished, who=who))
