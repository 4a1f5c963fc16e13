"""`debates submit` before any Prefect server is involved: templates, validation, the waiting step."""

from __future__ import annotations

from datetime import UTC, date, datetime

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.stepflow import parse_submission
from models.geography.places import resolve_commune
from models.policy import CyclePolicy
from models.stages.baseline import BaselineStudy

START = date(2026, 3, 2)


def _cycle(session: Session) -> Cycle:
    cycle = launch_cycle(
        session,
        resolve_commune(session, "Diré"),
        start_on=START,
        policy=CyclePolicy(),
        actor="c",
        now=datetime(2026, 3, 2, tzinfo=UTC),
    )
    session.commit()
    return cycle


def test_template_is_yaml_that_names_every_field_with_its_description(debates) -> None:  # type: ignore[no-untyped-def]
    result = debates("submit", "1", "minutes-1", "--template")
    assert result.code == 0
    assert "# Présence par sexe x âge x groupe" in result.out
    data = yaml.safe_load(result.out)
    assert set(data) == {
        "total_participants",
        "attendance",
        "grievances",
        "agreements",
        "commitments",
        "validated_by",
        "validated_on",
    }


def test_filled_template_for_a_session_validates(debates) -> None:  # type: ignore[no-untyped-def]
    out = debates("submit", "1", "session-1", "--template").out
    assert parse_submission("session-1", yaml.safe_load(out)).outcome == "held"  # type: ignore[attr-defined]


def test_invalid_input_prints_each_field_and_records_nothing(debates, session: Session) -> None:  # type: ignore[no-untyped-def]
    cycle = _cycle(session)
    result = debates(
        "submit", str(cycle.id), "baseline", "--set", "completed_on=2026-02-30", "--set", "summary="
    )
    assert result.code == 1
    assert "field completed_on" in result.err
    assert "field risk_themes" in result.err
    assert session.scalar(select(func.count()).select_from(BaselineStudy)) == 0


def test_submit_for_a_step_not_waiting_says_which_step_waits(debates, session: Session) -> None:  # type: ignore[no-untyped-def]
    cycle = _cycle(session)
    result = debates("submit", str(cycle.id), "session-1", "--set", "outcome=held")
    assert result.code == 1
    assert "waiting on step 'baseline'" in result.err


def test_unknown_step_lists_the_steps(debates) -> None:  # type: ignore[no-untyped-def]
    result = debates("submit", "1", "sesion-1", "--template")
    assert result.code == 1
    assert "baseline, schedule, session-N" in result.err


def test_cycles_json_is_a_list_with_the_documented_keys(debates, session: Session) -> None:  # type: ignore[no-untyped-def]
    import json

    cycle = _cycle(session)
    rows = json.loads(debates("cycles", "--json").out)
    row = next(r for r in rows if r["id"] == cycle.id)
    assert row["commune_pcode"] == "ML060205"
    assert row["waiting_step"] == "baseline"
    assert row["due_bamako"] == "2026-03-23 18:00"
    shown = json.loads(debates("show", str(cycle.id), "--json").out)
    assert [s["name"] for s in shown["steps"]][:2] == ["baseline", "schedule"]


def test_cancel_stops_the_cycle_with_the_reason_and_cancels_its_steps(
    debates, session: Session
) -> None:  # type: ignore[no-untyped-def]
    cycle = _cycle(session)
    result = debates("cancel", str(cycle.id), "--reason", "insécurité persistante")
    assert result.code == 0, result.err
    session.expire_all()
    assert cycle.status == "cancelled"
    assert cycle.close_reason == "insécurité persistante"
    assert {s.status for s in cycle.steps} == {"cancelled"}
    again = debates("cancel", str(cycle.id), "--reason", "encore")
    assert "nothing changed" in again.out
