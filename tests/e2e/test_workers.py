"""The distributed path, as docs/deployments.md tells an operator to set it up: a Prefect server whose
own database is PostgreSQL (the `debates up` setting DEBATES_PREFECT_DATABASE_URL), the process work
pool and `prefect deploy --all` from prefect.yaml, two `prefect worker` processes, and the domain on
PostgreSQL. A cercle is launched; one worker is killed with SIGKILL while its runs are starting.
Every cycle still reaches its first wait, nothing is duplicated, and a cycle resumed from the CLI
moves on (run by whichever worker is left).

One module-scoped server of its own: the session's `prefect_api` keeps its runs in SQLite.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import func, select

from deployments.pool import deploy_to_pool, start_worker
from models.audit import AuditEvent
from models.clock import utcnow
from models.cycle.cycle import Cycle
from models.matching.assignment import TeamAssignment
from models.people.facilitator_file import import_facilitators
from models.reminders.ledger import Notification
from models.settings import get_settings
from orchestrator.names import DEBATE_CYCLE
from orchestrator.server import free_port, start_server, stop
from services.demo import FACILITATORS
from tests.e2e.conftest import (
    CliResult,
    Domain,
    make_domain,
    point_at,
    succeeding,
    wait_for,
    wait_suspended,
    write_input,
)
from tests.flows import inputs
from tests.prefect_workers import flush_prefect_workers

pytestmark = [pytest.mark.prefect, pytest.mark.postgres]

START = date(2026, 3, 2)
CERCLE = "Tombouctou"  # 6 communes, staffed by the demo's facilitators


@dataclass
class Distributed:
    api_url: str
    domain: Domain
    env: dict[str, str]
    logs: Path


@pytest.fixture(scope="module")
def distributed(
    pg_admin_url: str,
    fresh_database: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Distributed]:
    """A Prefect server on a fresh PostgreSQL database, the deployments on the process pool, and a
    PostgreSQL domain database with the registry and the demo's facilitators."""
    logs = tmp_path_factory.mktemp("workers")
    prefect_db = f"prefect_test_{os.urandom(5).hex()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{prefect_db}"')
    base = pg_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    api_url = f"http://127.0.0.1:{free_port()}/api"
    saved = dict(os.environ)
    os.environ.update(
        PREFECT_HOME=str(logs / "prefect-home"),
        PREFECT_API_URL=api_url,
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DEBATES_PREFECT_DATABASE_URL=f"{base}/{prefect_db}",  # as `debates up` would start it
    )
    os.environ.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)
    get_settings.cache_clear()
    server = start_server(api_url, log_file=logs / "server.log", startup_timeout=180)
    try:
        domain = make_domain(fresh_database("postgresql"), logs / "data")
        with domain.session() as s, s.begin():
            import_facilitators(s, FACILITATORS, now=utcnow())
        env = os.environ | {
            "DEBATES_DATABASE_URL": domain.url,
            "DEBATES_DATA_DIR": str(domain.data_dir),
            "DEBATES_ACTOR": "worker-test",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
        }
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            deploy_to_pool(env)
            yield Distributed(api_url, domain, env, logs)
    finally:
        flush_prefect_workers()
        stop(server)
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{prefect_db}" WITH (FORCE)')


@pytest.fixture
def workers(distributed: Distributed) -> Iterator[list[subprocess.Popen[bytes]]]:
    started = [
        start_worker(distributed.env, limit=3, log=distributed.logs / f"worker-{n}.log")
        for n in (1, 2)
    ]
    yield started
    for worker in started:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)


def _cycle_runs() -> list[FlowRun]:
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(DEBATE_CYCLE)
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])
            )
        )


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    return [int(c) for t in tasks.iterdir() for c in (t / "children").read_text().split()]


def _pending(flow_run_ids: list[str]) -> list[str]:
    """The runs a worker set Pending and has not started yet."""
    from prefect.client.schemas.objects import StateType

    from orchestrator.runs import read_runs

    return [i for i, run in read_runs(flow_run_ids).items() if run.state_type is StateType.PENDING]


def test_two_workers_on_a_postgresql_server_carry_a_cercle_when_one_is_killed(
    distributed: Distributed,
    workers: list[subprocess.Popen[bytes]],
    debates: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    with psycopg.connect(
        distributed.env["DEBATES_PREFECT_DATABASE_URL"].replace("+asyncpg", "")
    ) as c:
        assert c.execute("SELECT count(*) FROM flow_run").fetchone() is not None  # Prefect's own
    point_at(monkeypatch, distributed.domain)
    run = succeeding(debates)
    run("launch", "--cercle", CERCLE, "--start", str(START))
    with distributed.domain.session() as s:
        cycles = {c.id: c.flow_run_id for c in s.scalars(select(Cycle))}
    assert len(cycles) == 6 and all(cycles.values())

    # A worker dies while the runs it took are starting (its flow-run processes carry on).
    doomed = workers[0]
    # Killed once it runs some and none is Pending: a run it set Pending but never spawned would
    # wait for ever (no worker takes another's Pending run); see docs/deployments.md.
    wait_for(
        lambda: _children(doomed.pid) and not _pending([str(i) for i in cycles.values()]),
        timeout=120,
        what="worker 1 to start flow runs, none left Pending",
    )
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)

    for flow_run_id in cycles.values():
        wait_suspended(str(flow_run_id), "baseline-", timeout=180)
    runs = _cycle_runs()
    assert sorted(str(r.id) for r in runs) == sorted(str(i) for i in cycles.values())

    with distributed.domain.session() as s:
        launched = s.scalar(select(func.count()).where(AuditEvent.action == "cycle.launched"))
        teams = s.execute(
            select(TeamAssignment.cycle_id, TeamAssignment.role, func.count()).group_by(
                TeamAssignment.cycle_id, TeamAssignment.role
            )
        ).all()
        messages = s.execute(
            select(
                Notification.step_id, Notification.rule, Notification.recipient, func.count()
            ).group_by(Notification.step_id, Notification.rule, Notification.recipient)
        ).all()
    assert launched == 6
    assert teams and all(n == 1 for *_, n in teams), teams
    assert all(n == 1 for *_, n in messages), messages

    cycle_id, flow_run_id = next(iter(cycles.items()))
    path = write_input(tmp_path, "baseline", inputs.for_step("baseline", START))
    run("submit", str(cycle_id), "baseline", "--file", path)
    wait_suspended(str(flow_run_id), "schedule-", timeout=180)  # the surviving worker ran it
    assert workers[1].poll() is None
