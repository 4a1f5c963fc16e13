"""The main job on a fresh machine: `debates up` with nothing set starts its own Prefect server, creates
and loads the embedded database, registers the three deployments and serves them; Ctrl-C stops what
it started."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from deployments.server import answers
from tests.e2e.conftest import DEBATES, ROOT, _free_port

pytestmark = pytest.mark.prefect


def _wait_for(log: Path, text: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(encoding="utf-8", errors="replace"):
        assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")[-3000:]
        assert time.monotonic() < deadline, f"no {text!r} after {timeout} s"
        time.sleep(0.5)


def test_up_starts_everything_on_a_fresh_machine_and_ctrl_c_stops_what_it_started(
    tmp_path: Path,
) -> None:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DEBATES_"))}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),  # a machine that never ran Prefect
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "DEBATES_DATA_DIR": str(tmp_path / "data"),
    }
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        up = subprocess.Popen(
            [str(DEBATES), "up", "--port", str(port), "--limit", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
        )
    try:
        _wait_for(log, f"Prefect UI: http://127.0.0.1:{port}", up, timeout=240)
        shown = log.read_text(encoding="utf-8")
        assert f"Starting a Prefect server at {api}" in shown
        assert "Commune registry loaded: 701 communes." in shown

        deployments = httpx.post(f"{api}/deployments/filter", json={}, timeout=30).json()
        by_name = {d["name"]: d for d in deployments}
        assert set(by_name) == {"debate-cycle", "launch-cycles", "reminder-sweep"}
        (sweep,) = by_name["reminder-sweep"]["schedules"]
        assert sweep["schedule"]["cron"] == "0 * * * *"
        assert sweep["schedule"]["timezone"] == "Africa/Bamako"
        with sqlite3.connect(tmp_path / "data" / "debates.sqlite3") as conn:
            assert conn.execute("SELECT count(*) FROM communes").fetchone() == (701,)

        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(60) == 0, log.read_text(encoding="utf-8")[-3000:]
        assert not answers(api), "the Prefect server that `up` started is still running"
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait(10)
