"""Faults with real parts: a Prefect server of the module's own (stopped, killed and started again
on one address and home, so its runs survive), `debates up` and `debates serve` as real processes
in sessions of their own, the domain in a file database."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from orchestrator.server import free_port
from tests.e2e.conftest import (  # noqa: F401 (browser: a fixture, for this folder's tests)
    DEBATES,
    ROOT,
    Domain,
    browser,
    forget_other_runs,
)
from tests.e2e.test_prefect_down import PrefectServer


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    from tests.prefect_workers import flush_prefect_workers

    home = tmp_path_factory.mktemp("prefect-home-faults")
    server = PrefectServer(f"http://127.0.0.1:{free_port()}/api", home)
    keys = ("PREFECT_HOME", "PREFECT_API_URL", "PREFECT_UI_ENABLED")
    saved = {k: os.environ.get(k) for k in (*keys, "PREFECT_SERVER_ANALYTICS_ENABLED")}
    flush_prefect_workers()  # bound to the server of an earlier module: this one gets its own
    os.environ.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=server.api_url,
        PREFECT_UI_ENABLED="true",  # fault 2 answers a Resume form in the UI
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    server.start()
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            forget_other_runs()
            yield server
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def wait_in_log(log: Path, text: str, process: subprocess.Popen[bytes], timeout: float) -> str:
    """Wait until `text` is in the log of a process that must stay alive meanwhile; the log."""
    deadline = time.monotonic() + timeout
    while text not in (shown := log.read_text(encoding="utf-8", errors="replace")):
        assert process.poll() is None, shown[-3000:]
        assert time.monotonic() < deadline, f"no {text!r} after {timeout} s:\n{shown[-3000:]}"
        time.sleep(0.3)
    return shown


@dataclass
class Up:
    """`debates up` on the module's server (PREFECT_API_URL set: a server it did not start)."""

    process: subprocess.Popen[bytes]
    log: Path

    def shown(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 120) -> tuple[int, float]:
        """Send `signum` to `up` alone (as systemd or `kill` would); (exit code, seconds taken)."""
        began = time.monotonic()
        os.kill(self.process.pid, signum)
        code = self.process.wait(timeout)
        return code, time.monotonic() - began

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def start_up(tmp_path: Path) -> Iterator[Callable[..., Up]]:
    made: list[Up] = []

    def start(domain: Domain, *args: str) -> Up:
        log = tmp_path / f"up-{len(made)}.log"
        env = os.environ | {
            "DEBATES_DATABASE_URL": domain.url,
            "DEBATES_DATA_DIR": str(domain.data_dir),
            "DEBATES_ACTOR": "up-test",
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(DEBATES), "up", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        up = Up(process, log)
        made.append(up)
        wait_in_log(log, "Prefect UI:", process, timeout=120)
        return up

    yield start
    for up in made:
        up.kill()


def wait_running(api_url: str, flow_run_id: str, timeout: float = 60) -> None:
    """Wait until the run executes (its process started and reported Running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = httpx.get(f"{api_url}/flow_runs/{flow_run_id}", timeout=10).json()
        if run["state_type"] == "RUNNING":
            return
        time.sleep(0.05)
    raise AssertionError(f"flow run {flow_run_id} did not run within {timeout} s")


def state_names(api_url: str, flow_run_id: str) -> list[str]:
    """Every state the run went through, oldest first."""
    states = httpx.get(
        f"{api_url}/flow_run_states/", params={"flow_run_id": flow_run_id}, timeout=10
    ).json()
    return [s["name"] for s in sorted(states, key=lambda s: s["timestamp"])]


# The e2e fixtures these tests share (a conftest's imported fixtures are the directory's).
from tests.e2e.conftest import debates, serving, use_domain  # noqa: E402, F401
