"""`Flow.to_deployment` is typed as maybe-a-coroutine (it is async inside an event loop)."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from prefect.deployments.runner import RunnerDeployment


def built(deployment: RunnerDeployment | Coroutine[Any, Any, RunnerDeployment]) -> RunnerDeployment:
    """The deployment of a `to_deployment` call made outside an event loop (never a coroutine)."""
    assert isinstance(deployment, RunnerDeployment), "to_deployment called inside an event loop"
    return deployment
