"""The sweep as a Prefect flow on a real server: overdue steps flagged, one event per step with its
cycle and commune, the overdue table by region, and no Apprise URL or token anywhere it writes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.events.filters import EventFilter
from prefect.logging.handlers import APILogHandler
from sqlalchemy.orm import Session

from flows.reminder_sweep import reminder_sweep
from models.cycle.cycle import Step
from models.settings import get_settings
from tasks.sweep import OVERDUE_ARTIFACT, OVERDUE_EVENT
from tests.notifications.conftest import add_person, launch, ledger, only_step
from tests.notifications.receivers import Mailbox, Webhook
from tests.prefect_workers import harness

pytestmark = pytest.mark.prefect

TOKEN = "tok3n-Ab9xQz77"
PASSWORD = "PassW0rd-s3cret"


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    with harness():
        yield


def read_everything(flow_run_id: str, run_started: float) -> dict[str, Any]:
    """Logs, artifacts, events and the run itself, as the server stores them."""
    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        logs: list[Any] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("sent" in log.message for log in logs):
            time.sleep(0.5)  # logs are shipped in batches
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[uuid.UUID(flow_run_id)]))
            )
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[uuid.UUID(flow_run_id)])
            )
        )
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[uuid.UUID(flow_run_id)]))
        )
        task_runs = client.read_task_runs()
        events: list[Any] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the server persists events asynchronously
            page = client.read_events(filter=EventFilter(), limit=50)
            found = list(page.events)
            while page.next_page and len(found) < 2000:
                page = client.read_events_page(str(page.next_page))
                found.extend(page.events)
            events = [e for e in found if e.occurred.timestamp() >= run_started - 5]
            if any(e.event == OVERDUE_EVENT for e in events) and any(
                e.event == "prefect.flow-run.Completed" for e in events
            ):
                break
            time.sleep(0.5)
    return {
        "logs": [log.model_dump(mode="json") for log in logs],
        "artifacts": [a.model_dump(mode="json") for a in artifacts],
        "runs": [r.model_dump(mode="json") for r in runs],
        "task_runs": [t.model_dump(mode="json") for t in task_runs],
        "events": [e.model_dump(mode="json") for e in events],
    }


def test_the_sweep_flow_flags_announces_tabulates_and_leaks_no_secret(
    prefect_server: None,
    session: Session,
    hook: Webhook,
    mailbox: Mailbox,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One try a channel: Hawa's broken webhook gives up at once, the message falls back to her
    # password mailto (broken too), and only then is the coordinator told; all in this one run.
    policy = tmp_path / "policy.toml"
    policy.write_text("[reminders]\nretry_limit = 1\n", encoding="utf-8")
    monkeypatch.setenv("DEBATES_POLICY_FILE", str(policy))
    get_settings.cache_clear()
    secret_hook = hook.url(f"hooks/{TOKEN}")
    failing_hook = hook.url(f"fail/{TOKEN}")
    secret_mail = f"mailto://debates:{PASSWORD}@127.0.0.1:{mailbox.port}?to=z@example.org"
    add_person(session, "Oumar Coord", role="coordinator", regions=["ML06"], contacts=[secret_hook])
    hawa = add_person(session, "Hawa Fail", contacts=[failing_hook, secret_mail])
    cycle = launch(session, "Diré")
    step = only_step(session, cycle, "session-1")
    step.facilitator_id = hawa.id
    session.flush()
    now = step.due_at + timedelta(days=4)
    started = time.time()

    state = reminder_sweep(now=now, reconcile_runs=False, return_state=True)
    result = state.result()
    flow_run_id = str(state.state_details.flow_run_id)

    assert result["newly_overdue"] == 1
    assert result["failed"] == 4  # assignment and overdue, on each of her two broken channels
    told = [r for r in hook.received if r["title"].startswith("Injoignable")]
    assert len(told) == 2  # once per message, after her last channel
    assert result["sent"] >= 1  # the escalation to the coordinator
    session.expire_all()
    flagged = session.get_one(Step, step.id)
    assert (flagged.status, flagged.escalation_level) == ("overdue", 1)
    assert any(r["title"].startswith("Escalade") for r in hook.received)

    stored = read_everything(flow_run_id, started)
    overdue_events = [e for e in stored["events"] if e["event"] == OVERDUE_EVENT]
    assert len(overdue_events) == 1
    event = overdue_events[0]
    assert event["resource"]["prefect.resource.id"] == f"debates.step.{step.id}"
    related = {r["prefect.resource.role"]: r["prefect.resource.id"] for r in event["related"]}
    assert related["cycle"] == f"debates.cycle.{cycle.id}"
    assert related["commune"] == "debates.commune.ML060205"
    table = next(a for a in stored["artifacts"] if a["key"] == OVERDUE_ARTIFACT)
    rows = json.loads(table["data"])
    assert [(r["region"], r["commune"], r["step"]) for r in rows] == [
        ("Tombouctou", "Diré", "session-1")
    ]

    errors = [n.last_error or "" for n in ledger(session)]
    console = capfd.readouterr()
    haystack = json.dumps(stored, ensure_ascii=False) + "".join(errors) + console.out + console.err
    assert "not delivered" in haystack  # the failures were logged ...
    for secret in (TOKEN, PASSWORD, secret_hook, failing_hook, secret_mail):
        assert secret not in haystack  # ... without their URL or token
