"""Artifacts on a real Prefect server: progress updated in place, no new version on a replay,
the portfolio table, and the document files the tasks store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import prefect.runtime.flow_run
import pytest
from prefect import flow, get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy.orm import Session

from models.clock import utcnow
from models.cycle import set_step_status
from models.db import session_scope
from models.settings import get_settings
from models.transitions import StepStatus
from tasks.artifacts import PORTFOLIO_KEY, refresh_cycle_view, refresh_portfolio
from tasks.documents import publish_documents, publish_minutes, publish_safety_plan
from tests.notifications.documents_data import add_minutes, add_safety_plan, ngara_cycle

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=180):
        yield


def artifacts(key: str, flow_run_id: str | None = None) -> list[Any]:
    """Artifacts of `key` (of one flow run): the backends' cycle ids meet on one Prefect server."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    return [a for a in found if flow_run_id is None or str(a.flow_run_id) == flow_run_id]


def finish_baseline(cycle_id: int) -> None:
    with session_scope() as session:
        from models.cycle import Cycle

        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        step = cycle.step("baseline")
        set_step_status(session, step, StepStatus.ACTIVE, actor="t", now=utcnow())
        set_step_status(session, step, StepStatus.DONE, actor="t", now=utcnow())


def test_progress_is_updated_in_place_and_state_republished_only_when_it_changes(
    prefect_server: None, session: Session
) -> None:
    cycle = ngara_cycle(session)
    session.commit()

    @flow
    def watch(cycle_id: int) -> tuple[str, list[dict[str, Any]]]:
        views = [refresh_cycle_view(cycle_id), refresh_cycle_view(cycle_id)]  # a replay
        finish_baseline(cycle_id)
        views.append(refresh_cycle_view(cycle_id))
        return str(prefect.runtime.flow_run.id), views

    run_id, views = watch(cycle.id)
    assert [v["stages_done"] for v in views] == [0, 0, 1]
    assert views[2]["waiting_step"] == "schedule"
    progress = artifacts(f"cycle-{cycle.id}-progress", run_id)
    assert len(progress) == 1  # one per flow run, updated in place
    assert progress[0].data == 20.0
    assert "1/5" in progress[0].description
    states = artifacts(f"cycle-{cycle.id}-state", run_id)
    assert len(states) == 2  # the replay published nothing new; the stage change did
    latest = max(states, key=lambda a: a.created)
    assert "**Avancement : 1/5 étapes terminées**" in latest.data
    assert "Aïssata Traoré" in latest.data


def test_documents_are_stored_once_and_published_once(
    prefect_server: None, session: Session
) -> None:
    cycle = ngara_cycle(session)
    add_minutes(session, cycle)
    add_safety_plan(session, cycle)
    session.commit()

    @flow
    def publish(cycle_id: int) -> tuple[str, list[dict[str, str]]]:
        return str(prefect.runtime.flow_run.id), [
            publish_minutes(cycle_id, 1),
            *publish_documents(cycle_id, "minutes-1"),  # what the flow calls: a replay here
            publish_safety_plan(cycle_id, language="en"),
        ]

    run_id, (first, again, plan) = publish(cycle.id)
    assert (
        first
        == again
        == {
            "html": f"documents/cycle-{cycle.id}/minutes-1.fr.html",
            "md": f"documents/cycle-{cycle.id}/minutes-1.fr.md",
        }
    )
    data_dir = get_settings().data_dir
    assert (data_dir / plan["html"]).read_text("utf-8").startswith("<!DOCTYPE html>")
    minutes = artifacts(f"cycle-{cycle.id}-minutes-1", run_id)
    assert len(minutes) == 1
    assert "sensible — voir le coordinateur" in minutes[0].data
    assert "Exactions de 2013" not in minutes[0].data
    assert "Local safety plan" in artifacts(f"cycle-{cycle.id}-safety-plan", run_id)[0].data

    @flow
    def view(cycle_id: int) -> None:
        refresh_cycle_view(cycle_id)

    view(cycle.id)
    state = max(artifacts(f"cycle-{cycle.id}-state"), key=lambda a: a.created).data
    assert f"[voir dans Prefect](/artifacts/key/cycle-{cycle.id}-minutes-1)" in state
    assert f"(/artifacts/key/cycle-{cycle.id}-safety-plan)" in state


def test_portfolio_table_lists_every_active_cycle(prefect_server: None, session: Session) -> None:
    cycle = ngara_cycle(session)
    session.commit()

    @flow
    def sweep() -> tuple[str, int]:
        return str(prefect.runtime.flow_run.id), refresh_portfolio()

    run_id, count = sweep()
    assert count >= 1
    (table,) = artifacts(PORTFOLIO_KEY, run_id)
    rows = json.loads(table.data)
    row = next(r for r in rows if r["cycle_id"] == cycle.id)
    assert (row["region"], row["cercle"], row["commune"]) == ("Ségou", "Barouéli", "N'gara")
    assert (row["stage"], row["waiting_step"]) == ("baseline", "baseline")
