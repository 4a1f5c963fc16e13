"""Which Prefect server the commands talk to, and the local one `debates up` starts.

PREFECT_API_URL, when set (environment, a Prefect profile), always wins. Unset, `debates up` starts (or
reuses) a local server and records its address in the data folder (`prefect-server.json`), and every
other command reads that record, so a second terminal needs no variable. `connect()` is the one place
that resolves the address and applies it to Prefect's client settings.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from models.errors import DomainError

DEFAULT_PORT = 4200
DEFAULT_API_URL = f"http://127.0.0.1:{DEFAULT_PORT}/api"
RECORD = "prefect-server.json"
NOT_ANSWERING_FIX = "start 'debates up' in another terminal, or set PREFECT_API_URL"


def answers(api_url: str, timeout: float = 2.0) -> bool:
    import httpx  # here, not at the top: `debates show` reads the record without it

    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


class PrefectDown(DomainError):
    """No Prefect server answers where the commands look for it."""


def require_server(data_dir: Path, *, deployed: bool = False) -> str:
    """Find the Prefect server (PREFECT_API_URL, else the one 'debates up' recorded) and refuse
    early, before anything is recorded, when the flow runs could not be created; its API URL."""
    api_url = connect(data_dir)
    if not answers(api_url):
        raise PrefectDown(f"no Prefect server answers at {api_url}; {NOT_ANSWERING_FIX}")
    if deployed:
        from orchestrator.runs import deployment_id

        deployment_id()
    return api_url


def configured_api_url() -> str | None:
    """PREFECT_API_URL as the user set it: the environment, the active Prefect profile
    (`prefect config set`), or settings this process entered (a test harness)."""
    if url := os.environ.get("PREFECT_API_URL"):
        return url
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def record_path(data_dir: Path) -> Path:
    return data_dir / RECORD


def recorded_api_url(data_dir: Path) -> str | None:
    """The address `debates up` recorded in `data_dir`, if any (it may no longer answer)."""
    try:
        record = json.loads(record_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = record.get("api_url") if isinstance(record, dict) else None
    return url if isinstance(url, str) and url else None


def record_server(data_dir: Path, api_url: str, *, pid: int | None) -> Path:
    """Record where the server serves; written whole or not at all (a reader never sees half)."""
    path = record_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{RECORD}.{os.getpid()}")
    partial.write_text(
        json.dumps({"api_url": api_url, "pid": pid, "recorded_by": os.getpid()}) + "\n",
        encoding="utf-8",
    )
    os.replace(partial, path)
    return path


def forget_server(data_dir: Path, api_url: str) -> None:
    """Remove the record if it still names `api_url` (another `up` may have replaced it)."""
    if recorded_api_url(data_dir) == api_url:
        record_path(data_dir).unlink(missing_ok=True)


def use_api_url(api_url: str) -> None:
    """Make `api_url` the Prefect API of this process and of the processes it starts (server,
    flow runs): the environment for children, Prefect's global settings for this process."""
    os.environ["PREFECT_API_URL"] = api_url
    if "prefect.context" in sys.modules:  # imported already: its settings were read at import
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()


def connect(data_dir: Path) -> str:
    """The Prefect API every command talks to, applied to this process: PREFECT_API_URL when set,
    else the server `debates up` recorded in `data_dir`, else the default local address."""
    if configured := configured_api_url():
        return configured
    api_url = recorded_api_url(data_dir) or DEFAULT_API_URL
    use_api_url(api_url)
    return api_url


def answering_server(data_dir: Path) -> str | None:
    """The server the commands talk to (as `connect()` finds it, applied to this process) when it
    answers; None when none does. The one rule for work that is done only if a server is there
    (showing a pause on its runs, republishing views)."""
    api_url = connect(data_dir)
    return api_url if answers(api_url) else None


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


DATABASE_VARIABLE = "PREFECT_API_DATABASE_CONNECTION_URL"


def server_environment() -> dict[str, str]:
    """The environment of a Prefect server this process starts: its own, with the server's
    database from DEBATES_PREFECT_DATABASE_URL unless PREFECT_API_DATABASE_CONNECTION_URL is set."""
    from models.settings import get_settings

    env = os.environ.copy()
    configured = get_settings().prefect_database_url
    if configured is not None and not env.get(DATABASE_VARIABLE):
        env[DATABASE_VARIABLE] = configured.get_secret_value()
    return env


def server_database() -> str:
    """Which database a server this process starts keeps its runs in, without its password:
    'PostgreSQL (host:5432/prefect)' or "SQLite (Prefect's own, under PREFECT_HOME)"."""
    url = server_environment().get(DATABASE_VARIABLE, "")
    if not url.startswith("postgresql"):
        return "SQLite (Prefect's own, under PREFECT_HOME)" if not url else url.split(":", 1)[0]
    where = url.split("@", 1)[-1].split("?", 1)[0]
    return f"PostgreSQL ({where})"


def start_server(
    api_url: str,
    *,
    log_file: Path,
    startup_timeout: float = 120.0,
    given_up: Callable[[], bool] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `prefect server start` for `api_url` (127.0.0.1:port) and wait until it answers, or
    until `given_up()` says to wait no more (a stop asked meanwhile): the process, answering yet
    or not, is the caller's to stop."""
    import httpx

    port = httpx.URL(api_url).port or DEFAULT_PORT
    host = httpx.URL(api_url).host or "127.0.0.1"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log = log_file.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=server_environment(),
        start_new_session=True,
    )
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if answers(api_url) or (given_up is not None and given_up()):
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


def drain_prefect_workers(timeout: float = 10.0) -> None:
    """Send what this process's Prefect event and log workers hold, and stop them: bound to a
    server that goes away, they would retry it for minutes when the process exits."""
    if "prefect.events.worker" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=timeout)
