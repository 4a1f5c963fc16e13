"""`debates demo`: clearly fictional facilitators and cycles at every stage in one region.

Everything is recorded through the same domain functions as the CLI, before the flow runs are created:
each run then replays from the database to the step its cycle waits on, so the Prefect UI shows cycles
suspended at every stage (and one completed).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from models.clock import BAMAKO, utcnow
from models.db import session_scope
from models.facilitator_import import import_facilitators
from models.launch import LaunchReport, LaunchRequest
from models.stepflow import apply_submission, get_cycle
from models.steps import StepKind, StepName
from tasks.assignment import assign_teams_now
from tasks.launch import record_launches_now, start_runs_now

FACILITATORS = Path(__file__).with_name("demo_facilitators.csv")


def _inputs(step: str, start: date) -> dict[str, Any]:
    later = start + timedelta(days=60)
    kind = StepName.parse(step).kind
    if kind is StepKind.BASELINE:
        return {
            "completed_on": str(start + timedelta(days=12)),
            "risk_themes": ["foncier", "transhumance", "accès à l'eau"],
            "communities": ["Communauté A (fictive)", "Communauté B (fictive)"],
            "languages": ["son", "fr"],
            "participant_groups": ["women", "youth", "traditional_leaders", "herders", "farmers"],
            "summary": "Données de démonstration, fictives.",
        }
    if kind is StepKind.SCHEDULE:
        return {
            "sessions": [
                {
                    "starts_at": f"{start + timedelta(days=35 + 14 * n)}T09:00:00+00:00",
                    "venue": "Salle de la mairie",
                    "language": "son",
                }
                for n in range(2)
            ]
        }
    if kind is StepKind.SESSION:
        return {"outcome": "held"}
    if kind is StepKind.MINUTES:
        return {
            "total_participants": 40,
            "attendance": [
                {"sex": "F", "age_band": "25-59", "group": "women", "count": 15},
                {"sex": "M", "age_band": "15-24", "group": "youth", "count": 15},
                {"sex": "M", "age_band": "60+", "group": "traditional_leaders", "count": 10},
            ],
            "grievances": [{"theme": "foncier", "summary": "Exemple fictif", "sensitive": False}],
            "agreements": ["Exemple d'accord (fictif)"],
            "commitments": [
                {"party": "Mairie", "action": "Exemple", "deadline": str(later + timedelta(30))}
            ],
            "validated_by": "Secrétaire général (fictif)",
            "validated_on": str(later),
        }
    if kind is StepKind.PLAN:
        return {
            "actions": [
                {
                    "risk": "Exemple de risque (fictif)",
                    "action": "Exemple d'action",
                    "responsible_party": "Mairie",
                    "deadline": str(later + timedelta(90)),
                    "resources": "Budget communal",
                    "indicator": "Exemple d'indicateur",
                }
            ],
            "validated_by": "Comité communal de sécurité (fictif)",
            "validated_on": str(later),
        }
    return {"handed_over_at": f"{later}T10:00:00+00:00", "received_by": "Le maire (fictif)"}


def run_demo(region: str, count: int, *, who: str) -> LaunchReport:
    """Seed the demo, then create the flow runs (each replays to where its cycle waits)."""
    report = seed_demo(region, count, who=who)
    start_runs_now(report.launched, reason="launch", who=who)
    return report


def seed_demo(region: str, count: int, *, who: str) -> LaunchReport:
    """Record up to `count` cycles in `region`; cycle k is advanced through its first k steps."""
    now = utcnow()
    start = now.astimezone(BAMAKO).date() - timedelta(days=30)
    with session_scope() as session:
        import_facilitators(session, FACILITATORS, now=now)
    from models.geography import communes_in

    with session_scope() as session:
        names = [c.pcode for c in communes_in(session, region=region)][:count]
    report = record_launches_now(LaunchRequest(communes=names, start_on=start), who=who)
    assign_teams_now([r.cycle_id for r in report.launched], who=who)  # as a launch does
    for advance, run in enumerate(report.launched):
        with session_scope() as session:
            steps = [s.name for s in get_cycle(session, run.cycle_id).steps]
        for step in steps[: min(advance, len(steps))]:
            with session_scope() as session:
                apply_submission(
                    session, run.cycle_id, step, _inputs(step, start), actor=who, now=utcnow()
                )
    return report
