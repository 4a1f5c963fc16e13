"""`debates up` stopped while a resumed run executes its step (fault 6 of issue 12), and the Prefect
server going away under it and coming back while 20 cycles wait (fault 2).

One `up` after another on the module's server, one cycle carried through: a SIGTERM lets the run
reach its next wait; with no grace, the run is put back and the next `up` carries it on; never a
Cancelled or Crashed run, never a second run of the cycle.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cli.supervise import stop_bound
from deployments.serve import PUT_BACK
from models.clock import utcnow
from models.cycle.cycle import Cycle
from models.geography.places import Commune
from models.people.facilitator_file import import_facilitators
from services.demo import FACILITATORS
from tests.e2e.browser import (
    form_property,
    needs_chromium,
    open_resume_form,
    shoot,
    submit_resume_form,
)
from tests.e2e.conftest import CliResult, Domain, make_domain, read_run, wait_suspended
from tests.e2e.test_prefect_down import PrefectServer
from tests.faults.conftest import Up, state_names, wait_in_log, wait_running
from tests.flows import inputs

pytestmark = pytest.mark.prefect

START = date(2026, 3, 2)
DIRE = "ML060205"
GRACE = 30
WAITING = 20
"""Cycles waiting while the server restarts (issue 12); each costs two flow-run processes."""


@pytest.fixture
def domain(fresh_database, tmp_path: Path) -> Domain:  # type: ignore[no-untyped-def]
    made = make_domain(fresh_database("sqlite"), tmp_path / "data")
    with made.session() as s, s.begin():
        import_facilitators(s, FACILITATORS, now=utcnow())  # fictional, covering Tombouctou
    return made


def _file(tmp_path: Path, step: str) -> str:
    path = tmp_path / f"{step}.json"
    path.write_text(json.dumps(inputs.for_step(step, START)), encoding="utf-8")
    return str(path)


def _cycles(domain: Domain) -> dict[str, Cycle]:
    with domain.session() as s:
        cycles = {c.area_pcode: c for c in s.scalars(select(Cycle))}
        s.expunge_all()
        return cycles


def _runs_named(api_url: str, name: str) -> list[str]:
    runs = httpx.post(
        f"{api_url}/flow_runs/filter",
        json={"flow_runs": {"name": {"any_": [name]}}},
        timeout=10,
    ).json()
    return [r["id"] for r in runs]


def test_a_stop_lets_the_running_step_reach_its_wait_or_puts_it_back_never_cancelled(
    prefect_server: PrefectServer,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    start_up: Callable[..., Up],
    debates: Callable[..., CliResult],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = prefect_server.api_url
    use_domain(domain)
    up = start_up(domain, "--grace", str(GRACE))
    assert debates("launch", "--commune", DIRE, "--start", str(START)).code == 0
    cycle = _cycles(domain)[DIRE]
    run_id = cycle.flow_run_id
    assert run_id is not None
    wait_suspended(run_id, "baseline-")

    # SIGTERM while the resumed run executes: it reaches its next wait before `up` ends.
    assert (
        debates("submit", str(cycle.id), "baseline", "--file", _file(tmp_path, "baseline")).code
        == 0
    )
    wait_running(api, run_id)
    code, took = up.stop(signal.SIGTERM)
    assert code == 0, up.shown()[-3000:]
    assert took < stop_bound(GRACE)
    state = read_run(run_id).state
    assert state is not None and state.is_paused(), state
    assert str(state.state_details.pause_key).startswith("schedule-")
    with capsys.disabled():  # the in-process CLI captures the rest
        print(f"`up` stopped {took:.1f} s after SIGTERM with a run in flight (grace {GRACE} s)")

    # No grace: the running step is interrupted and put back, neither Crashed nor Cancelled.
    up = start_up(domain, "--grace", "0")
    assert (
        debates("submit", str(cycle.id), "schedule", "--file", _file(tmp_path, "schedule")).code
        == 0
    )
    wait_running(api, run_id)
    code, took = up.stop(signal.SIGTERM)
    assert code == 0, up.shown()[-3000:]
    assert took < stop_bound(0)
    state = read_run(run_id).state
    assert state is not None and state.name == PUT_BACK and state.is_scheduled(), state
    with capsys.disabled():
        print(f"`up --grace 0` stopped {took:.1f} s after SIGTERM, its run put back")

    # The next `up` carries the run on to the next step: one run, never Cancelled or Crashed.
    up = start_up(domain, "--grace", str(GRACE))
    assert "Nothing to repair." in up.shown()
    wait_suspended(run_id, "session-1-")
    assert _runs_named(api, read_run(run_id).name) == [run_id]
    history = state_names(api, run_id)
    assert PUT_BACK in history
    assert not {"Cancelled", "Cancelling", "Crashed"} & set(history), history
    code, _ = up.stop(signal.SIGINT)
    assert code == 0


def _session_held_in_the_resume_form(driver: Any, server: PrefectServer, flow_run_id: str) -> None:
    """In the Prefect UI, as a coordinator would: the suspended run's Resume form, the session's
    outcome `held`, Submit."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_resume_form(
        driver,
        server.api_url.removesuffix("/api"),
        flow_run_id,
        "held (tenu), postponed (reporté) or cancelled (annulé)",
        shot="faults-2-resume-form-after-restart",
    )
    field = form_property(driver, "Outcome")
    Select(field.find_element(By.TAG_NAME, "select")).select_by_value("held")
    shoot(driver, "faults-2-filled")
    submit_resume_form(driver, flow_run_id)


