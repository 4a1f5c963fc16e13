"""Flow runs of cycles on the Prefect server: create them, find the lost ones and the live runs of
closed cycles, link to the UI.

This module talks to Prefect only; which cycle needs a run is the database's answer (models/launch).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from prefect import get_client
from prefect.client.schemas.actions import DeploymentFlowRunCreate
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

from models.clock import utcnow
from models.cycle.launch import CycleRun
from models.cycle.runs import ClosedRun
from models.cycle.transitions import CycleStatus
from models.errors import DomainError
from models.query import in_chunks
from models.settings import flow_run_url, get_settings
from orchestrator.names import DEBATE_CYCLE
from orchestrator.server import answers

ON_FINISHED_STEP = "flow run suspended on finished step"
RESUME_WINDOW = 15.0
"""Seconds a submit may take, under load, from recording a step to resuming the run on it."""

PENDING_PATIENCE = 600.0
"""Seconds a run may stay Pending: a worker or serving process sets it Pending only the moment
before it starts the run's process, so a run Pending longer was taken by one that died then."""

LOST = frozenset({StateType.CANCELLED, StateType.CRASHED, StateType.FAILED, StateType.COMPLETED})
"""States in which a flow run no longer carries an active cycle."""


WAITING = frozenset({StateType.SCHEDULED, StateType.PENDING, StateType.PAUSED})
"""States of a run that is not executing and will not end by itself soon (Suspended is PAUSED)."""

CATCH_UP = (
    "the next reconcile catches it up ('debates up' runs one at start, the hourly sweep another, "
    "or run 'debates reconcile')"
)
"""What a coordinator is told when a change is recorded but its flow run could not be reached."""

STALE = "its flow run is suspended on an earlier step"


class NotDeployed(DomainError):
    """The debate-cycle deployment is not on the server: nothing serves the cycles."""


def deployment_id() -> UUID:
    """The id of the debate-cycle deployment, or an error that says how to get it."""
    with get_client(sync_client=True) as client:
        try:
            return client.read_deployment_by_name(DEBATE_CYCLE).id
        except ObjectNotFound:
            raise NotDeployed(
                f"the deployment '{DEBATE_CYCLE}' is not on the Prefect server at "
                f"{PREFECT_API_URL.value()}; start 'debates up' (or 'debates serve') first"
            ) from None


def cannot_start_runs() -> str | None:
    """Why flow runs of cycles cannot be created now (no server answers, or the debate-cycle
    deployment is not on it), in a clause; None when they can."""
    if not server_answers():
        return f"no Prefect server answers at {PREFECT_API_URL.value()}"
    try:
        deployment_id()
    except NotDeployed as exc:
        return str(exc)
    return None


DEFAULT_UI_URL = "http://127.0.0.1:4200"


def ui_base() -> str:
    """The Prefect UI's address by Prefect's settings (PREFECT_UI_URL, else the API's), the local
    server's by default."""
    api = (PREFECT_API_URL.value() or "").rstrip("/").removesuffix("/api")
    return str(PREFECT_UI_URL.value() or api or DEFAULT_UI_URL)


def ui_url(flow_run_id: str | None) -> str:
    """The Prefect UI page of a flow run ('' when unknown)."""
    return flow_run_url(ui_base(), flow_run_id)


BULK = 100
"""Flow runs per request to the server's bulk endpoint (its limit): one transaction on the server
instead of one per run, ~25 ms a run against ~100 ms (bench/launch_mali.py)."""

BULK_ROUNDS = 3
"""Bulk requests for the runs a bulk request could not create, before they are created alone."""

CREATE_AT_ONCE = 4
"""Runs created alone at once: the server works on the next while the client waits; more only
queue on its database (the client's pool holds 16 connections)."""


def create_cycle_runs(
    runs: Iterable[CycleRun], *, reason: str, progress: Callable[[], None] | None = None
) -> dict[int, str]:
    """Create one `debate-cycle` deployment run per cycle; {cycle id: flow run id}.

    The idempotency key is the cycle and the run it replaces (`launch` when none), so creating
    again after a crash, or from a concurrent reconcile, returns the same run instead of a second.
    Runs are created `BULK` to a request; a run the bulk request could not create (Prefect's SQLite
    "database is locked"), or every run when the server has no bulk endpoint, is created alone.
    A failure then is raised: the runs already created are found again by their key when the task
    retries or reconcile runs.
    """
    from prefect.utilities.asyncutils import run_coro_as_sync

    todo = list(runs)
    if not todo:
        return {}
    deployment = deployment_id()
    return run_coro_as_sync(_create_runs(deployment, todo, reason=reason, progress=progress))


def _run_create(run: CycleRun, reason: str) -> DeploymentFlowRunCreate:
    settings = get_settings()
    # The demo's runs are named, keyed and tagged apart (its cycle ids restart at 1), and carry
    # their workspace as a parameter: the serving process opens the database the run names.
    extra_tags = [] if settings.workspace == "main" else [settings.workspace]
    # A cycle without a run gets the launch's key whoever asks (launch or reconcile), so a
    # reconcile racing a launch finds the launch's run instead of making a second one.
    replaces = run.flow_run_id if reason != "launch" else None
    return DeploymentFlowRunCreate(
        parameters={"cycle_id": run.cycle_id, "workspace": settings.workspace},
        name=settings.scoped(run.run_name),
        tags=[*run.tags, *extra_tags],
        idempotency_key=settings.scoped(f"{run.launch_key}-{replaces or 'launch'}"),
    )


