"""CPU-seconds to carry one debate-cycle flow run from its start to its first suspension, broken down.

A real Prefect server (SQLite), a migrated domain database (SQLite file) and `debates serve` as a
subprocess; a cercle is launched and each of its flow runs is carried by the serving process to
the baseline study, where it suspends. Each flow run is a process of its own, forked from the
serving process's fork server (deployments/forkserver.py), which has imported Prefect and the
flows once; the fork server reaps the runs: the CPU time (user + system) they add to its reaped
children (/proc/PID/stat cutime + cstime), divided by their number, is the child's cost of one
run. The fork server's own CPU is its preload, paid once (shown amortised over the runs measured:
a serving process lives for many more), and the forks (per run). Without a fork server (Prefect's
`python -m prefect.engine`, a fresh interpreter per run) the runs are the serving process's
reaped children, and the parts are those of such a process.
The parts are measured apart, each in a fresh process (median of --repeat):

  interpreter      python -c pass
  imports, Prefect what `python -m prefect.engine` imports before it loads the flow
  imports, ours    flows.cycle with everything it imports that Prefect had not
  our tasks        the domain work of the run's tasks without Prefect (open the waiting step,
                   claim and send its invitations, the cycle's view), on cycles launched apart
  Prefect engine   the rest of a run: the flow and task runs' API calls, events, logs, suspension
  fork server      its preload over the runs measured, and its forks (once the fork server runs,
                   interpreter and imports are paid by it once, not per run)

    .venv/bin/python bench/run_cpu.py [--communes ML0604] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEBATES = Path(sys.executable).with_name("debates")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

BEFORE = {  # 2026-12-01, 13 runs, SciPy still imported by flows.cycle (docs/cycle-flow.md)
    "interpreter": 0.02,
    "imports, Prefect": 1.21,
    "imports, ours": 1.24,
    "our tasks": 0.15,
    "Prefect engine": 0.51,
    "total": 3.15,
}
TARGET = "≤ half of before"

IMPORTS_PREFECT = "import prefect.engine, prefect.flow_engine, prefect._internal.metrics"
IMPORTS_ALL = f"{IMPORTS_PREFECT}; import flows.cycle"


def cpu_of(code: str) -> float:
    """CPU seconds (user + system) of `python -c code` in a fresh process."""
    process = subprocess.Popen([PYTHON, "-c", code], cwd=ROOT, env=os.environ)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"python -c {code!r} failed ({status})")
    return usage.ru_utime + usage.ru_stime


def median_cpu(code: str, repeat: int) -> float:
    return statistics.median(cpu_of(code) for _ in range(repeat))


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children_cpu(pid: int) -> float:
    """CPU seconds of the reaped children of `pid` (cutime + cstime)."""
    fields = _stat(pid)
    return (int(fields[13]) + int(fields[14])) / CLOCK_TICKS


def own_cpu(pid: int) -> float:
    """CPU seconds of `pid` itself (utime + stime)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def settled(pid: int, deadline: float) -> float:
    """`pid`'s own CPU once it stops growing (the fork server has imported its preload)."""
    last = own_cpu(pid)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = own_cpu(pid)
        if now == last:
            return now
        last = now
    return last


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_domain(tmp: Path) -> str:
    from sqlalchemy.orm import Session

    import migrations
    from models import db
    from models.clock import utcnow
    from models.geography.registry import import_registry
    from models.people.facilitator_file import import_facilitators
    from models.settings import SHIPPED_COMMUNES

    url = f"sqlite:///{tmp / 'domain.sqlite3'}"
    engine = db.engine_for(url)
    migrations.upgrade(engine)
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
        import_facilitators(session, ROOT / "docs" / "facilitators.csv", now=utcnow())
    return url


