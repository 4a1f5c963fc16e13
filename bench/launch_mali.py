"""Launch a cycle for each of Mali's 701 communes through `launch_cycles`, on a real Prefect server.

Measures, per Prefect server database (SQLite, PostgreSQL):
  - record + create: until every cycle is recorded and its flow run created (launch_cycles returns);
  - all waiting: until every flow run is suspended at its first human step (baseline);
  - peak memory (RSS, process + children) of the Prefect server and of the serving process;
and, as the lower bound, the same domain work without Prefect (record the cycles, store a run id,
open the first step). Prints a table.

    .venv/bin/python bench/launch_mali.py                 # both backends
    .venv/bin/python bench/launch_mali.py --prefect-db sqlite --limit 8
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("DEBATES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_tree_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total / 1024


class PeakSampler(threading.Thread):
    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0.0)
        self.running = True

    def run(self) -> None:
        while self.running:
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_tree_mb(pid))
            time.sleep(0.5)


@dataclass
class Result:
    backend: str
    cycles: int
    record_and_create: float
    all_waiting: float
    waiting: int
    failed: int
    server_mb: float
    serving_mb: float


def fresh_domain(tmp: Path, name: str) -> str:
    from sqlalchemy.orm import Session

    import migrations
    from models import db
    from models.geography.registry import import_registry
    from models.settings import SHIPPED_COMMUNES

    url = f"sqlite:///{tmp / name}"
    engine = db.engine_for(url)
    migrations.upgrade(engine)
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
    return url


ONLY_REGIONS: list[str] = []


def region_codes(url: str) -> list[str]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from models import db
    from models.geography.places import Region

    with Session(db.engine_for(url)) as session:
        codes = list(session.scalars(select(Region.pcode).order_by(Region.pcode)))
    return [c for c in codes if c in ONLY_REGIONS] if ONLY_REGIONS else codes


def domain_only(url: str) -> tuple[int, float]:
    """The lower bound: the same domain writes, one region at a time, without Prefect."""
    from datetime import date

    from sqlalchemy.orm import Session

    from models import db
    from models.clock import utcnow
    from models.cycle.launch import launch_cycles_for, set_flow_run
    from models.cycle.stepflow import open_step
    from models.geography.places import communes_in
    from models.policy import CyclePolicy

    started = time.perf_counter()
    count = 0
    for region in region_codes(url):
        with Session(db.engine_for(url)) as session, session.begin():
            report = launch_cycles_for(
                session,
                communes_in(session, region=region),
                start_on=date(2026, 3, 2),
                policy=CyclePolicy(),
                actor="bench",
                now=utcnow(),
            )
        with Session(db.engine_for(url)) as session, session.begin():
            for run in report.launched:
                set_flow_run(session, run.cycle_id, str(uuid.uuid4()), actor="bench", now=utcnow())
        for run in report.launched:  # one transaction per cycle, as each flow run's task does
            with Session(db.engine_for(url)) as session, session.begin():
                open_step(session, run.cycle_id, actor="bench", now=utcnow())
        count += len(report.launched)
    return count, time.perf_counter() - started


def start_prefect_server(
    tmp: Path, backend: str
) -> tuple[subprocess.Popen[bytes], str, str | None]:
    from orchestrator.server import start_server

    api_url = f"http://127.0.0.1:{free_port()}/api"
    os.environ.update(
        PREFECT_HOME=str(tmp / f"prefect-{backend}"),
        PREFECT_API_URL=api_url,
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    pg_db = None
    if backend == "postgresql":
        import psycopg

        pg_db = f"prefect_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_db}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        os.environ["PREFECT_API_DATABASE_CONNECTION_URL"] = f"{base}/{pg_db}"
    else:
        os.environ.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)
    process = start_server(api_url, log_file=tmp / f"server-{backend}.log", startup_timeout=240)
    return process, api_url, pg_db


def bench_prefect(tmp: Path, backend: str, limit: int, timeout: float) -> Result:
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from models.settings import get_settings
    from orchestrator.server import stop

    server, api_url, pg_db = start_prefect_server(tmp, backend)
    domain_url = fresh_domain(tmp, f"domain-{backend}.sqlite3")
    os.environ.update(DEBATES_DATABASE_URL=domain_url, DEBATES_DATA_DIR=str(tmp / "data"))
    get_settings.cache_clear()
    serving = subprocess.Popen(
        [str(Path(sys.executable).with_name("debates")), "serve", "--limit", str(limit)],
        cwd=ROOT,
        env=os.environ | {"PREFECT_RUNNER_POLL_FREQUENCY": "5", "PREFECT_LOGGING_LEVEL": "WARNING"},
        stdout=(tmp / f"serve-{backend}.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    sampler = PeakSampler({"server": server.pid, "serving": serving.pid})
    sampler.start()
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            from flows.launch import launch_cycles
            from models.cycle.launch import LaunchRequest
            from orchestrator.runs import NotDeployed, deployment_id

            deadline = time.monotonic() + 120
            while True:
                try:
                    deployment_id()
                    break
                except NotDeployed:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(1)
            started = time.perf_counter()
            launched = 0
            for region in region_codes(domain_url):
                result = launch_cycles(LaunchRequest(region=region))
                launched += len(result["launched"])
            record_and_create = time.perf_counter() - started

            def count(*types: StateType) -> int:
                with get_client(sync_client=True) as client:
                    return client.count_flow_runs(
                        flow_run_filter=FlowRunFilter(
                            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=list(types)))
                        )
                    )

            waiting = failed = 0
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                waiting = count(StateType.PAUSED)
                failed = count(StateType.FAILED, StateType.CRASHED, StateType.CANCELLED)
                if waiting + failed >= launched:
                    break
                time.sleep(2)
            all_waiting = time.perf_counter() - started
    finally:
        sampler.running = False
        sampler.join()
        os.killpg(serving.pid, 2)
        try:
            serving.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(serving.pid, 9)
        stop(server)
        if pg_db:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)')
    return Result(
        backend,
        launched,
        record_and_create,
        all_waiting,
        waiting,
        failed,
        sampler.peak["server"],
        sampler.peak["serving"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefect-db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--limit", type=int, default=8, help="flow runs the serving process runs at once"
    )
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds to wait for all to wait"
    )
    parser.add_argument("--regions", default="", help="only these region P-codes (smoke test)")
    args = parser.parse_args()
    ONLY_REGIONS.extend(code for code in args.regions.split(",") if code)
    backends = ["sqlite", "postgresql"] if args.prefect_db == "both" else [args.prefect_db]
    tmp = Path(tempfile.mkdtemp(prefix="bench-launch-"))  # kept: the server and serve logs are here
    print(f"logs in {tmp}", flush=True)
    if True:
        lower_count, lower = domain_only(fresh_domain(tmp, "domain-only.sqlite3"))
        print(f"domain work alone: {lower_count} cycles in {lower:.1f} s", flush=True)
        results = []
        for backend in backends:
            result = bench_prefect(tmp, backend, args.limit, args.timeout)
            print(result, flush=True)
            results.append(result)
    head = (
        f"{'Prefect DB':<11} {'cycles':>6} {'record+create s':>15} {'all waiting s':>13} "
        f"{'waiting':>7} {'failed':>6} {'domain-only s':>13} {'ratio':>6} "
        f"{'server MB':>9} {'serving MB':>10}"
    )
    print(f"\nbench/launch_mali.py, serve --limit {args.limit}, {os.cpu_count()} cores\n{head}")
    for r in results:
        print(
            f"{r.backend:<11} {r.cycles:>6} {r.record_and_create:>15.1f} {r.all_waiting:>13.1f} "
            f"{r.waiting:>7} {r.failed:>6} {lower:>13.1f} {r.all_waiting / lower:>6.0f} "
            f"{r.server_mb:>9.0f} {r.serving_mb:>10.0f}"
        )


if __name__ == "__main__":
    main()
    # The in-process Prefect client still holds events for servers this script stopped; its
    # background worker would retry them for minutes at exit. The measurements are printed.
    sys.stdout.flush()
    os._exit(0)
