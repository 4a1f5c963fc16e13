"""The `cycle-admin` flow on a real Prefect server (prefect_test_harness), SQLite and PostgreSQL:
a manager's pause, resume and extension change the database as `debates pause/resume/extend` do,
are recorded as made through the Prefect UI, and come back as the run's result and artifact; a
request that does not hold together fails the run, naming the field, and changes nothing.

The `programme-report` flow (the manager's other Run form) is tested here too, on the same server
(one test server per module: starting one costs ~20 s): its files land under data/reports/, the
`debates-results` table and the markdown summary carry the tables' figures. SQLite only: the
report's queries are tested on both backends in tests/models/test_report_figures.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.admin import cycle_admin
from flows.report import programme_report
from models.audit import AuditEvent
from models.clock import utcnow
from models.cycle.cycle import get_cycle
from models.cycle.pause import open_pause
from models.views.portfolio import heading_of
from notifications.history import history
from orchestrator.artifacts import latest_artifact
from services.admin import ARTIFACT_KEY
from services.report import RESULTS_KEY, SUMMARY_KEY
from tests.cli.test_pause import dues, launch, snapshot
from tests.models.report_data import seed
from tests.prefect_workers import harness

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    with harness():
        yield


def run(**request: Any) -> Any:
    """The flow as the deployment's Run form starts it: one `request` parameter."""
    return cycle_admin(request=request, return_state=True)  # type: ignore[call-overload]


def artifact_of(state: Any) -> str:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(
                    any_=[UUID(str(state.state_details.flow_run_id))]
                )
            )
        )
    return next(str(a.data) for a in artifacts if a.key == ARTIFACT_KEY)


def test_pause_then_resume_a_cycle_through_cycle_admin(
    prefect_server: None, session: Session
) -> None:
    cycle_id = launch(session, "Diré", utcnow().date() - timedelta(days=10))
    before = dues(session, cycle_id)

    paused = run(action="pause", cycle=cycle_id, reason="route coupée")
    assert paused.is_completed(), paused.message
    result = paused.result()
    assert [c["cycle_id"] for c in result["cycles"]] == [cycle_id]
    assert result["who"].startswith("prefect-ui:")
    session.expire_all()
    pause = open_pause(session, cycle_id)
    assert pause is not None and pause.reason == "route coupée"
    assert pause.actor == result["who"]
    markdown = artifact_of(paused)
    assert "Administration des cycles : pause" in markdown and "Diré" in markdown
    assert "route coupée" in markdown
    said = history(session, cycle_id)[0]
    assert (said.channel, said.what) == ("interface Prefect", "cycle mis en pause : route coupée")
    state_key = heading_of(get_cycle(session, cycle_id)).artifact_key("state")
    shown = latest_artifact(state_key)
    assert shown is not None and "en pause : route coupée" in str(shown.data)

    resumed = run(action="resume", cycle=cycle_id)
    assert resumed.is_completed(), resumed.message
    session.expire_all()
    assert open_pause(session, cycle_id) is None
    assert dues(session, cycle_id) == before  # paused and resumed the same day: nothing moved
    assert "Administration des cycles : reprise" in artifact_of(resumed)


def test_a_region_is_paused_in_one_run_and_extend_moves_a_step(
    prefect_server: None, session: Session
) -> None:
    first = launch(session, "Gounzoureye", utcnow().date())
    second = launch(session, "Ansongo", utcnow().date())
    state = run(action="pause", region="Gao", reason="insécurité")
    assert state.is_completed(), state.message
    assert sorted(c["cycle_id"] for c in state.result()["cycles"]) == [first, second]
    session.expire_all()
    assert open_pause(session, first) is not None and open_pause(session, second) is not None
    assert run(action="resume", region="Gao").is_completed()

    before = dues(session, first)
    extended = run(action="extend", cycle=first, step="baseline", days=7, reason="hivernage")
    assert extended.is_completed(), extended.message
    moved = extended.result()["cycles"][0]
    assert moved["days"] == 7 and moved["moved"][0] == "baseline"
    session.expire_all()
    assert dues(session, first)["baseline"] == before["baseline"] + timedelta(days=7)
    assert "baseline" in artifact_of(extended)


