"""Faults at the edge of a step, on a real Prefect server and a real serving process: a submit whose
resume found no server is resumed by the next submit, and a database refusal inside a flow-run step
is shown on the form offered again, never a failed run."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import func, select, text

from models import db
from models.cycle.cycle import Cycle
from models.stages.baseline import BaselineStudy
from models.stages.sessions import DebateSession
from orchestrator.server import free_port
from tests.e2e.conftest import CliResult, Domain, Serving, wait_suspended
from tests.e2e.test_cycle_flow import _description
from tests.flows import inputs
from tests.notifications.receivers import locked_prefect

pytestmark = pytest.mark.prefect

START = date(2026, 3, 2)

REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_sessions BEFORE INSERT ON debate_sessions "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_sessions() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'value too long (test trigger)' USING ERRCODE = '22001'; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_sessions BEFORE INSERT ON debate_sessions "
        "FOR EACH ROW EXECUTE FUNCTION refuse_sessions()",
    ],
}
ALLOW = {
    "sqlite": ["DROP TRIGGER refuse_sessions"],
    "postgresql": [
        "DROP TRIGGER refuse_sessions ON debate_sessions",
        "DROP FUNCTION refuse_sessions",
    ],
}


def _run_sql(domain: Domain, statements: list[str]) -> None:
    with db.engine_for(domain.url).begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _count(domain: Domain, model: type) -> int:
    with domain.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_step_recorded_while_prefect_was_away_is_resumed_by_the_next_submit_and_a_database_refusal_goes_back_on_the_form(  # noqa: E501
    prefect_api: str,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    serving: Callable[[Domain], Serving],
    debates: Callable[..., CliResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_domain(domain)
    serving(domain)
    assert debates("launch", "--commune", "Diré", "--start", str(START)).code == 0
    with domain.session() as s:
        cycle = s.scalars(select(Cycle).where(Cycle.commune_pcode == "ML060205")).one()
        cycle_id, run_id = cycle.id, cycle.flow_run_id
    assert run_id is not None
    wait_suspended(run_id, "baseline-")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(inputs.baseline(START)), encoding="utf-8")

    # The first submit finds no server (a real address where nothing listens): recorded only.
    away = f"http://127.0.0.1:{free_port()}/api"
    with temporary_settings(updates={PREFECT_API_URL: away}), monkeypatch.context() as env:
        env.setenv("PREFECT_API_URL", away)
        first = debates("submit", str(cycle_id), "baseline", "--file", str(baseline))
    assert first.code == 0, first.err
    assert "no Prefect server answers" in first.out
    assert _count(domain, BaselineStudy) == 1
    wait_suspended(run_id, "baseline-")  # the run still waits on the recorded step

    # A server that answers its health check but refuses the resume (500, as Prefect's SQLite
    # does under load): the sentence says so and how to go on; nothing is recorded twice.
    with locked_prefect() as locked, monkeypatch.context() as env:
        env.setenv("PREFECT_API_URL", locked)
        with temporary_settings(updates={PREFECT_API_URL: locked}):
            refused = debates("submit", str(cycle_id), "baseline", "--file", str(baseline))
    assert refused.code == 0, refused.err
    assert "could not resume its flow run (HTTP 500)" in refused.out
    assert "submit the same input again" in refused.out
    assert "Unexpected error" not in refused.out + refused.err
    assert _count(domain, BaselineStudy) == 1
    wait_suspended(run_id, "baseline-")

    # The same submit again resumes it, and says so; nothing is recorded twice.
    again = debates("submit", str(cycle_id), "baseline", "--file", str(baseline))
    assert again.code == 0, again.err
    assert "baseline was recorded already; its flow run still waited on it" in again.out
    assert "flow run resumed" in again.out
    wait_suspended(run_id, "schedule-0-0")
    assert _count(domain, BaselineStudy) == 1

    # Once the run waits elsewhere, a third submit changes nothing and touches no run.
    third = debates("submit", str(cycle_id), "baseline", "--file", str(baseline))
    assert third.code == 0 and "nothing changed" in third.err

    # The database refuses the schedule (a trigger): the form comes back with the problem.
    backend = "sqlite" if domain.url.startswith("sqlite") else "postgresql"
    _run_sql(domain, REFUSE[backend])
    resume_flow_run(run_id, run_input=inputs.schedule(START))  # type: ignore[arg-type]
    wait_suspended(run_id, "schedule-0-1")  # raises if the run ended Failed
    assert "the database refused this input" in _description(run_id)
    assert _count(domain, DebateSession) == 0
    _run_sql(domain, ALLOW[backend])
    resume_flow_run(run_id, run_input=inputs.schedule(START))  # type: ignore[arg-type]
    wait_suspended(run_id, "session-1-0-")
    assert _count(domain, DebateSession) == 2
