"""`debates submit N visit-N` (template and file) and `debates actions`, on a cycle past its handover."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cycle.stepflow import apply_submission
from models.followup.items import items_of
from models.stages.follow_up import MonitoringVisit, VisitSubmission
from tests.flows import inputs
from tests.models.test_follow_up import AFTER, add_office_holder, through_handover


def test_a_visit_template_lists_each_item_with_its_status_and_validates(  # type: ignore[no-untyped-def]
    debates, session: Session
) -> None:
    add_office_holder(session, "Tombouctou", "mayor", "Hamadoun Touré")
    cycle = through_handover(session)
    session.commit()
    shown = debates("submit", str(cycle.id), "visit-1", "--template")
    assert shown.code == 0, shown.err
    assert "# 1. Baliser les couloirs · Hamadoun Touré" in shown.out
    assert "now planned 0%" in shown.out
    data = yaml.safe_load(shown.out)
    assert [item["item"] for item in data["items"]] == [1, 2, 3]
    assert data["items"][0]["status"] == "planned"


def test_the_next_visits_template_keeps_a_dropped_items_reason_and_validates(  # type: ignore[no-untyped-def]
    debates, session: Session
) -> None:
    cycle = through_handover(session)
    dropped = [{"item": 3, "status": "dropped", "progress": 0, "reason": "Remplacé: l'action 1"}]
    apply_submission(
        session,
        cycle.id,
        "visit-1",
        inputs.visit(date(2026, 10, 1), dropped),
        actor="coord",
        now=AFTER,
    )
    session.commit()
    shown = debates("submit", str(cycle.id), "visit-2", "--template")
    assert shown.code == 0, shown.err
    assert "now dropped 0%" in shown.out
    data = yaml.safe_load(shown.out) | {"risk_of_violence": 3, "trust_in_institutions": 3}
    submission = VisitSubmission.model_validate(data)
    assert [(u.item, u.status, u.reason) for u in submission.items][2] == (
        3,
        "dropped",
        "Remplacé: l'action 1",
    )


def test_a_visit_from_a_file_updates_the_items_and_the_ratings(  # type: ignore[no-untyped-def]
    debates, session: Session, tmp_path: Path
) -> None:
    cycle = through_handover(session)
    session.commit()
    data = {
        "visited_on": "2026-10-01",
        "items": [
            {"item": 1, "status": "in_progress", "progress": 50, "note": "Bornes posées"},
            {"item": 3, "status": "dropped", "progress": 0, "reason": "Remplacé par l'action 1"},
        ],
        "incidents": {"livestock_theft": 2},
        "risk_of_violence": 2,
        "trust_in_institutions": 4,
    }
    file = tmp_path / "visit.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    done = debates("submit", str(cycle.id), "visit-1", "--file", str(file))
    assert done.code == 0, done.err
    first, second, third = items_of(session, cycle.id)
    assert (first.status, first.progress, second.status, third.status) == (
        "in_progress",
        50,
        "planned",
        "dropped",
    )
    visit = session.scalar(select(MonitoringVisit).where(MonitoringVisit.cycle_id == cycle.id))
    assert visit is not None
    assert (visit.visited_on, visit.risk_of_violence, visit.trust_in_institutions) == (
        date(2026, 10, 1),
        2,
        4,
    )
    assert visit.incidents == {"livestock_theft": 2}


def test_a_dropped_item_without_reason_is_refused_and_nothing_changes(  # type: ignore[no-untyped-def]
    debates, session: Session
) -> None:
    cycle = through_handover(session)
    session.commit()
    refused = debates(
        "submit",
        str(cycle.id),
        "visit-1",
        "--set",
        "visited_on=2026-10-01",
        "--set",
        "risk_of_violence=3",
        "--set",
        "trust_in_institutions=3",
        "--set",
        "items=[{item: 1, status: dropped, progress: 0}]",
    )
    assert refused.code == 1
    assert "reason" in refused.err
    assert session.scalar(select(MonitoringVisit)) is None
    assert items_of(session, cycle.id)[0].status == "planned"


def test_actions_filter_by_cycle_commune_region_and_overdue(  # type: ignore[no-untyped-def]
    debates, session: Session
) -> None:
    timbuktu = through_handover(session, "Tombouctou")
    gao = through_handover(session, "Gao")
    session.commit()
    every = json.loads(debates("actions", "--json").out)
    assert {row["cycle"] for row in every} == {timbuktu.id, gao.id}
    one = json.loads(debates("actions", "--cycle", str(gao.id), "--json").out)
    assert {row["cycle"] for row in one} == {gao.id} and len(one) == 3
    by_commune = json.loads(debates("actions", "--commune", "Tombouctou", "--json").out)
    assert {row["commune"] for row in by_commune} == {"Tombouctou"}
    by_region = json.loads(debates("actions", "--region", "Gao", "--json").out)
    assert {row["cycle"] for row in by_region} == {gao.id}
    late = json.loads(debates("actions", "--overdue", "--json").out)  # deadlines were in 2026
    assert len(late) == 6 and all(row["overdue"] for row in late)
    table = debates("actions", "--cycle", str(timbuktu.id))
    assert table.code == 0 and "Baliser les couloirs" in table.out
