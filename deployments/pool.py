"""The deployments on a process work pool, run by `prefect worker` processes: prefect.yaml, for the
day one machine is not enough (docs/deployments.md, "More than one machine").

These are the commands an operator types, run from the checkout; the multi-worker e2e test and
bench/launch_mali.py --workers go through them, so what they prove is what the docs say.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from models.settings import PROJECT_ROOT

POOL = "debates"
"""The process work pool prefect.yaml deploys to (tests/flows/test_prefect_yaml.py checks it)."""

PREFECT = [sys.executable, "-m", "prefect"]


def deploy_to_pool(env: Mapping[str, str], *, checkout: Path = PROJECT_ROOT) -> None:
    """Create the work pool (kept when it exists) and register prefect.yaml's deployments on it
    (`prefect deploy --all`); the workers run the flows from `checkout` (DEBATES_CHECKOUT)."""
    env = {**env, "DEBATES_CHECKOUT": str(checkout)}
    pools = subprocess.run(
        [*PREFECT, "work-pool", "inspect", POOL], env=env, capture_output=True, text=True
    )
    if pools.returncode != 0:
        _run([*PREFECT, "work-pool", "create", POOL, "--type", "process"], env, checkout)
    _run([*PREFECT, "--no-prompt", "deploy", "--all"], env, checkout)


def start_worker(
    env: Mapping[str, str], *, limit: int, log: Path, checkout: Path = PROJECT_ROOT
) -> subprocess.Popen[bytes]:
    """`prefect worker start --pool debates --limit N` in a session of its own (a signal to it
    reaches its flow-run processes too), its output to `log`."""
    return subprocess.Popen(
        [*PREFECT, "worker", "start", "--pool", POOL, "--limit", str(limit)],
        cwd=checkout,
        env={**os.environ, **env, "DEBATES_CHECKOUT": str(checkout)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _run(command: list[str], env: Mapping[str, str], cwd: Path) -> None:
    done = subprocess.run(command, env=dict(env), cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[2:])} failed ({done.returncode}): {done.stdout[-2000:]}"
            f"{done.stderr[-2000:]}"
        )
