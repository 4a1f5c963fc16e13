"""The main job on a fresh machine: `debates up` with nothing set starts its own Prefect server, creates
and loads the embedded database, registers the three deployments and serves them, and records where it
serves so that a command in another terminal, with no variable set, reaches it; Ctrl-C stops what it
started. One server for the module: the suite stays fast."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from cli.supervise import stop_bound
from orchestrator.server import answers, record_server
from tests.e2e.conftest import DEBATES, ROOT

pytestmark = pytest.mark.prefect


def _wait_for(log: Path, text: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(encoding="utf-8", errors="replace"):
        assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")[-3000:]
        assert time.monotonic() < deadline, f"no {text!r} after {timeout} s"
        time.sleep(0.5)


def _recorded_pid(record: Path) -> int:
    """The process id of the Prefect server `up` started, as it recorded it."""
    return int(json.loads(record.read_text(encoding="utf-8"))["pid"])


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def not_prefect() -> Iterator[int]:
    """Something else on a port (answers 501 to everything), as another program would hold 4200."""
    http = HTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(http.server_address[1])
    finally:
        http.shutdown()
        http.server_close()


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """A second terminal: no PREFECT_* variable, a HOME whose Prefect profile sets nothing."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DEBATES_"))}
    return env | {"HOME": str(home), "DEBATES_DATA_DIR": str(tmp_path / "data")}


def test_up_starts_everything_on_a_fresh_machine_and_other_terminals_find_its_server(
    tmp_path: Path, not_prefect: int
) -> None:
    taken = not_prefect
    env = _clean_env(tmp_path) | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),  # a machine that never ran Prefect
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    log = tmp_path / "up.log"
    record = tmp_path / "data" / "prefect-server.json"
    with log.open("wb") as out:
        up = subprocess.Popen(
            [str(DEBATES), "up", "--port", str(taken), "--limit", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
        )
    try:
        _wait_for(log, "Prefect UI: http://127.0.0.1:", up, timeout=240)
        shown = log.read_text(encoding="utf-8")
        moved = re.search(
            rf"Port {taken} is taken by something that is not a Prefect server; "
            r"using port (\d+)\.",
            shown,
        )
        assert moved, shown
        port = int(moved.group(1))
        api = f"http://127.0.0.1:{port}/api"
        assert f"Starting a Prefect server at {api}" in shown
        assert f"Prefect UI: http://127.0.0.1:{port}" in shown
        assert "Commune registry loaded: 701 communes." in shown
        assert json.loads(record.read_text(encoding="utf-8"))["api_url"] == api

        deployments = httpx.post(f"{api}/deployments/filter", json={}, timeout=30).json()
        by_name = {d["name"]: d for d in deployments}
        assert set(by_name) == {
            *("debate-cycle", "launch-cycles", "reminder-sweep", "cycle-admin", "field-import"),
            "programme-report",
        }
        (sweep,) = by_name["reminder-sweep"]["schedules"]
        assert sweep["schedule"]["cron"] == "0 * * * *"
        assert sweep["schedule"]["timezone"] == "Africa/Bamako"
        with sqlite3.connect(tmp_path / "data" / "debates.sqlite3") as conn:
            assert conn.execute("SELECT count(*) FROM communes").fetchone() == (701,)

        # A second terminal, nothing set: reconcile reaches the recorded server (it needs the
        # debate-cycle deployment, which only that server has).
        second = subprocess.run(
            [str(DEBATES), "reconcile"],
            cwd=ROOT,
            env=_clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 0, second.stdout + second.stderr
        assert "Every active cycle has a live flow run." in second.stdout

        # The server it started is killed: `up` starts it again, says so in one line, and serves.
        first_pid = _recorded_pid(record)
        os.kill(first_pid, signal.SIGKILL)
        _wait_for(log, "The Prefect server stopped (killed by SIGKILL); starting it again", up, 30)
        deadline = time.monotonic() + 180
        # Serving again once it answers and `up` recorded the new server (just after).
        while not answers(api) or _recorded_pid(record) == first_pid:
            assert up.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        assert "Traceback" not in log.read_text(encoding="utf-8")

        # Killed again, and Ctrl-C while `up` starts it again: the start is given up, the
        # half-started server stopped, and `up` ends well within its bound.
        os.kill(_recorded_pid(record), signal.SIGKILL)
        restarting = "The Prefect server stopped (killed by SIGKILL); starting it again"
        deadline = time.monotonic() + 30
        while log.read_text(encoding="utf-8").count(restarting) < 2:
            assert up.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        asked = time.monotonic()
        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(60) == 0, log.read_text(encoding="utf-8")[-3000:]
        took = time.monotonic() - asked
        assert took < stop_bound(30), f"`up` took {took:.1f} s to stop while restarting its server"
        print(f"`up` stopped {took:.1f} s after Ctrl-C while starting its server again")
        time.sleep(1)  # what it stopped had a second to answer, if it still ran
        assert not answers(api), "the Prefect server that `up` started is still running"
        assert not record.exists(), "`up` stopped its server but left its address recorded"
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait(10)

    # Nothing answers at the recorded address any more (a stale record, as a killed `up` leaves).
    record_server(tmp_path / "data", api, pid=None)
    down = subprocess.run(
        [str(DEBATES), "reconcile"],
        cwd=ROOT,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert down.returncode == 1
    assert down.stderr.strip().splitlines() == [
        f"Error: no Prefect server answers at {api}; start 'debates up' in another terminal, "
        "or set PREFECT_API_URL"
    ]
