"""Served flow runs are forked from the serving process's fork server (deployments/forkserver.py),
on a real Prefect server and a real `debates serve`: a run's process is a child of the fork
server, forked and not a fresh interpreter; its logs reach the server; the in-flight marker holds
its pid; cancelling it as the Prefect UI does stops that process and ends the run Cancelled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.states import Cancelling
from sqlalchemy import select

from deployments.forkserver import PRELOAD, fork_server_of
from deployments.serve import IN_FLIGHT
from models.cycle.cycle import Cycle
from models.settings import PROJECT_ROOT
from tests.e2e.conftest import (
    CliResult,
    Domain,
    Serving,
    forget_other_runs,
    make_domain,
    read_run,
    wait_for,
    wait_suspended,
)

pytestmark = pytest.mark.prefect

START = date(2026, 3, 2)
DIRE, BER = "ML060205", "ML060102"
SIGTERM_BIT = 1 << (signal.SIGTERM - 1)


def test_the_fork_servers_preload_imports_and_leaves_no_thread_nor_database_engine() -> None:
    """multiprocessing ignores a preload that fails to import, and forking a process with threads
    or pooled connections would share them: a fresh interpreter imports PRELOAD as the fork
    server does, and holds one thread and no engine after it."""
    code = (
        f"import threading; from models import db\n"
        f"for name in {list(PRELOAD)!r}: __import__(name)\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
        "assert db.engine_for.cache_info().currsize == 0\n"
        "print('preloaded')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "preloaded" in done.stdout


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _sigterm_pending(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    masks = [int(line.split()[1], 16) for line in status.splitlines() if "Pnd:" in line]
    return any(mask & SIGTERM_BIT for mask in masks)


def _in_flight_pid(marker: Path) -> int | None:
    try:
        return int(marker.read_text().strip() or 0) or None
    except FileNotFoundError:
        return None


def _run_of(domain: Domain, pcode: str) -> str:
    with domain.session() as s:
        run_id = s.scalars(select(Cycle.flow_run_id).where(Cycle.area_pcode == pcode)).one()
    assert run_id is not None
    return str(run_id)


def test_a_served_run_is_forked_from_the_fork_server_logs_to_the_server_and_can_be_cancelled(
    prefect_api: str,
    fresh_database,  # type: ignore[no-untyped-def]
    use_domain: Callable[[Domain], None],
    serving: Callable[[Domain], Serving],
    debates: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    forget_other_runs()
    domain = make_domain(fresh_database("sqlite"), tmp_path / "data")
    use_domain(domain)
    server = serving(domain)
    assert server.process is not None
    serving_pid = server.process.pid
    forks = wait_for(lambda: fork_server_of(serving_pid), timeout=60, what="the fork server")
    forks_cmdline = Path(f"/proc/{forks}/cmdline").read_bytes()
    in_flight = domain.data_dir / IN_FLIGHT

    # A run carried to its first wait: its process was forked from the fork server (its parent,
    # and the fork server's command line, not `python -m prefect.engine`), and its logs reached
    # the Prefect server (flushed before the forked process ends).
    assert debates("launch", "--commune", DIRE, "--start", str(START)).code == 0
    run_id = _run_of(domain, DIRE)
    marker = in_flight / run_id
    pid = wait_for(lambda: _in_flight_pid(marker), timeout=120, what="the run's process")
    os.kill(pid, signal.SIGSTOP)  # held here while its parentage is read
    try:
        assert _parent(pid) == forks
        assert Path(f"/proc/{pid}/cmdline").read_bytes() == forks_cmdline
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_suspended(run_id, "baseline-")
    wait_for(lambda: not marker.exists(), timeout=60, what="the in-flight marker to go")
    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(run_id)]))
        )
    suspending = [log.message for log in logs if log.message.startswith("Suspending flow run")]
    assert suspending, [log.message for log in logs]

    # Cancelled from the UI while its process runs (held stopped, so it cannot reach its wait
    # first): the serving process signals the forked process by its pid, the run ends Cancelled.
    assert debates("launch", "--commune", BER, "--start", str(START)).code == 0
    run_id = _run_of(domain, BER)
    marker = in_flight / run_id
    pid = wait_for(lambda: _in_flight_pid(marker), timeout=120, what="the run's process")
    os.kill(pid, signal.SIGSTOP)
    try:
        assert _parent(pid) == forks
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(run_id, Cancelling(), force=True)  # type: ignore[arg-type]
        wait_for(lambda: _sigterm_pending(pid), timeout=120, what="SIGTERM to the run's process")
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for(lambda: not Path(f"/proc/{pid}").exists(), timeout=60, what="the process to end")
    state = wait_for(
        lambda: (s := read_run(run_id).state) is not None and s.is_cancelled() and s,
        timeout=120,
        what="the run to be Cancelled",
    )
    assert state.is_cancelled()
    assert not marker.exists()
    assert "Traceback" not in server.log.read_text(errors="replace")
