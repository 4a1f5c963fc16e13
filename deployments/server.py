"""A local Prefect server for `debates up`: reuse the one at PREFECT_API_URL, or start one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

DEFAULT_PORT = 4200


def answers(api_url: str, timeout: float = 2.0) -> bool:
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def export_api_url(api_url: str) -> None:
    """Make `api_url` the Prefect API of the processes this one starts (server, flow runs)."""
    os.environ["PREFECT_API_URL"] = api_url


def start_server(
    api_url: str, *, log_file: Path, startup_timeout: float = 120.0
) -> subprocess.Popen[bytes]:
    """Start `prefect server start` for `api_url` (127.0.0.1:port) and wait until it answers."""
    port = httpx.URL(api_url).port or DEFAULT_PORT
    host = httpx.URL(api_url).host or "127.0.0.1"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log = log_file.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
        start_new_session=True,
    )
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if answers(api_url):
            return process
        if process.poll() is not None:
            raise RuntimeError(f"the Prefect server stopped at start; see {log_file}")
        time.sleep(0.5)
    stop(process)
    raise RuntimeError(
        f"the Prefect server did not answer within {startup_timeout:.0f} s; see {log_file}"
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Stop a process we started: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
