"""Artifacts on a real Prefect server: progress updated in place, no new version on a replay,
the portfolio table (published by a launch too), the document files the tasks store, and keys and
descriptions that say which commune each artifact is about."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import prefect.runtime.flow_run
import pytest
from prefect import flow, get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy.orm import Session

from models.clock import utcnow
from models.cycle.status import set_step_status
from models.cycle.transitions import StepStatus
from models.db import session_scope
from models.settings import get_settings
from services.views import PORTFOLIO_KEY
from tasks.artifacts import refresh_cycle_view, refresh_portfolio
from tasks.documents import publish_documents, publish_minutes, publish_safety_plan
from tests.notifications.documents_data import add_minutes, add_safety_plan, ngara_cycle
from tests.prefect_workers import harness

pytestmark = pytest.mark.prefect

NGARA = "cycle-n-gara-ml040107-1"  # N'gara's first cycle: the apostrophe becomes a dash


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    with harness():
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
        from models.cycle.cycle import Cycle

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
    progress = artifacts(f"{NGARA}-progress", run_id)
    assert len(progress) == 1  # one per flow run, updated in place
    assert progress[0].data == 16.7  # 1 of 6 stages (the follow-up counts)
    assert "1/6" in progress[0].description
    states = artifacts(f"{NGARA}-state", run_id)
    assert len(states) == 2  # the replay published nothing new; the stage change did
    latest = max(states, key=lambda a: a.created)
    assert "**Avancement : 1/6 étapes terminées**" in latest.data
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
    minutes = artifacts(f"{NGARA}-minutes-1", run_id)
    assert len(minutes) == 1
    assert "sensible — voir le coordinateur" in minutes[0].data
    assert "Exactions de 2013" not in minutes[0].data
    assert "Local safety plan" in artifacts(f"{NGARA}-safety-plan", run_id)[0].data

    @flow
    def view(cycle_id: int) -> None:
        refresh_cycle_view(cycle_id)

    view(cycle.id)
    state = max(artifacts(f"{NGARA}-state"), key=lambda a: a.created).data
    assert f"[voir dans Prefect](/artifacts/key/{NGARA}-minutes-1)" in state
    assert f"(/artifacts/key/{NGARA}-safety-plan)" in state


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


def test_a_cycles_artifacts_name_its_commune_cercle_region_cycle_and_stage(
    prefect_server: None, session: Session
) -> None:
    cycle = ngara_cycle(session, commune="ML060205")  # Diré: an accent the key must drop
    add_minutes(session, cycle)
    add_safety_plan(session, cycle)
    session.commit()

    @flow
    def publish(cycle_id: int) -> str:
        refresh_cycle_view(cycle_id)
        publish_minutes(cycle_id, 1)
        publish_safety_plan(cycle_id, language="en")
        return str(prefect.runtime.flow_run.id)

    run_id = publish(cycle.id)
    described = {
        key: artifacts(key, run_id)[0].description
        for key in (
            "cycle-dire-ml060205-1-state",
            "cycle-dire-ml060205-1-progress",
            "cycle-dire-ml060205-1-minutes-1",
            "cycle-dire-ml060205-1-safety-plan",
            "cycle-dire-ml060205-1-history",
        )
    }
    place = "Diré (cercle de Dire, région de Tombouctou) — cycle n° 1"
    assert described == {
        "cycle-dire-ml060205-1-state": f"{place} : étude de base · état du cycle",
        "cycle-dire-ml060205-1-progress": f"{place} : étude de base · 0/6 étapes terminées",
        "cycle-dire-ml060205-1-minutes-1": f"{place} · procès-verbal de la séance n° 1",
        "cycle-dire-ml060205-1-safety-plan": (
            "Diré (Dire cercle, Tombouctou region) — cycle 1 · local safety plan"
        ),
        "cycle-dire-ml060205-1-history": f"{place} · historique, le plus récent en premier",
    }
    (trail,) = artifacts("cycle-dire-ml060205-1-history", run_id)
    assert "cycle lancé" in trail.data and trail.data.startswith("# Historique — ")

    @flow
    def next_stage(cycle_id: int) -> str:
        finish_baseline(cycle_id)
        refresh_cycle_view(cycle_id)
        return str(prefect.runtime.flow_run.id)

    (state,) = artifacts("cycle-dire-ml060205-1-state", next_stage(cycle.id))
    assert state.description == f"{place} : programmation · état du cycle"


def test_same_named_communes_get_distinct_artifact_keys(
    prefect_server: None, session: Session
) -> None:
    from models.cycle.launch import launch_cycle
    from models.geography.places import Commune
    from models.policy import CyclePolicy

    ids = {}
    for pcode in ("ML060314", "ML070107"):  # Tilemsi of Goundam (Tombouctou), Tilemsi of Gao
        commune = session.get(Commune, pcode)
        assert commune is not None and commune.name == "Tilemsi"
        launched = launch_cycle(
            session,
            commune,
            start_on=utcnow().date(),
            policy=CyclePolicy(),
            actor="t",
            now=utcnow(),
        )
        ids[pcode] = launched.id
    session.commit()

    @flow
    def views(cycle_ids: list[int]) -> str:
        for cycle_id in cycle_ids:
            refresh_cycle_view(cycle_id)
        return str(prefect.runtime.flow_run.id)

    views(list(ids.values()))
    # The latest of each key (a second backend's identical state is not published again).
    goundam = max(artifacts("cycle-tilemsi-ml060314-1-state"), key=lambda a: a.created)
    gao = max(artifacts("cycle-tilemsi-ml070107-1-state"), key=lambda a: a.created)
    assert goundam.description.startswith("Tilemsi (cercle de Goundam, région de Tombouctou)")
    assert gao.description.startswith("Tilemsi (cercle de Gao, région de Gao)")
    assert "(ML060314)" in goundam.data and "(ML070107)" in gao.data


def test_a_cli_launch_publishes_the_portfolio_before_any_sweep(
    prefect_server: None,
    session: Session,
    debates: Any,
) -> None:
    from sqlalchemy import select

    from deployments.serve import apply_deployments
    from models.cycle.cycle import Cycle

    apply_deployments()  # registered, not served: the runs stay Scheduled, which is all we need
    before = utcnow()
    launched = debates("launch", "--commune", "Diré", "--start", "2026-03-02")
    assert launched.code == 0, launched.err
    cycle_id = session.scalars(select(Cycle.id).where(Cycle.commune_pcode == "ML060205")).one()

    latest = max(artifacts(PORTFOLIO_KEY), key=lambda a: a.created)
    assert latest.created >= before  # this launch's, not an earlier test's
    assert latest.flow_run_id is None  # by the CLI itself, not by a flow run or a sweep
    rows = json.loads(latest.data)
    assert [(r["commune"], r["cycle_id"], r["stage"]) for r in rows] == [
        ("Diré", cycle_id, "baseline")
    ]
    assert latest.description == "Portefeuille : 1 cycle actif — Tombouctou : 1"


def test_the_item_tracker_shows_what_each_item_answers_a_sensitive_grievance_by_number(
    prefect_server: None, session: Session
) -> None:
    from datetime import UTC, datetime

    from models.followup.items import create_items

    cycle = ngara_cycle(session)
    add_minutes(session, cycle)
    add_safety_plan(session, cycle, answers=True)
    create_items(session, cycle, now=datetime(2026, 4, 17, 12, 0, tzinfo=UTC))
    session.commit()

    @flow
    def watch(cycle_id: int) -> str:
        refresh_cycle_view(cycle_id)
        return str(prefect.runtime.flow_run.id)

    run_id = watch(cycle.id)
    [table] = artifacts(f"{NGARA}-items", run_id)
    rows = json.loads(table.data)
    assert [row["answers"] for row in rows] == [
        "1.1 Accès à l'eau · 1.2 (sensible)",
        "",
        "",
        "",
    ]
    assert "Exactions" not in table.data


def test_steps_recorded_together_while_no_run_followed_all_get_their_documents(
    prefect_server: None, session: Session
) -> None:
    from models.cycle.cycle import Cycle
    from models.cycle.document import documents_of
    from tasks.documents import publish_missing_documents

    cycle = ngara_cycle(session, commune="ML060205")
    add_minutes(session, cycle, 1)
    add_minutes(session, cycle, 2)
    add_safety_plan(session, cycle, handed_over=False)
    session.commit()
    with session_scope() as s:
        steps = s.get_one(Cycle, cycle.id).steps
        for step in [s_ for s_ in steps if s_.name in ("minutes-1", "minutes-2", "plan")]:
            set_step_status(s, step, StepStatus.ACTIVE, actor="t", now=utcnow())
            set_step_status(s, step, StepStatus.DONE, actor="t", now=utcnow())

    @flow
    def catch_up(cycle_id: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        return publish_missing_documents(cycle_id), publish_missing_documents(cycle_id)

    first, again = catch_up(cycle.id)
    assert sorted(p["html"].rsplit("/", 1)[1] for p in first) == [
        "minutes-1.fr.html",
        "minutes-2.fr.html",
        "safety_plan.fr.html",
    ]
    assert again == []  # every document stored: nothing to do
    session.expire_all()
    assert {(d.kind, d.session_number) for d in documents_of(session, cycle.id)} == {
        ("minutes", 1),
        ("minutes", 2),
        ("safety_plan", 0),
    }
