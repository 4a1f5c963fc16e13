"""A real Prefect server per test session, a real serving process, and the domain in a file database.

The flow runs execute in the serving process (and its flow-run subprocesses), so the savepoint
fixture cannot apply: the domain database is a migrated file (SQLite) or a fresh PostgreSQL
database, handed to the subprocesses through DEBATES_DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy.orm import Session

import migrations
from cli.app import run
from models import db
from models.clock import utcnow
from models.geography.registry import import_registry
from models.people.facilitator_file import import_facilitators
from models.settings import SHIPPED_COMMUNES, get_settings
from orchestrator.server import start_server, stop
from services.demo import FACILITATORS
from tests.prefect_workers import flush_prefect_workers

ROOT = Path(__file__).resolve().parents[2]
DEBATES = Path(sys.executable).with_name("debates")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`prefect server start` on a free 127.0.0.1 port with its own PREFECT_HOME (SQLite), its UI
    on (`prefect_ui`): a module that checks a page in Chromium uses the same server."""
    home = tmp_path_factory.mktemp("prefect-home")
    api_url = f"http://127.0.0.1:{_free_port()}/api"
    saved = {k: os.environ.get(k) for k in ("PREFECT_HOME", "PREFECT_API_URL")}
    os.environ.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_UI_ENABLED="true",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    process = start_server(api_url, log_file=home / "server.log", startup_timeout=180)
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            yield api_url
    finally:
        flush_prefect_workers()
        stop(process)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def prefect_ui(prefect_api: str) -> str:
    """The Prefect UI of `prefect_api`: http://127.0.0.1:PORT."""
    return prefect_api.removesuffix("/api")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium (tests/e2e/browser.py); a module using it carries `needs_chromium`."""
    from tests.e2e.browser import chromium

    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@dataclass
class Domain:
    """The domain database the test and the serving process share."""

    url: str
    data_dir: Path

    def session(self) -> Session:
        return Session(db.engine_for(self.url))


def make_domain(url: str, data_dir: Path) -> Domain:
    engine = db.engine_for(url)
    migrations.upgrade(engine)
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
    return Domain(url, data_dir)


def point_at(env: pytest.MonkeyPatch, domain: Domain) -> None:
    """Point this process (the in-process CLI) at a domain database, through `env`."""
    env.setenv("DEBATES_DATABASE_URL", domain.url)
    env.setenv("DEBATES_DATA_DIR", str(domain.data_dir))
    env.setenv("DEBATES_ACTOR", "coordinatrice-test")
    get_settings.cache_clear()


@pytest.fixture(params=["sqlite", "postgresql"])
def domain(request: pytest.FixtureRequest, fresh_database, tmp_path: Path) -> Domain:  # type: ignore[no-untyped-def]
    """A migrated domain database with the registry and the demo's fictional facilitators
    (covering Tombouctou), on each backend."""
    made = make_domain(fresh_database(request.param), tmp_path / "data")
    with made.session() as s, s.begin():
        import_facilitators(s, FACILITATORS, now=utcnow())
    return made


@pytest.fixture
def use_domain(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Domain], None]]:
    """Point this process (the in-process CLI) at a domain database."""
    yield lambda domain: point_at(monkeypatch, domain)
    get_settings.cache_clear()


@dataclass
class Serving:
    """`debates serve` as a subprocess; stop() is what Ctrl-C or a reboot would do."""

    domain: Domain
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: list[float] = field(default_factory=list)

    def start(self) -> None:
        env = os.environ | {
            "DEBATES_DATABASE_URL": self.domain.url,
            "DEBATES_DATA_DIR": str(self.domain.data_dir),
            "DEBATES_ACTOR": "serving-test",
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        }
        self.process = subprocess.Popen(
            [str(DEBATES), "serve", "--limit", "4"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.starts.append(time.monotonic())
        wait_for(self._deployed, timeout=120, what="the deployments to be served")

    def _deployed(self) -> bool:
        from orchestrator.runs import NotDeployed, deployment_id

        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"debates serve stopped; see {self.log}")
        try:
            deployment_id()
        except NotDeployed:
            return False
        return True

    def busy(self) -> bool:
        """True while a flow-run process of this serving process still runs (e.g. exiting after a
        suspension; stopping then can leave that run Crashed, which is reconcile's case)."""
        from deployments.forkserver import run_pids

        assert self.process is not None
        return bool(run_pids(self.process.pid))

    def stop(self) -> None:
        """Stop while no flow run executes, as an operator stops the service between steps."""
        if self.process is None:
            return
        if self.process.poll() is None:
            wait_for(lambda: not self.busy(), timeout=60, what="the flow-run processes to exit")
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Callable[[Domain], Serving]]:
    made: list[Serving] = []

    def start(domain: Domain) -> Serving:
        server = Serving(domain, tmp_path / f"serve-{len(made)}.log")
        server.start()
        made.append(server)
        return server

    yield start
    for server in made:
        server.stop()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def debates(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    def call(*args: str) -> CliResult:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return call


def succeeding(debates: Callable[..., CliResult]) -> Callable[..., CliResult]:
    """`debates …` in this process that must succeed; a failure shows what it printed."""

    def call(*args: str) -> CliResult:
        result = debates(*args)
        assert result.code == 0, f"debates {' '.join(args)}: {result.out}{result.err}"
        return result

    return call


def write_input(tmp_path: Path, step: str, data: dict[str, Any]) -> str:
    """A step's input as the JSON file `debates submit --file` reads; its path."""
    path = tmp_path / f"{step}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def forget_other_runs() -> None:
    """Delete every flow run on the server. The e2e modules share one Prefect server: runs another
    test left scheduled (their cycles live in other databases) would be picked up by this module's
    serving process, fill its slots and carry cycle ids that mean other cycles here."""
    with get_client(sync_client=True) as client:
        while leftovers := client.read_flow_runs(limit=200):
            for flow_run in leftovers:
                client.delete_flow_run(flow_run.id)


def held_by_prefect() -> str:
    """Every flow run's parameters and every input a run received, as one JSON text: what
    Prefect's database keeps of the cycles (and its UI shows)."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        received = [
            json.loads(i.value)
            for r in runs
            for i in client.filter_flow_run_input(
                r.id, key_prefix="", limit=1000, exclude_keys=set()
            )
        ]
    return json.dumps([[r.parameters for r in runs], received], ensure_ascii=False)


def read_run(flow_run_id: str) -> FlowRun:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id)  # type: ignore[arg-type]


def wait_for(predicate: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def wait_suspended(flow_run_id: str, pause_key_prefix: str, timeout: float = 180) -> FlowRun:
    """Wait until the run is suspended with a pause key starting `<step>-`."""

    def check() -> FlowRun | None:
        flow_run = read_run(flow_run_id)
        state = flow_run.state
        paused = state is not None and state.is_paused()
        if paused and str(state.state_details.pause_key).startswith(pause_key_prefix):  # type: ignore[union-attr]
            return flow_run
        if state is not None and state.is_final():
            raise AssertionError(f"flow run ended {state.name}: {state.message}")
        return None

    return wait_for(check, timeout=timeout, what=f"suspension on {pause_key_prefix}")  # type: ignore[no-any-return]
