"""Input schemas make the checks a field worker would make, naming the field and the fix."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from models.csvfile import problems
from models.stages.baseline import BaselineSubmission
from models.stages.minutes import MinutesSubmission
from models.stages.safety_plan import HandoverSubmission, SafetyPlanSubmission
from models.stages.sessions import ScheduleSubmission, SessionOutcome


def _errors(model: Any, data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return "; ".join(f"{where}: {what}" for where, what in problems(caught.value))


def test_a_session_date_without_timezone_is_refused_with_the_fix() -> None:
    message = _errors(
        ScheduleSubmission,
        {
            "sessions": [
                {"starts_at": "2026-04-13T09:00", "venue": "Mairie de Diré", "language": "son"}
            ]
        },
    )
    assert "field sessions.0.starts_at: '2026-04-13T09:00:00' has no timezone" in message
    assert "+00:00" in message


def test_sessions_are_stored_in_utc_and_languages_by_code() -> None:
    plan = ScheduleSubmission.model_validate(
        {
            "sessions": [
                {"starts_at": "2026-04-13T09:00+01:00", "venue": "Mairie", "language": "Songhai"}
            ]
        }
    )
    assert plan.sessions[0].starts_at == datetime(2026, 4, 13, 8, 0, tzinfo=UTC)
    assert plan.sessions[0].language == "son"


def test_sessions_out_of_order_are_refused() -> None:
    message = _errors(
        ScheduleSubmission,
        {
            "sessions": [
                {"starts_at": "2026-04-20T09:00Z", "venue": "Mairie", "language": "fr"},
                {"starts_at": "2026-04-13T09:00Z", "venue": "École", "language": "fr"},
            ]
        },
    )
    assert "session 2 starts before or with session 1" in message


def test_a_postponed_session_needs_a_reason_and_a_new_date() -> None:
    assert "needs a reason" in _errors(SessionOutcome, {"outcome": "postponed"})
    assert "needs new_starts_at" in _errors(
        SessionOutcome, {"outcome": "postponed", "reason": "pluies"}
    )
    ok = SessionOutcome.model_validate(
        {"outcome": "postponed", "reason": "pluies", "new_starts_at": "2026-04-20T09:00Z"}
    )
    assert ok.new_starts_at == datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


def _minutes(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "total_participants": 30,
        "attendance": [
            {"sex": "F", "age_band": "15-24", "group": "youth", "count": 12},
            {"sex": "M", "age_band": "60+", "group": "traditional_leaders", "count": 18},
        ],
        "grievances": [{"theme": "foncier", "summary": "limites de champs", "sensitive": True}],
        "agreements": ["Comité mixte de gestion des couloirs de transhumance"],
        "commitments": [
            {"party": "Mairie", "action": "réunir le comité", "deadline": "2026-05-30"}
        ],
        "validated_by": "Secrétaire général de la mairie",
        "validated_on": "2026-04-15",
    }
    data.update(changes)
    return data


def test_minutes_whose_counts_do_not_add_up_are_refused() -> None:
    assert MinutesSubmission.model_validate(_minutes()).total_participants == 30
    message = _errors(MinutesSubmission, _minutes(total_participants=31))
    assert "attendance counts add up to 30, not total_participants 31" in message


def test_minutes_listing_a_combination_twice_are_refused() -> None:
    row = {"sex": "F", "age_band": "15-24", "group": "youth", "count": 15}
    message = _errors(MinutesSubmission, _minutes(attendance=[row, row]))
    assert "attendance lists F/15-24/youth twice" in message


def test_a_commitment_needs_an_owner_and_a_deadline() -> None:
    message = _errors(MinutesSubmission, _minutes(commitments=[{"action": "réunir le comité"}]))
    assert "field commitments.0.party: Field required" in message
    assert "field commitments.0.deadline: Field required" in message


def test_a_commitment_due_before_the_minutes_is_refused() -> None:
    message = _errors(
        MinutesSubmission,
        _minutes(commitments=[{"party": "Mairie", "action": "x", "deadline": "2026-04-01"}]),
    )
    assert "commitment 1 (Mairie) is due 2026-04-01, before the minutes were validated" in message


def test_a_plan_action_needs_a_responsible_party() -> None:
    action = {
        "risk": "vol de bétail",
        "action": "patrouilles mixtes",
        "deadline": "2026-09-01",
        "resources": "2 motos",
        "indicator": "nombre de vols signalés",
    }
    message = _errors(
        SafetyPlanSubmission,
        {
            "actions": [action],
            "validated_by": "Comité communal de sécurité",
            "validated_on": "2026-06-01",
        },
    )
    assert "field actions.0.responsible_party: Field required" in message


def test_baseline_needs_languages_the_project_knows() -> None:
    data = {
        "completed_on": "2026-03-20",
        "risk_themes": ["foncier"],
        "communities": ["Peuls"],
        "languages": ["Tamasheq", "elvish"],
        "participant_groups": ["women"],
        "summary": "…",
    }
    assert "field languages.1: unknown language 'elvish'" in _errors(BaselineSubmission, data)
    data["languages"] = ["Tamasheq", "ff"]
    assert BaselineSubmission.model_validate(data).languages == ["taq", "ff"]
    assert BaselineSubmission.model_validate(data).completed_on == date(2026, 3, 20)


def test_handover_time_needs_a_timezone() -> None:
    message = _errors(
        HandoverSubmission, {"handed_over_at": "2026-06-10T10:00", "received_by": "Maire"}
    )
    assert "field handed_over_at:" in message
    assert "has no timezone" in message