THE_CYCLE = "the test's cycle"


@pytest.mark.parametrize(
    ("request_", "names"),
    [
        ({"action": "pause", "cycle": THE_CYCLE, "region": "Gao", "reason": "x"}, "cycle / region"),
        ({"action": "pause", "reason": "x"}, "cycle / region"),
        ({"action": "pause", "cycle": THE_CYCLE, "reason": "  "}, "reason: missing"),
        ({"action": "extend", "cycle": THE_CYCLE, "days": 3, "reason": "x"}, "step: missing"),
        (
            {"action": "extend", "cycle": THE_CYCLE, "step": "baseline", "reason": "x"},
            "days / to: give exactly one",
        ),
        (
            {"action": "extend", "cycle": THE_CYCLE, "step": "baseline", "days": 3},
            "reason: missing",
        ),
        (
            {"action": "extend", "region": "Gao", "step": "baseline", "days": 3, "reason": "x"},
            "region: extend",
        ),
        ({"action": "resume", "cycle": THE_CYCLE, "days": 3}, "days: only for extend"),
        (
            {"action": "extend", "cycle": THE_CYCLE, "step": "nowhere", "days": 3, "reason": "x"},
            "nowhere",
        ),
        ({"action": "resume", "cycle": THE_CYCLE}, "is not paused"),
        ({"action": "pause", "region": "Atlantide", "reason": "x"}, "Atlantide"),
    ],
)
def test_a_request_that_does_not_hold_together_fails_the_run_and_changes_nothing(
    prefect_server: None, session: Session, request_: dict[str, Any], names: str
) -> None:
    cycle_id = launch(session, "Diré", utcnow().date())
    request = {key: cycle_id if value == THE_CYCLE else value for key, value in request_.items()}
    before = snapshot(session)
    state = run(**request)
    assert state.is_failed()
    assert names in (state.message or ""), state.message
    assert snapshot(session) == before
    session.expire_all()
    assert not session.scalars(
        select(AuditEvent).where(AuditEvent.actor.like("prefect-ui:%"))
    ).all()


# programme-report


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_run_from_the_form_keeps_the_files_and_publishes_the_figures(
    prefect_server: None, session: Session, db_url: str, tmp_path: Path
) -> None:
    seed(session)
    session.commit()
    form: dict[str, Any] = {"period": "2026Q1", "region": "Tombouctou"}
    state = programme_report(request=form, language="en", return_state=True)  # type: ignore[call-overload]
    assert state.is_completed(), state.message
    result = state.result()
    files = {fmt: Path(path) for fmt, path in result["files"].items()}
    assert set(files) == {"json", "csv", "xlsx", "html"}
    assert {p.parent for p in files.values()} == {tmp_path / "data" / "reports"}
    assert files["html"].name == "debates-results-2026Q1-ml06.html"
    tables = json.loads(files["json"].read_text(encoding="utf-8"))["tables"]
    assert result["headline"]["sessions"]["participants"] == tables["sessions"][0]["participants"]
    table = latest_artifact(RESULTS_KEY)
    assert table is not None and table.type == "table"
    rows = json.loads(str(table.data))
    assert [r["pcode"] for r in rows] == ["ML06", "ML0602", "ML0603"]
    assert rows[0]["launched"] == 2 and rows[0]["sessions_participants"] == 70
    summary = latest_artifact(SUMMARY_KEY)
    assert summary is not None and "Programme results — Tombouctou, 2026Q1" in str(summary.data)
    assert "| Sessions below the 30 % target for women | 1 |" in str(summary.data)


def test_a_report_request_that_does_not_hold_together_fails_the_run(prefect_server: None) -> None:
    state = programme_report(  # type: ignore[call-overload]
        request={"period": "2026Q1", "start": "2026-01-01"}, return_state=True
    )
    assert state.is_failed()
    assert "not both" in str(state.message) or "not both" in repr(
        state.result(raise_on_failure=False)
    )
