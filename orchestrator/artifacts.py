"""Artifacts on the Prefect server: publish markdown, tables and progress, read the latest of a key.

Prefect 3.9 deprecates artifacts created outside a flow or task run (FutureWarning), and the CLI
publishes some (the portfolio after `debates launch`): `within_a_run` gives such a call a task run
of its own, with its run log silenced so the coordinator's terminal stays clean.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

from prefect import Task
from prefect.artifacts import (
    Artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import Artifact as ArtifactResponse
from prefect.context import FlowRunContext, TaskRunContext
from prefect.logging import disable_run_logger

P = ParamSpec("P")
R = TypeVar("R")


def within_a_run(name: str, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Call `fn` as it is inside a flow or task run, else as a task run named `name`."""
    if FlowRunContext.get() is not None or TaskRunContext.get() is not None:
        return fn(*args, **kwargs)
    as_task: Task[P, R] = Task(fn, name=name, cache_policy=NO_CACHE, persist_result=False)
    with disable_run_logger():
        return as_task(*args, **kwargs)


def latest_artifact(key: str) -> ArtifactResponse | None:
    return cast("ArtifactResponse | None", Artifact.get(key))


def publish_markdown(
    key: str, markdown: str, *, description: str, only_if_changed: bool = False
) -> bool:
    """Publish a markdown artifact; with only_if_changed, skip it when the latest is identical."""
    if only_if_changed:
        latest = latest_artifact(key)
        if latest is not None and (latest.data, latest.description) == (markdown, description):
            return False
    create_markdown_artifact(markdown=markdown, key=key, description=description)
    return True


def publish_table(key: str, rows: list[dict[str, Any]], *, description: str) -> None:
    create_table_artifact(table=rows, key=key, description=description)


def publish_progress(key: str, progress: float, description: str) -> None:
    """Update this flow run's progress artifact of `key`, or start one (a new run, or no run)."""
    context = FlowRunContext.get()
    run_id = context.flow_run.id if context and context.flow_run else None
    latest = latest_artifact(key) if run_id else None
    if latest is not None and latest.type == "progress" and latest.flow_run_id == run_id:
        update_progress_artifact(latest.id, progress, description=description)
    else:
        create_progress_artifact(progress, key=key, description=description)