async def _create_runs(
    deployment: UUID,
    runs: list[CycleRun],
    *,
    reason: str,
    progress: Callable[[], None] | None,
) -> dict[int, str]:
    created: dict[int, str] = {}
    at_once = asyncio.Semaphore(CREATE_AT_ONCE)

    def done(cycle_id: int, flow_run_id: UUID | str) -> None:
        created[cycle_id] = str(flow_run_id)
        if progress is not None:
            progress()

    async with get_client() as client:

        async def in_bulk(batch: Sequence[CycleRun]) -> None:
            response = await client.request(
                "POST",
                "/deployments/{id}/create_flow_run/bulk",  # type: ignore[arg-type]
                path_params={"id": deployment},
                json=[
                    _run_create(r, reason).model_dump(mode="json", exclude_unset=True)
                    for r in batch
                ],
            )
            for run, result in zip(batch, response.json()["results"], strict=True):
                if result["status"] == "CREATED":
                    done(run.cycle_id, result["flow_run_id"])

        async def alone(run: CycleRun) -> None:
            body = _run_create(run, reason)
            async with at_once:
                flow_run = await client.create_flow_run_from_deployment(
                    deployment,
                    parameters=body.parameters,
                    name=body.name,
                    tags=body.tags,
                    idempotency_key=body.idempotency_key,
                )
            done(run.cycle_id, flow_run.id)

        try:
            for _ in range(BULK_ROUNDS):
                if not (left := [r for r in runs if r.cycle_id not in created]):
                    break
                for batch in in_chunks(left, BULK):  # one after the other: each is a transaction
                    await in_bulk(batch)
        except httpx.HTTPStatusError as exc:  # a server before the bulk endpoint: one by one
            if exc.response.status_code not in (404, 405):
                raise
        await _all(alone(run) for run in runs if run.cycle_id not in created)
    return {run.cycle_id: created[run.cycle_id] for run in runs}


async def _all(work: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run the coroutines together; the first failure cancels the rest and is raised alone."""
    try:
        async with asyncio.TaskGroup() as group:
            for coroutine in work:
                group.create_task(coroutine)
    except ExceptionGroup as failed:  # said as the one error it is, not as a group
        raise failed.exceptions[0] from None


def read_runs(flow_run_ids: Iterable[str]) -> dict[str, FlowRun]:
    ids = [UUID(i) for i in flow_run_ids]
    found: dict[str, FlowRun] = {}
    with get_client(sync_client=True) as client:
        for batch in in_chunks(ids, 200):  # the API's page size
            for flow_run in client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=batch)), limit=len(batch)
            ):
                found[str(flow_run.id)] = flow_run
    return found


def paused_step(flow_run: FlowRun) -> str | None:
    """The step a suspended run waits on, from its pause key `<step>-<revision>-<attempt>`."""
    state = flow_run.state
    if state is None or not state.is_paused() or not state.state_details.pause_key:
        return None
    return str(state.state_details.pause_key).rsplit("-", 2)[0]


def lost_runs(runs: list[CycleRun]) -> list[tuple[CycleRun, str]]:
    """Active cycles whose flow run is missing, cancelled, crashed, failed or over, Pending for
    longer than PENDING_PATIENCE (taken by a worker that died before starting it), or suspended
    on a step the database says is finished (input recorded while the run was going to sleep).

    A run suspended on a step done less than RESUME_WINDOW seconds ago may be one a submit is
    resuming at this moment (it records the step, then resumes): it is read again once the
    window has passed, and counts as lost only if it still sleeps on that step. A reconcile never
    replaces (and leaves Cancelled) a run a coordinator's submit was carrying on."""
    known = read_runs(r.flow_run_id for r in runs if r.flow_run_id)
    lost: list[tuple[CycleRun, str]] = []
    recent: list[tuple[CycleRun, str]] = []
    now = utcnow()
    for run in runs:
        flow_run = known.get(run.flow_run_id or "")
        if flow_run is None:
            lost.append((run, "no flow run"))
        elif flow_run.state_type in LOST:
            lost.append((run, f"flow run {flow_run.state_name or flow_run.state_type}"))
        elif (pending := _pending_for(flow_run, now)) > PENDING_PATIENCE:
            since = f"{pending / 60:.0f} min" if pending >= 120 else f"{pending:.0f} s"
            lost.append((run, f"flow run Pending for {since} (whoever took it died)"))
        elif (step := paused_step(flow_run)) is not None and step != run.waiting_step:
            age = (now - run.moved_at).total_seconds() if run.moved_at else RESUME_WINDOW
            if age < RESUME_WINDOW:
                recent.append((run, step))
            else:
                lost.append((run, f"{ON_FINISHED_STEP} {step}"))
    if recent:
        oldest = min(r.moved_at for r, _ in recent if r.moved_at)
        time.sleep(max(0.0, RESUME_WINDOW - (utcnow() - oldest).total_seconds()))
        again = read_runs(r.flow_run_id for r, _ in recent if r.flow_run_id)
        for run, step in recent:
            flow_run = again.get(run.flow_run_id or "")
            if flow_run is not None and paused_step(flow_run) == step:
                lost.append((run, f"{ON_FINISHED_STEP} {step}"))
    order = {id(run): i for i, run in enumerate(runs)}
    return sorted(lost, key=lambda found: order[id(found[0])])  # in the cycles' order


def _pending_for(flow_run: FlowRun, now: datetime) -> float:
    """Seconds the run has been Pending; 0 when it is not."""
    state = flow_run.state
    if state is None or state.type != StateType.PENDING:
        return 0.0
    return (now - state.timestamp).total_seconds()


def live_runs_of(closed: list[ClosedRun]) -> list[tuple[ClosedRun, str]]:
    """Closed cycles whose flow run is still live, with its state's name.

    A cancelled cycle's run that is Scheduled, Pending, Suspended, Paused or Running (as
    `debates cancel` would have stopped it). A completed cycle's run only when Suspended or
    Paused, which it never leaves by itself (its last step recorded while no server answered):
    Scheduled, Pending or Running, it is a run that replays to the end, publishing the cycle's
    last documents, and ends Completed (the demo creates such runs)."""
    known = read_runs(c.run.flow_run_id for c in closed if c.run.flow_run_id)
    live = []
    for cycle in closed:
        flow_run = known.get(cycle.run.flow_run_id or "")
        state = flow_run.state_type if flow_run is not None else None
        if flow_run is None or state is None:
            continue
        if cycle.status is CycleStatus.CANCELLED:
            live_state = state in WAITING or state is StateType.RUNNING
        else:
            live_state = state is StateType.PAUSED
        if live_state:
            live.append((cycle, flow_run.state_name or state.value.title()))
    return live


def cancel_runs(flow_run_ids: Iterable[str], *, why: str = "replaced by a new run") -> None:
    """Cancel runs that still look alive (a replaced run's stale suspension, a closed cycle's
    orphaned one), saying `why` in the state's message, so the UI shows one live run per cycle."""
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        for flow_run_id in flow_run_ids:
            try:
                flow_run = client.read_flow_run(UUID(flow_run_id))
            except ObjectNotFound:  # gone with its server's database: nothing to cancel
                continue
            if flow_run.state is not None and not flow_run.state.is_final():
                client.set_flow_run_state(flow_run.id, Cancelled(message=why), force=True)


def flow_run_state(flow_run_id: str) -> FlowRun:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(flow_run_id))


