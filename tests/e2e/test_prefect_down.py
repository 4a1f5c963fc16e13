"""The Prefect server down while coordinators work (fault 4 of issue 12): `submit`, `cancel` and
`launch` record in the domain database and say that the run will be caught up; once the server is
back, `debates reconcile` catches up each of them (and a cycle completed meanwhile, whose run
still slept on a step, gets a run that ends Completed), and the served runs carry on.

The module has a Prefect server of its own, which it stops and starts again (its SQLite database,
and so the suspended runs, survive the restart), and a real serving process.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.cycle.cycle import Cycle
from models.matching.assignment import TEAM_EVENTS
from models.stages.baseline import BaselineStudy
from orchestrator.server import answers, free_port, start_server, stop
from tests.e2e.conftest import (
    CliResult,
    Domain,
    Serving,
    read_run,
    wait_for,
    wait_suspended,
)
from tests.flows import inputs
from tests.prefect_workers import flush_prefect_workers

pytestmark = pytest.mark.prefect

START = date(2026, 3, 2)
DIRE, ARHAM, BINGA, DANGHA = "ML060205", "ML060201", "ML060202", "ML060204"
DANGHA_STEPS = (
    *("baseline", "schedule", "session-1", "minutes-1", "session-2", "minutes-2", "plan"),
    *("handover", "visit-1", "visit-2"),
)


@dataclass
class PrefectServer:
    """`prefect server start` that a test stops and starts again, on one address and one home."""

    api_url: str
    home: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.home / "server.log"
        self.process = start_server(self.api_url, log_file=log, startup_timeout=180)

    def stop(self) -> None:
        flush_prefect_workers()  # what this process holds for the server goes before it does
        if self.process is not None:
            stop(self.process)
            self.process = None
        wait_for(lambda: not answers(self.api_url), timeout=30, what="the server to stop")


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    home = tmp_path_factory.mktemp("prefect-home-down")
    server = PrefectServer(f"http://127.0.0.1:{free_port()}/api", home)
    keys = ("PREFECT_HOME", "PREFECT_API_URL", "PREFECT_UI_ENABLED")
    saved = {k: os.environ.get(k) for k in (*keys, "PREFECT_SERVER_ANALYTICS_ENABLED")}
    flush_prefect_workers()  # bound to the server of an earlier module: this one gets its own
    os.environ.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=server.api_url,
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    server.start()
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _cycles(domain: Domain) -> dict[str, Cycle]:
    with domain.session() as s:
        cycles = {c.area_pcode: c for c in s.scalars(select(Cycle))}
        s.expunge_all()
        return cycles


def _count(domain: Domain, model: type, *where: object) -> int:
    with domain.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_submit_cancel_and_launch_while_the_server_is_down_are_recorded_and_reconcile_catches_up(
    prefect_server: PrefectServer,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    serving: Callable[[Domain], Serving],
    debates: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    api = prefect_server.api_url
    use_domain(domain)
    first = serving(domain)
    communes = ("--commune", DIRE, "--commune", ARHAM, "--commune", DANGHA)
    launched = debates("launch", *communes, "--start", str(START))
    assert launched.code == 0, launched.err
    cycles = _cycles(domain)
    dire, arham, dangha = cycles[DIRE], cycles[ARHAM], cycles[DANGHA]
    for cycle in (dire, arham, dangha):
        assert cycle.flow_run_id is not None
        wait_suspended(cycle.flow_run_id, "baseline-")

    first.stop()
    prefect_server.stop()
    catch_up = "the next reconcile catches it up ('debates up' runs one at start"

    # Each command records, says in one line what happens to the run, and exits 0.
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(inputs.baseline(START)), encoding="utf-8")
    submitted = debates("submit", str(dire.id), "baseline", "--file", str(baseline))
    assert submitted.code == 0, submitted.err
    assert submitted.out.splitlines() == [
        f"Cycle {dire.id}: baseline: done.",
        f"no Prefect server answers at {api}; {catch_up}, the hourly sweep another, or run "
        "'debates reconcile')",
    ]
    cancelled = debates("cancel", str(arham.id), "--reason", "route coupée")
    assert cancelled.code == 0, cancelled.err
    assert cancelled.out.splitlines() == [
        f"Cycle {arham.id} cancelled.",
        f"Its flow run is not cancelled yet: no Prefect server answers at {api}; {catch_up}, "
        "the hourly sweep another, or run 'debates reconcile').",
    ]
    # Dangha's cycle is carried to its end while the server is down: every step recorded, the last
    # visit completing it; its run still sleeps on the baseline.
    for step in DANGHA_STEPS:
        given = tmp_path / f"dangha-{step}.json"
        given.write_text(json.dumps(inputs.for_step(step, START)), encoding="utf-8")
        recorded = debates("submit", str(dangha.id), step, "--file", str(given))
        assert recorded.code == 0, f"{step}: {recorded.err}"
    assert _cycles(domain)[DANGHA].status == "completed"
    launched = debates("launch", "--commune", BINGA, "--start", str(START))
    assert launched.code == 0, launched.err
    assert (
        f"Their flow runs are not started yet: no Prefect server answers at {api}; {catch_up}"
        in launched.out
    )
    assert _count(domain, BaselineStudy, BaselineStudy.cycle_id == dire.id) == 1
    cycles = _cycles(domain)
    binga = cycles[BINGA]
    assert cycles[ARHAM].status == "cancelled"
    assert binga.flow_run_id is None
    team_events = (AuditEvent.cycle_id == binga.id, AuditEvent.action.in_(TEAM_EVENTS))
    assert _count(domain, AuditEvent, *team_events) == 1  # matched, though no run could start

    # The server is back, as it was: both runs still suspended on the baseline.
    prefect_server.start()
    wait_suspended(dire.flow_run_id, "baseline-")
    reconciled = debates("reconcile")
    assert reconciled.code == 0, reconciled.err
    base = api.removesuffix("/api")
    now = _cycles(domain)
    new_dire, new_binga, new_dangha = (now[p].flow_run_id for p in (DIRE, BINGA, DANGHA))
    assert new_dire not in (None, dire.flow_run_id) and new_binga is not None
    assert new_dangha not in (None, dangha.flow_run_id)
    assert reconciled.out.splitlines() == [
        "Flow runs of cancelled cycles stopped (1):",
        f"  Cycle {arham.id} (Arham): its flow run was Suspended, now Cancelled",
        "Flow runs started again (3):",
        f"  Cycle {dire.id} (Diré): flow run suspended on finished step baseline; "
        f"new flow run {base}/runs/flow-run/{new_dire}",
        f"  Cycle {binga.id} (Binga): no flow run; new flow run {base}/runs/flow-run/{new_binga}",
        f"  Cycle {dangha.id} (Dangha): cycle completed, flow run Suspended; "
        f"new flow run {base}/runs/flow-run/{new_dangha}",
    ]
    orphan = read_run(arham.flow_run_id).state
    assert orphan is not None and orphan.name == "Cancelled"
    assert "cycle cancelled: run stopped by reconcile" in str(orphan.message)
    for old in (dire.flow_run_id, dangha.flow_run_id):
        replaced = read_run(old).state
        assert replaced is not None and replaced.name == "Cancelled"
        assert replaced.message == "replaced by a new run"

    # Served again, the caught-up runs carry on: Diré past its baseline, Binga at its start,
    # Dangha's to the end.
    serving(domain)
    wait_suspended(new_dire, "schedule-")
    wait_suspended(new_binga, "baseline-")
    assert new_dangha is not None
    final = wait_for(
        lambda: (r := read_run(new_dangha)).state and r.state.is_final() and r,
        timeout=180,
        what="Dangha's run to finish",
    )
    assert final.state.is_completed(), final.state
    assert _count(domain, BaselineStudy, BaselineStudy.cycle_id == dire.id) == 1
    assert "Nothing to repair." in debates("reconcile").out
