"""The demo's flow runs on the Prefect server: wait until each is where its cycle says it is, and
remove them all (`debates demo --remove`).

The demo promises states it can check: a cycle waiting on a step has its run Suspended on that
step, a finished cycle has its run Completed. Nothing is claimed that was not read back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from uuid import UUID

from prefect import get_client
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.states import Cancelled

from orchestrator.runs import paused_step, read_runs

POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Promise:
    """Where a demo cycle's flow run should be: suspended on `step`, or Completed (step None)."""

    cycle_id: int
    commune: str
    stage: str
    step: str | None
    flow_run_id: str | None

    @property
    def expected(self) -> str:
        return f"Suspended on {self.step}" if self.step else "Completed"


@dataclass(frozen=True)
class Check:
    promise: Promise
    state: str
    """Where the run is: 'Suspended on baseline', 'Running', 'Completed', 'no flow run' …"""
    kept: bool
    settled: bool
    """The promise is kept, or can no longer be (the run is over, or missing)."""


def check(promise: Promise, flow_run: FlowRun | None) -> Check:
    if flow_run is None:
        why = "no flow run" if promise.flow_run_id is None else "flow run not on the server"
        return Check(promise, why, kept=False, settled=True)
    state = flow_run.state
    step = paused_step(flow_run)
    where = f"Suspended on {step}" if step else (flow_run.state_name or str(flow_run.state_type))
    done = flow_run.state_type == StateType.COMPLETED
    kept = done if promise.step is None else step == promise.step
    return Check(promise, where, kept, settled=kept or (state is not None and state.is_final()))


def check_runs(promises: list[Promise]) -> list[Check]:
    found = read_runs(p.flow_run_id for p in promises if p.flow_run_id)
    return [check(p, found.get(p.flow_run_id or "")) for p in promises]


def wait_for_runs(
    promises: list[Promise],
    *,
    timeout: float,
    progress: Callable[[list[Check], float], None],
) -> list[Check]:
    """Read the runs until every promise is settled or `timeout` seconds pass; the last reading.

    `progress` is called whenever the number of kept promises changes."""
    started = time.monotonic()
    shown = -1
    while True:
        checks = check_runs(promises)
        kept = sum(c.kept for c in checks)
        elapsed = time.monotonic() - started
        if kept != shown:
            progress(checks, elapsed)
            shown = kept
        if all(c.settled for c in checks) or elapsed >= timeout:
            return checks
        time.sleep(min(POLL_SECONDS, max(0.0, timeout - elapsed)))


@dataclass(frozen=True)
class Removed:
    flow_runs: int
    cancelled: int
    artifacts: int


def _tagged(client: SyncPrefectClient, tag: str) -> list[FlowRun]:
    runs: list[FlowRun] = []
    while batch := client.read_flow_runs(
        flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[tag])),
        limit=200,
        offset=len(runs),
    ):
        runs.extend(batch)
    return runs


def _children(client: SyncPrefectClient, parents: Iterable[UUID]) -> list[FlowRun]:
    """The stage subflow runs of the demo's cycle runs (whether or not they carry its tag)."""
    ids = list(parents)
    children: list[FlowRun] = []
    for start in range(0, len(ids), 200):
        children.extend(
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=ids[start : start + 200])
                )
            )
        )
    return children


def remove_runs(tag: str) -> Removed:
    """Delete every flow run tagged `tag`, their subflow runs and their artifacts.

    A run still waiting (Suspended) or running is cancelled first, so that nothing resumes it
    and a serving process stops executing it."""
    with get_client(sync_client=True) as client:
        runs = {r.id: r for r in _tagged(client, tag)}
        runs |= {r.id: r for r in _children(client, list(runs))}
        cancelled = 0
        for flow_run in runs.values():
            if flow_run.state is not None and not flow_run.state.is_final():
                client.set_flow_run_state(
                    flow_run.id, Cancelled(message="debates demo --remove"), force=True
                )
                cancelled += 1
        artifacts = 0
        ids = list(runs)
        for start in range(0, len(ids), 200):
            mine = ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=ids[start : start + 200])
            )
            while batch := client.read_artifacts(artifact_filter=mine, limit=200):
                for artifact in batch:
                    client.delete_artifact(artifact.id)
                artifacts += len(batch)
        for flow_run_id in ids:
            client.delete_flow_run(flow_run_id)
    return Removed(flow_runs=len(ids), cancelled=cancelled, artifacts=artifacts)
