"""The deployments, and serving them from one process (`debates serve`, and `debates up` through it).

Stopping is graceful (`DebatesRunner`): the first SIGTERM or Ctrl-C stops taking new runs and lets
the runs in flight reach their next wait (a suspension ends their process) for up to `grace`
seconds; a second signal, or the end of the grace, stops them at once. A run stopped so is put back
(`AwaitingRestart`, a Scheduled state) instead of being reported Crashed or Cancelled: the next
serving process replays it from the database to where it stood, the input it was given included
(Prefect hands back the input of a pause key already used). A serving process killed outright
(SIGKILL, a power cut) cannot put anything back: it leaves a marker per run in flight in the data
folder, and the next serving process puts back each run whose process is gone
(`put_back_orphans`).

Each flow run is a process forked from a fork server that has imported Prefect and the flows once
(deployments/forkserver.py), not a fresh `python -m prefect.engine`; Prefect's own start if the
fork server cannot start.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import anyio
from prefect import get_client
from prefect.client.schemas.objects import FlowRun, State, StateType
from prefect.deployments.runner import RunnerDeployment
from prefect.runner import Runner
from prefect.states import Scheduled

from deployments import forkserver
from deployments.build import built
from deployments.field_import import field_import_deployment
from deployments.report import report_deployment
from deployments.sweep import sweep_deployment
from flows.admin import cycle_admin
from flows.cycle import debate_cycle
from flows.launch import launch_cycles
from models.clock import utcnow

SERVE_LIMIT = 16
"""Flow runs the serving process executes at once; each is a Python process forked from the fork
server (~150 MB resident). A run spends most of its few seconds waiting on Prefect's server, so
twice the slots of before carried 200 runs to their first wait in 169 s instead of 235-262 s on 2
cores (bench/launch_mali.py, docs/deployments.md)."""

POLL_SECONDS = 5.0
"""How often the serving process asks the server for runs to start (a launched or resumed run
waits up to this long for a free slot's next look); Prefect's default is 10 s. The environment's
PREFECT_RUNNER_POLL_FREQUENCY, when set, wins."""

GRACE = 30.0
"""Default of --grace: seconds a stop gives the runs in flight to reach their next wait."""

PUT_BACK = "AwaitingRestart"
"""The name of the Scheduled state a run stopped in flight is put back in."""

IN_FLIGHT = "runs-in-flight"
"""Folder of the data folder holding one marker per run in flight: `<flow run id>` -> its pid."""

LIVE = frozenset({StateType.RUNNING, StateType.PENDING})


def deployments() -> list[RunnerDeployment]:
    return [
        built(
            debate_cycle.to_deployment(
                name="debate-cycle",
                description="Un cycle de débats pour une commune / one debate cycle of a commune",
                tags=["debates"],
            )
        ),
        built(
            launch_cycles.to_deployment(
                name="launch-cycles",
                description="Lancer des cycles (communes, cercle ou région) / launch cycles",
                tags=["debates"],
            )
        ),
        sweep_deployment(),
        field_import_deployment(),
        built(
            cycle_admin.to_deployment(
                name="cycle-admin",
                description="Mettre en pause, reprendre, prolonger des cycles / pause, resume, "
                "extend cycles",
                tags=["debates"],
            )
        ),
        report_deployment(),
    ]


def apply_deployments() -> None:
    """Register the deployments on the server (so runs can be created before serving starts)."""
    for deployment in deployments():
        deployment.apply()


def put_back_state(why: str) -> State[Any]:
    return Scheduled(scheduled_time=utcnow(), name=PUT_BACK, message=why)


class DebatesRunner(Runner):
    """Prefect's Runner, with a graceful stop that puts back what it must interrupt."""

    def __init__(self, *, grace: float, in_flight: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.grace = grace
        self.in_flight = in_flight
        self._signals = 0
        self._interrupted: set[UUID] = set()

    async def __aenter__(self) -> DebatesRunner:
        await super().__aenter__()
        self.in_flight.mkdir(parents=True, exist_ok=True)
        manager = self._process_manager
        added, removed = manager._on_add, manager._on_remove

        async def on_add(flow_run_id: UUID) -> None:
            handle = manager.get(flow_run_id)
            if handle is not None and handle.pid:
                (self.in_flight / str(flow_run_id)).write_text(f"{handle.pid}\n")
            if added is not None:
                await added(flow_run_id)

        async def on_remove(flow_run_id: UUID) -> None:
            (self.in_flight / str(flow_run_id)).unlink(missing_ok=True)
            if removed is not None:
                await removed(flow_run_id)

        manager._on_add, manager._on_remove = on_add, on_remove
        # A run this runner interrupts exits non-zero; Prefect would report it Crashed.
        proposer = self._state_proposer
        crashed = proposer.propose_crashed

        async def crashed_or_put_back(flow_run: FlowRun, message: str) -> State[Any] | None:
            if flow_run.id not in self._interrupted:
                return await crashed(flow_run, message)
            current = (await self._client.read_flow_run(flow_run.id)).state
            if current is not None and (current.is_paused() or current.is_final()):
                return current  # it reached its wait (or its end) as it was stopped
            why = "the serving process stopped while this run executed; it carries on from "
            why += "its step when the cycles are served again"
            result = await self._client.set_flow_run_state(
                flow_run.id, put_back_state(why), force=True
            )
            self._logger.info("Flow run '%s' put back (%s), not crashed.", flow_run.name, PUT_BACK)
            return result.state

        proposer.propose_crashed = crashed_or_put_back  # type: ignore[method-assign]
        return self

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        """SIGTERM and SIGINT: the first drains, the second stops the runs in flight at once."""
        self._signals += 1
        if not self.started or self._loop is None:
            sys.exit(0)
        if self._signals == 1:
            self._logger.info(
                "Stopping: no new runs; the runs in flight have %.0f s to reach their next wait "
                "(a second Ctrl-C stops them at once and puts them back).",
                self.grace,
            )
            self.execute_in_background(self._drain)
        else:
            self._logger.info("Stopping at once: the runs in flight are put back.")

    async def _drain(self) -> None:
        self.stopping = True
        self._scheduled_run_poller.stopping = True
        deadline = time.monotonic() + self.grace
        manager = self._process_manager
        while manager.flow_run_ids() and self._signals < 2 and time.monotonic() < deadline:
            await anyio.sleep(0.2)
        for flow_run_id in manager.flow_run_ids():
            self._interrupted.add(flow_run_id)
            await manager.kill(flow_run_id, force=True)
        with anyio.move_on_after(15):  # each executor puts its run back as its process ends
            while manager.flow_run_ids():
                await anyio.sleep(0.1)
        self.started = False
        self._loops_task_group.cancel_scope.cancel()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def put_back_orphans(in_flight: Path) -> list[str]:
    """Put back the runs a killed serving process left Running or Pending (their process is
    gone, so nothing will ever end them); the ids of the runs put back."""
    put_back: list[str] = []
    if not in_flight.is_dir():
        return put_back
    with get_client(sync_client=True) as client:
        for marker in in_flight.iterdir():
            try:
                pid = int(marker.read_text().strip() or 0)
                flow_run_id = UUID(marker.name)
            except (OSError, ValueError):
                marker.unlink(missing_ok=True)
                continue
            if pid and _alive(pid):
                continue
            try:
                flow_run = client.read_flow_run(flow_run_id)
            except Exception:  # gone with its server's database, or no server: keep the marker
                continue
            if flow_run.state_type in LIVE:
                why = "its serving process was killed while this run executed; it carries on "
                why += "from its step"
                client.set_flow_run_state(flow_run_id, put_back_state(why), force=True)
                put_back.append(str(flow_run_id))
            marker.unlink(missing_ok=True)
    return put_back


def serve_deployments(
    limit: int = SERVE_LIMIT, *, grace: float = GRACE, data_dir: Path | None = None
) -> None:
    """Serve until stopped (SIGTERM or Ctrl-C: see the module's docstring).

    `pause_on_shutdown=False`: a paused deployment would leave resumed cycles waiting for nobody
    after a restart; stopping the process is not a decision to stop the cycles.
    """
    from models.settings import get_settings

    in_flight = (data_dir or get_settings().data_dir) / IN_FLIGHT
    put_back_orphans(in_flight)
    forks = forkserver.start_fork_server()  # it imports while the deployments are applied
    runner = DebatesRunner(
        grace=grace,
        in_flight=in_flight,
        pause_on_shutdown=False,
        limit=limit,
        query_seconds=None if os.environ.get("PREFECT_RUNNER_POLL_FREQUENCY") else POLL_SECONDS,
    )
    for deployment in deployments():
        runner.add_deployment(deployment)
    # Ctrl-C drains as SIGTERM does (asyncio.run leaves a handler it did not install alone).
    previous = signal.signal(signal.SIGINT, runner.handle_sigterm)
    try:
        with forkserver.installed(forks):
            asyncio.run(runner.start())
    finally:
        signal.signal(signal.SIGINT, previous)
