"""The manager's view, checked in a real browser: headless Chromium on the local Prefect UI.

A real `prefect server start` (UI on) on a free 127.0.0.1 port, `debates serve` in a subprocess for
the deployments, the domain in a SQLite file. Checks, by the text on each page, that
(1) the deployments' Run forms show the launch parameters, (2) a suspended cycle shows its Resume
form with the step's fields, (3) the cycle's artifacts and the portfolio table are visible.
Screenshots of each page go to test-output/ui/ (gitignored): look at them.

Needs Debian's chromium and chromium-driver (`apt-get install -y chromium chromium-driver`);
skips, saying so, where they are missing. Never downloads a browser.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy.orm import Session

import migrations
from cli.app import run
from models import db
from models.geography.registry import import_registry
from models.settings import SHIPPED_COMMUNES, get_settings
from orchestrator.server import start_server, stop
from tests.e2e.browser import (
    PAGE_TIMEOUT,
    ROOT,
    SHOTS,
    form_property,
    needs_chromium,
    open_page,
    open_resume_form,
    page_text,
)
from tests.e2e.conftest import wait_for
from tests.notifications.documents_data import NGARA, add_minutes, add_safety_plan, ngara_cycle
from tests.prefect_workers import flush_prefect_workers

DEBATES = Path(sys.executable).with_name("debates")
NGARA_KEY = "cycle-n-gara-ml040107-1"  # the artifacts of N'gara's first cycle

pytestmark = [pytest.mark.prefect, needs_chromium]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    ui: str  # http://127.0.0.1:PORT
    api: str  # http://127.0.0.1:PORT/api
    database_url: str
    data_dir: Path
    ngara_cycle_id: int = 0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A Prefect server with its UI, a migrated domain database, `debates serve` for the deployments."""
    home = tmp_path_factory.mktemp("prefect-ui-home")
    port = _free_port()
    stack = Stack(
        ui=f"http://127.0.0.1:{port}",
        api=f"http://127.0.0.1:{port}/api",
        database_url=f"sqlite:///{home / 'debates.sqlite3'}",
        data_dir=home / "data",
    )
    engine = db.engine_for(stack.database_url)
    migrations.upgrade(engine)
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
        # N'gara's cycle is there before `debates serve` starts: its start-up reconcile gives the
        # cycle a flow run, and the tests begin once that run waits (no write races on SQLite).
        cycle = ngara_cycle(session)
        add_minutes(session, cycle)
        add_safety_plan(session, cycle)
        stack.ngara_cycle_id = cycle.id
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PREFECT_HOME", str(home))
        env.setenv("PREFECT_API_URL", stack.api)
        env.setenv("PREFECT_UI_ENABLED", "true")
        env.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        env.setenv("DEBATES_DATABASE_URL", stack.database_url)
        env.setenv("DEBATES_DATA_DIR", str(stack.data_dir))
        env.setenv("DEBATES_ACTOR", "coordinatrice-ui")
        get_settings.cache_clear()
        server = start_server(stack.api, log_file=home / "server.log", startup_timeout=180)
        serving = subprocess.Popen(
            [str(DEBATES), "serve", "--limit", "2"],
            cwd=ROOT,
            env=os.environ | {"PREFECT_RUNNER_POLL_FREQUENCY": "2"},
            stdout=(home / "serve.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            with temporary_settings(updates={PREFECT_API_URL: stack.api}):
                suspended_run_of(NGARA, stack)
                yield stack
        finally:
            if serving.poll() is None:
                os.killpg(serving.pid, signal.SIGINT)
                try:
                    serving.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(serving.pid, signal.SIGKILL)
                    serving.wait(10)
            flush_prefect_workers()
            stop(server)
            db.engine_for(stack.database_url).dispose()
            get_settings.cache_clear()


def cli(*args: str) -> None:
    if args[0] == "launch":
        from orchestrator.names import DEBATE_CYCLE

        deployment_id(DEBATE_CYCLE)  # `debates serve` registers it a few seconds after start
    code = run(list(args))
    assert code == 0, f"debates {' '.join(args)} exited {code}"


def artifact_url(stack: Stack, key: str) -> str:
    """The page of the latest artifact of `key` (the key's page lists versions, not content)."""
    from orchestrator.artifacts import latest_artifact

    artifact = latest_artifact(key)
    assert artifact is not None, f"no artifact {key} on the server"
    return f"{stack.ui}/artifacts/artifact/{artifact.id}"


def publish_cycle_documents(cycle_id: int) -> None:
    """What the debate-cycle flow does at stage changes, run here as one flow."""
    from prefect import flow

    from tasks.artifacts import refresh_cycle_view, refresh_portfolio
    from tasks.documents import publish_minutes, publish_safety_plan

    @flow(name="publish-cycle-documents")
    def publish(cycle_id: int) -> None:
        publish_minutes(cycle_id, 1)
        publish_safety_plan(cycle_id)
        refresh_cycle_view(cycle_id)
        refresh_portfolio()

    publish(cycle_id)


def test_cycle_artifacts_and_portfolio_table_are_visible_in_the_ui(
    stack: Stack, browser: Any
) -> None:
    cycle_id = stack.ngara_cycle_id
    publish_cycle_documents(cycle_id)

    listing = open_page(
        browser,
        f"{stack.ui}/artifacts",
        "debates-portfolio",
        f"{NGARA_KEY}-state",
        shot="3a-artifacts",
    )
    assert f"{NGARA_KEY}-minutes-1" in listing
    assert "N'gara (cercle de Barouéli, région de Ségou) — cycle n° 1" in listing  # descriptions
    assert f"{NGARA_KEY}-safety-plan" in listing

    portfolio = open_page(
        browser,
        artifact_url(stack, "debates-portfolio"),
        "N'gara",
        "ML040107",
        shot="3b-portfolio-table",
    )
    assert "Barouéli" in portfolio and "baseline" in portfolio

    state = open_page(
        browser,
        artifact_url(stack, f"{NGARA_KEY}-state"),
        "N'gara — cycle n° 1",
        "Avancement",
        shot="3c-cycle-state",
    )
    assert "Aïssata Traoré" in state
    assert f"documents/cycle-{cycle_id}/safety_plan.fr.html" in state
    assert "voir dans Prefect" in state  # links to the minutes' and the plan's artifacts

    minutes = open_page(
        browser,
        artifact_url(stack, f"{NGARA_KEY}-minutes-1"),
        "Procès-verbal du débat de réconciliation n° 1",
        "sensible — voir le coordinateur",
        shot="3d-minutes",
    )
    assert "<script>alert('pv')</script>" in minutes  # shown as text, never run
    assert "Exactions de 2013" not in minutes

    open_page(
        browser,
        artifact_url(stack, f"{NGARA_KEY}-progress"),
        f"{NGARA_KEY}-progress",
        shot="3e-progress",
    )


def deployment_id(name: str) -> str:
    from prefect import get_client

    def read() -> str | None:
        with get_client(sync_client=True) as client:
            try:
                return str(client.read_deployment_by_name(name).id)
            except Exception:  # ObjectNotFound until `debates serve` has registered it
                return None

    return str(wait_for(read, timeout=120, what=f"deployment {name} registered by debates serve"))


def test_run_forms_of_the_deployments_show_the_launch_parameters(
    stack: Stack, browser: Any
) -> None:
    from orchestrator.names import DEBATE_CYCLE, LAUNCH_CYCLES

    launch_form = open_page(
        browser,
        f"{stack.ui}/deployments/deployment/{deployment_id(LAUNCH_CYCLES)}/run",
        "Communes (nom, toute orthographe, ou P-code) / commune names or P-codes",
        shot="1a-launch-cycles-run-form",
    )
    for field in ("Cercle", "Tout un cercle", "Region", "Toute une région", "Start On"):
        assert field in launch_form
    cycle_form = open_page(
        browser,
        f"{stack.ui}/deployments/deployment/{deployment_id(DEBATE_CYCLE)}/run",
        "cycle_id",
        shot="1b-debate-cycle-run-form",
    )
    assert "debate-cycle" in cycle_form


def suspended_run_of(cycle_pcode: str, stack: Stack) -> str:
    """The flow run of the cycle launched for `cycle_pcode`, once it is suspended on a step."""
    from prefect import get_client
    from sqlalchemy import select

    from models.cycle.cycle import Cycle

    def flow_run_id() -> str | None:
        with Session(db.engine_for(stack.database_url)) as session:
            return session.scalar(
                select(Cycle.flow_run_id).where(
                    Cycle.area_pcode == cycle_pcode, Cycle.status == "active"
                )
            )

    run_id = str(wait_for(flow_run_id, timeout=120, what=f"a flow run for {cycle_pcode}"))

    def suspended() -> bool:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(run_id).state  # type: ignore[arg-type]
        if state is not None and state.is_final():
            raise AssertionError(f"the cycle's flow run ended {state.name}: {state.message}")
        return state is not None and state.is_paused()

    wait_for(suspended, timeout=120, what=f"flow run {run_id} suspended")
    return run_id


def test_a_suspended_cycle_shows_its_resume_form_with_the_step_fields(
    stack: Stack, browser: Any
) -> None:

    cli("launch", "--commune", "Diré", "--start", "2026-03-02")
    run_id = suspended_run_of("ML060205", stack)
    open_resume_form(
        browser,
        stack.ui,
        run_id,
        "Date de fin de l'étude / date the study was completed",
        "Thèmes de risque (foncier, transhumance, …) / risk themes",
        "Langues nécessaires (bm, son, taq, ff, ar, fr) / languages needed",
        "Groupes à inviter / participant groups to invite",
        "Résumé des conclusions / summary of findings",
        shot="2-resume-form",
    )


def test_a_cycle_flow_run_shows_its_progress_and_state_artifacts(
    stack: Stack, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    run_id = suspended_run_of(NGARA, stack)
    open_page(
        browser, f"{stack.ui}/runs/flow-run/{run_id}", "Suspended", "Artifacts", shot="3f-cycle-run"
    )
    tab = wait_for(
        lambda: next(
            (
                element
                for element in browser.find_elements(By.CSS_SELECTOR, "[role=tab], .p-tab")
                if element.text.strip() == "Artifacts"
            ),
            None,
        ),
        timeout=PAGE_TIMEOUT,
        what="the Artifacts tab",
    )
    tab.click()
    try:
        wait_for(
            lambda: all(
                key in page_text(browser) for key in (f"{NGARA_KEY}-progress", f"{NGARA_KEY}-state")
            ),
            timeout=PAGE_TIMEOUT,
            what="the cycle's progress and state artifacts on its flow run",
        )
    finally:
        browser.save_screenshot(str(SHOTS / "3f-cycle-run-artifacts.png"))


def run_cycle_admin(
    driver: Any, stack: Stack, *, action: str, cycle_id: int, reason: str, shot: str
) -> str:
    """Fill in cycle-admin's Run form as a manager does (action, cycle, reason), submit it; the id of
    the flow run it created."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from orchestrator.names import CYCLE_ADMIN

    open_page(
        driver,
        f"{stack.ui}/deployments/deployment/{deployment_id(CYCLE_ADMIN)}/run",
        "Cycle n°",
        "Motif",
        shot=f"{shot}-empty",
    )
    chooser = form_property(driver, "Action").find_element(
        By.CSS_SELECTOR, "select:not(.p-native-select__control--placeholder)"
    )
    Select(chooser).select_by_value(action)
    cycle = form_property(driver, "Cycle n°")
    next(b for b in cycle.find_elements(By.TAG_NAME, "button") if b.text.strip() == "int").click()
    number = wait_for(  # the field is drawn again for its new type
        lambda: next(
            iter(form_property(driver, "Cycle n°").find_elements(By.TAG_NAME, "input")), None
        ),
        timeout=PAGE_TIMEOUT,
        what="the cycle number's input",
    )
    number.send_keys(str(cycle_id))
    if reason:
        form_property(driver, "Motif").find_element(By.TAG_NAME, "textarea").send_keys(reason)
    driver.save_screenshot(str(SHOTS / f"{shot}-filled.png"))
    # The form names the run it creates (Run Name, a generated name): the run is found by it.
    name = str(
        driver.find_element(
            By.XPATH, "//*[normalize-space(text())='Run Name']/following::input[1]"
        ).get_attribute("value")
    )
    assert name, "the Run form shows no run name"

    clicked: list[float] = []

    def submitted() -> str | None:
        found = run_named(name, CYCLE_ADMIN)
        waited = time.monotonic() - clicked[-1]
        if found is None and waited > 5 and "Something went wrong" in page_text(driver):
            # Prefect's SQLite server answers 503 to create_flow_run while it is busy (other
            # tests on the machine); its Python client retries that, its UI does not: a manager
            # presses Submit again, and so does this test. The run keeps its name: still one run.
            close = driver.find_elements(By.CSS_SELECTOR, ".p-toast button, [role=alert] button")
            for button in close:
                button.click()
            click_submit()
        return found

    def click_submit() -> None:
        clicked.append(time.monotonic())
        next(
            b
            for b in driver.find_elements(By.CSS_SELECTOR, "button[type=submit]")
            if b.text.strip() == "Submit"
        ).click()

    click_submit()
    try:
        flow_run_id = wait_for(
            submitted, timeout=PAGE_TIMEOUT, what=f"the flow run '{name}' the Submit button creates"
        )
    except AssertionError as failed:
        console = [entry["message"] for entry in driver.get_log("browser")][-5:]
        raise AssertionError(f"{failed}; the browser's console: {console}") from None
    finally:
        driver.save_screenshot(str(SHOTS / f"{shot}-submitted.png"))
    return str(flow_run_id)


def run_named(name: str, deployment: str) -> str | None:
    """The id of the flow run called `name` of `deployment`, once the server has it."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterName,
    )

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])),
            deployment_filter=DeploymentFilter(
                id=DeploymentFilterId(any_=[client.read_deployment_by_name(deployment).id])
            ),
        )
    return str(runs[0].id) if runs else None