def server_answers(timeout: float = 3.0) -> bool:
    """True when the Prefect server at PREFECT_API_URL answers its health check."""
    url = PREFECT_API_URL.value()
    return bool(url) and answers(url, timeout)


def waits_on(flow_run_id: str | None, step: str) -> bool:
    """True when the cycle's flow run is suspended on `step`: its input was recorded, but the run
    was not resumed (the server did not answer then). False when no server answers; True when
    the server answers but fails to say (the resume that follows then says what went wrong)."""
    if not flow_run_id or not server_answers():
        return False
    try:
        return paused_step(flow_run_state(flow_run_id)) == step
    except ObjectNotFound:
        return False
    except (httpx.HTTPStatusError, httpx.TransportError):
        return True


def resume_cycle_run(flow_run_id: str | None, step: str, run_input: dict[str, Any]) -> str:
    """Resume the cycle's flow run when it is suspended on `step`; what happened, in a sentence.

    A run suspended on another step is stale ('debates reconcile' replaces it).
    """
    if not flow_run_id:
        return "the cycle has no flow run yet; 'debates reconcile' starts one"
    if not server_answers():
        return f"no Prefect server answers at {PREFECT_API_URL.value()}; {CATCH_UP}"
    try:
        return _resume(flow_run_id, step, run_input)
    except ObjectNotFound:
        return "its flow run is gone; 'debates reconcile' starts a new one"
    except (httpx.HTTPStatusError, httpx.TransportError) as exc:
        # The server refused or went away between the check and the resume (Prefect's SQLite
        # answers 500 "database is locked" under load): the step is recorded all the same.
        return (
            f"the Prefect server could not resume its flow run ({_briefly(exc)}); submit the same "
            f"input again to resume it, or {CATCH_UP}"
        )


def _briefly(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__


def _resume(flow_run_id: str, step: str, run_input: dict[str, Any]) -> str:
    flow_run = flow_run_state(flow_run_id)
    state = flow_run.state
    waiting_on = paused_step(flow_run)
    if waiting_on is not None and waiting_on != step:
        return STALE
    if state is None or not state.is_paused():
        name = state.name if state else "unknown"
        return f"its flow run is {name}; it reads the new state from the database"
    try:
        resume_flow_run(flow_run_id, run_input=run_input)  # type: ignore[arg-type]
    except RuntimeError as exc:
        return f"the flow run could not be resumed ({exc}); 'debates reconcile' restarts it"
    return "flow run resumed"