def our_tasks(cercle: str) -> tuple[int, float]:
    """The domain work of a run up to its first wait, without Prefect, per cycle (CPU seconds)."""
    from sqlalchemy.orm import Session

    from models import db
    from models.clock import utcnow
    from models.cycle.launch import LaunchRequest
    from models.cycle.stepflow import open_step
    from models.policy import current_policy
    from models.settings import get_settings
    from notifications.invitations import claim_invitations
    from notifications.sweep import new_sweep_id
    from services.launch import record_launches
    from services.views import publish_cycle_view

    url = get_settings().resolved_database_url()
    report = record_launches(LaunchRequest(cercle=cercle), who="bench")
    ids = [run.cycle_id for run in report.launched]
    policy = current_policy().reminders
    started = time.process_time()
    for cycle_id in ids:
        with Session(db.engine_for(url)) as session, session.begin():
            open_step(session, cycle_id, actor="bench", now=utcnow())
        claim_invitations(cycle_id, now=utcnow(), policy=policy, sweep_id=new_sweep_id())
        publish_cycle_view(cycle_id, "fr")
    return len(ids), (time.process_time() - started) / max(1, len(ids))


def carried_runs(tmp: Path, cercle: str, timeout: float) -> dict[str, Any]:
    """Launch `cercle` and let `debates serve` carry each run to its first wait: the runs, the
    CPU of each run's process, and the fork server's (its preload, once; its forks, per run)."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    from deployments.forkserver import fork_server_of, run_pids
    from flows.launch import launch_cycles
    from models.cycle.launch import LaunchRequest
    from orchestrator.runs import NotDeployed, deployment_id

    serving = subprocess.Popen(
        [str(DEBATES), "serve", "--limit", "1"],  # one run at a time: nothing overlaps the count
        cwd=ROOT,
        env=os.environ | {"PREFECT_RUNNER_POLL_FREQUENCY": "1"},
        stdout=(tmp / "serve.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                deployment_id()
                break
            except NotDeployed:
                if time.monotonic() > deadline or serving.poll() is not None:
                    raise RuntimeError(
                        f"debates serve did not deploy; see {tmp / 'serve.log'}"
                    ) from None
                time.sleep(1)
        deadline = time.monotonic() + 60  # deployed before it serves: its fork server follows
        while (forks := fork_server_of(serving.pid)) is None and time.monotonic() < deadline:
            time.sleep(0.5)
        preload = settled(forks, time.monotonic() + 120) if forks else 0.0
        before = children_cpu(serving.pid) + (children_cpu(forks) if forks else 0.0)
        launched = len(launch_cycles(LaunchRequest(cercle=cercle))["launched"])

        def count(*types: StateType) -> int:
            with get_client(sync_client=True) as client:
                return client.count_flow_runs(
                    flow_run_filter=FlowRunFilter(
                        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=list(types)))
                    )
                )

        end = time.monotonic() + timeout
        waiting = 0
        while time.monotonic() < end:
            waiting = count(StateType.PAUSED)
            failed = count(StateType.FAILED, StateType.CRASHED)
            if failed:
                raise RuntimeError(f"{failed} flow runs failed; see {tmp / 'serve.log'}")
            if waiting >= launched:
                break
            time.sleep(1)
        if waiting < launched:
            raise RuntimeError(f"{waiting} of {launched} runs waiting after {timeout:.0f} s")
        deadline = time.monotonic() + 60
        while run_pids(serving.pid) and time.monotonic() < deadline:
            time.sleep(0.5)  # the last run's process exits after its suspension
        time.sleep(1)
        after = children_cpu(serving.pid) + (children_cpu(forks) if forks else 0.0)
        return {
            "runs": launched,
            "per_run": (after - before) / launched,
            "fork_server": forks is not None,
            "preload": preload,
            "forks": ((own_cpu(forks) - preload) / launched) if forks else 0.0,
        }
    finally:
        os.killpg(serving.pid, 2)
        try:
            serving.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(serving.pid, 9)
            serving.wait(10)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from models.settings import get_settings
    from orchestrator.server import drain_prefect_workers, start_server, stop

    tmp = Path(tempfile.mkdtemp(prefix="bench-run-cpu-"))
    api_url = f"http://127.0.0.1:{free_port()}/api"
    os.environ.update(
        PREFECT_HOME=str(tmp / "prefect"),
        PREFECT_API_URL=api_url,
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        DEBATES_DATA_DIR=str(tmp / "data"),
    )
    os.environ.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)
    interpreter = median_cpu("pass", args.repeat)
    prefect_imports = median_cpu(IMPORTS_PREFECT, args.repeat) - interpreter
    all_imports = median_cpu(IMPORTS_ALL, args.repeat) - interpreter
    server = start_server(api_url, log_file=tmp / "server.log", startup_timeout=240)
    try:
        os.environ["DEBATES_DATABASE_URL"] = fresh_domain(tmp)
        get_settings.cache_clear()
        carried = carried_runs(tmp, args.cercle, args.timeout)
        _, tasks = our_tasks(args.other_cercle)
        drain_prefect_workers()
    finally:
        stop(server)
    runs, per_run = carried["runs"], carried["per_run"]
    if carried["fork_server"]:  # interpreter and imports: paid once, by the fork server
        amortised = carried["preload"] / runs + carried["forks"]
        parts = {
            "interpreter": 0.0,
            "imports, Prefect": 0.0,
            "imports, ours": 0.0,
            "our tasks": tasks,
            "Prefect engine": per_run - tasks,
            "fork server": amortised,
            "total": per_run + amortised,
        }
    else:
        parts = {
            "interpreter": interpreter,
            "imports, Prefect": prefect_imports,
            "imports, ours": all_imports - prefect_imports,
            "our tasks": tasks,
            "Prefect engine": per_run - interpreter - all_imports - tasks,
            "total": per_run,
        }
    once = {
        "interpreter": interpreter,
        "imports, Prefect": prefect_imports,
        "imports, ours": all_imports - prefect_imports,
        "fork server preload": carried["preload"],
        "fork server, per fork": carried["forks"],
    }
    return {"runs": runs, "parts": parts, "once": once, "fork_server": carried["fork_server"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cercle", default="ML0602", help="cercle whose runs are measured")
    parser.add_argument(
        "--other-cercle", default="ML0603", help="cercle launched apart for the task CPU"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", action="store_true", help="one JSON object per part")
    args = parser.parse_args()
    result = measure(args)
    load = os.getloadavg()[0]
    if args.json:
        for part, seconds in result["parts"].items():
            print(
                json.dumps(
                    {
                        "bench": "run_cpu",
                        "part": part,
                        "cpu_seconds": round(seconds, 3),
                        "before": BEFORE.get(part),
                        "runs": result["runs"],
                        "fork_server": result["fork_server"],
                        "load": round(load, 2),
                    }
                )
            )
        for part, seconds in result["once"].items():
            print(json.dumps({"bench": "run_cpu", "apart": part, "cpu_seconds": round(seconds, 3)}))
        return
    how = "forked from the fork server" if result["fork_server"] else "python -m prefect.engine"
    print(
        f"bench/run_cpu.py: one debate-cycle flow run to its first wait ({how}), "
        f"{result['runs']} runs, load average {load:.2f}, {os.cpu_count()} cores"
    )
    print(f"| {'part':<16} | {'CPU s':>6} | {'before':>6} | target")
    print(f"|{'-' * 18}|{'-' * 8}|{'-' * 8}|{'-' * 20}")
    for part, seconds in result["parts"].items():
        target = TARGET if part == "total" else ""
        before = f"{BEFORE[part]:6.2f}" if part in BEFORE else ""
        print(f"| {part:<16} | {seconds:6.2f} | {before:>6} | {target}")
    once = ", ".join(f"{part} {seconds:.2f}" for part, seconds in result["once"].items())
    print(f"measured apart (CPU s): {once}")


if __name__ == "__main__":
    main()