def finished(flow_run_id: str) -> Any:
    """The flow run's final state, once the serving process has run it."""
    from prefect import get_client

    def final() -> Any:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(flow_run_id).state  # type: ignore[arg-type]
        return state if state is not None and state.is_final() else None

    return wait_for(final, timeout=180, what=f"flow run {flow_run_id} to finish")


def test_a_manager_pauses_and_resumes_a_cycle_through_the_cycle_admin_run_form(
    stack: Stack, browser: Any
) -> None:
    """The cycle-admin Run form filled in and submitted in Chromium (action, cycle, reason); the
    serving process runs it; the database has the pause, the cycle's run shows the 'en-pause'
    tag; the same form resumes it and the tag goes."""
    from models.cycle.pause import open_pause
    from orchestrator.paused import PAUSED_TAG

    cycle_id = stack.ngara_cycle_id
    cycle_run = suspended_run_of(NGARA, stack)
    admin_run = run_cycle_admin(
        browser, stack, action="pause", cycle_id=cycle_id, reason="route coupée", shot="4a-pause"
    )
    state = finished(admin_run)
    assert state.is_completed(), state.message
    with Session(db.engine_for(stack.database_url)) as session:
        pause = open_pause(session, cycle_id)
        assert pause is not None and pause.reason == "route coupée"
        assert pause.actor.startswith("prefect-ui:")

    open_page(
        browser,
        f"{stack.ui}/runs/flow-run/{admin_run}",
        "Completed",
        shot="4b-pause-run",
    )
    run_page = open_page(
        browser, f"{stack.ui}/runs/flow-run/{cycle_run}", "Suspended", PAUSED_TAG, shot="4c-paused"
    )
    assert "Resume" in run_page  # still suspended, resumable as before
    # The line over the suspension's description is checked through the API
    # (tests/e2e/test_cycle_flow.py): this Prefect UI's Resume dialog shows no description at all.

    admin_run = run_cycle_admin(
        browser, stack, action="resume", cycle_id=cycle_id, reason="", shot="4e-resume"
    )
    state = finished(admin_run)
    assert state.is_completed(), state.message
    with Session(db.engine_for(stack.database_url)) as session:
        assert open_pause(session, cycle_id) is None
    run_page = open_page(
        browser, f"{stack.ui}/runs/flow-run/{cycle_run}", "Suspended", shot="4f-resumed"
    )
    assert PAUSED_TAG not in run_page
