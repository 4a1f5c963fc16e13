"""Valid inputs for every step of a cycle, as a coordinator would fill them in (JSON-ready dicts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any


def baseline(start: date) -> dict[str, Any]:
    return {
        "completed_on": str(start),  # on launch day: a test records it at the launch's moment
        "risk_themes": ["foncier", "transhumance"],
        "communities": ["Kel Ansar", "Songhaï"],
        "languages": ["son", "taq"],
        "participant_groups": ["women", "youth", "traditional_leaders"],
        "summary": "Tensions autour des couloirs de transhumance près du fleuve.",
    }


def schedule(start: date, sessions: int = 2) -> dict[str, Any]:
    return {
        "sessions": [
            {
                "starts_at": f"{start + timedelta(days=40 + 14 * n)}T09:00:00+00:00",
                "venue": "Mairie",
                "language": "son",
            }
            for n in range(sessions)
        ]
    }


def held() -> dict[str, Any]:
    return {"outcome": "held"}


def postponed(when: date) -> dict[str, Any]:
    return {"outcome": "postponed", "reason": "crue", "new_starts_at": f"{when}T09:00:00+00:00"}


def minutes(day: date) -> dict[str, Any]:
    return {
        "total_participants": 30,
        "attendance": [
            {"sex": "F", "age_band": "25-59", "group": "women", "count": 12},
            {"sex": "M", "age_band": "15-24", "group": "youth", "count": 18},
        ],
        "grievances": [{"theme": "foncier", "summary": "Champs occupés", "sensitive": True}],
        "agreements": ["Un comité mixte des couloirs"],
        "commitments": [
            {
                "party": "Mairie",
                "action": "Baliser les couloirs",
                "deadline": str(day + timedelta(30)),
            }
        ],
        "validated_by": "Secrétaire général de mairie",
        "validated_on": str(day),
    }


def minutes_form(day: date, sensitive: int = 1) -> dict[str, Any]:
    """The same minutes as the Prefect UI's Resume form takes them (flows/inputs.MinutesInput):
    the grievances that are not sensitive typed, the `sensitive` ones counted."""
    typed = [{"theme": "eau", "summary": "Puits du quartier partagé"}]
    return minutes(day) | {"grievances": typed, "sensitive_grievances": sensitive}


def plan(day: date) -> dict[str, Any]:
    return {
        "actions": [
            {
                "risk": "Conflit agriculteurs-éleveurs",
                "action": "Baliser les couloirs",
                "responsible_party": "Mairie",
                "deadline": str(day + timedelta(60)),
                "resources": "Budget communal",
                "indicator": "Couloirs balisés",
            }
        ],
        "validated_by": "Comité communal de sécurité",
        "validated_on": str(day),
    }


def handover(day: date) -> dict[str, Any]:
    return {"handed_over_at": f"{day}T10:00:00+00:00", "received_by": "Le maire"}


def recorded_at(step: str, start: date) -> datetime:
    """When a coordinator records `step` of a cycle launched on `start`: once it is done (the
    sessions of `schedule` are held by then, and the later steps validated)."""
    if step in ("baseline", "schedule"):
        return datetime.combine(start, time(18, 0), tzinfo=UTC)
    return datetime.combine(start + timedelta(days=121), time(18, 0), tzinfo=UTC)


def visit(day: date, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A monitoring visit on `day`: item 1 under way, one land dispute, risk 3 and trust 3."""
    return {
        "visited_on": str(day),
        "items": items
        if items is not None
        else [{"item": 1, "status": "in_progress", "progress": 40, "note": "Bornes posées"}],
        "incidents": {"land_dispute": 1},
        "risk_of_violence": 3,
        "trust_in_institutions": 3,
    }


def for_form(step: str, start: date) -> dict[str, Any]:
    """The input for `step` as the Prefect UI's Resume form takes it (what `resume_flow_run` is
    given): the minutes' form counts sensitive grievances; other steps' forms take `for_step`."""
    if step.startswith("minutes-"):
        return minutes_form(start + timedelta(days=120))
    return for_step(step, start)


def for_step(step: str, start: date) -> dict[str, Any]:
    """The input for `step` of a cycle launched on `start`."""
    later = start + timedelta(days=120)
    if step == "baseline":
        return baseline(start)
    if step == "schedule":
        return schedule(start)
    if step.startswith("session-"):
        return held()
    if step.startswith("minutes-"):
        return minutes(later)
    if step == "plan":
        return plan(later)
    if step.startswith("visit-"):
        return visit(later + timedelta(days=30 * int(step.removeprefix("visit-"))))
    return handover(later)