@needs_chromium
def test_the_server_goes_away_under_up_and_20_waiting_cycles_carry_on_when_it_is_back(
    prefect_server: PrefectServer,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    start_up: Callable[..., Up],
    debates: Callable[..., CliResult],
    tmp_path: Path,
    browser: Any,
) -> None:
    use_domain(domain)
    up = start_up(domain, "--limit", "8")
    with domain.session() as s:
        communes = list(
            s.scalars(select(Commune.pcode).where(Commune.pcode.startswith("ML06")).limit(WAITING))
        )
    args = [a for pcode in communes for a in ("--commune", pcode)]
    assert debates("launch", *args, "--start", str(START)).code == 0
    cycles = _cycles(domain)
    assert len(cycles) == WAITING
    for cycle in cycles.values():
        assert cycle.flow_run_id is not None
        wait_suspended(cycle.flow_run_id, "baseline-")
    # One of them waits on a session's outcome instead: its Resume form is answered in the UI.
    by_ui, *by_cli = cycles.values()
    assert by_ui.flow_run_id is not None
    for step in ("baseline", "schedule"):
        assert debates("submit", str(by_ui.id), step, "--file", _file(tmp_path, step)).code == 0
    wait_suspended(by_ui.flow_run_id, "session-1-")

    # The server `up` did not start goes away: one line, no traceback, `up` waits.
    prefect_server.stop()
    wait_in_log(up.log, "No Prefect server answers at", up.process, timeout=30)
    prefect_server.start()
    shown = wait_in_log(up.log, "answers again; serving.", up.process, timeout=30)
    assert shown.count("No Prefect server answers at") == 1  # one line a minute
    assert "Traceback" not in shown

    # All can still be resumed, from the UI's Resume form and from the CLI, and carry on.
    _session_held_in_the_resume_form(browser, prefect_server, by_ui.flow_run_id)
    baseline = _file(tmp_path, "baseline")
    for cycle in by_cli:
        submitted = debates("submit", str(cycle.id), "baseline", "--file", baseline)
        assert submitted.code == 0, submitted.err
        assert "flow run resumed" in submitted.out
    wait_suspended(by_ui.flow_run_id, "minutes-1-", timeout=240)
    for cycle in by_cli:
        assert cycle.flow_run_id is not None
        wait_suspended(cycle.flow_run_id, "schedule-", timeout=240)
    assert "Traceback" not in up.shown()
    code, _ = up.stop(signal.SIGINT)
    assert code == 0
