"""`debates demo`: clearly fictional facilitators and cycles at every stage in one region.

The demo works in a workspace of its own (models.settings.use_workspace("demo"): a SQLite database
and documents under `<data_dir>/demo/`), never in the coordinators' database, and its flow runs are
named `demo-cycle-…` and tagged `demo`. Everything is recorded through the same domain functions as
the CLI, before the flow runs are created: each run then replays from the database to the step its
cycle waits on, so the Prefect UI shows cycles suspended at every stage (and one completed).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from models.clock import BAMAKO, utcnow
from models.cycle.cycle import Cycle, get_cycle
from models.cycle.launch import LaunchReport, LaunchRequest
from models.cycle.stepflow import apply_submission
from models.cycle.steps import StepKind, StepName
from models.cycle.transitions import CycleStatus
from models.db import engine_for, session_scope
from models.people.facilitator import Facilitator
from models.people.facilitator_file import import_facilitators
from models.settings import DEMO, get_settings
from orchestrator.demo_runs import Promise
from services.launch import assign_teams, record_launches, start_runs
from services.reconcile import Restarted, reconcile

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
    if kind is StepKind.VISIT:
        return {
            "visited_on": str(start + timedelta(days=30)),  # today: a visit is never in the future
            "items": [{"item": 1, "status": "in_progress", "progress": 50, "note": "Exemple"}],
            "incidents": {"land_dispute": 1},
            "risk_of_violence": 3,
            "trust_in_institutions": 4,
        }
    return {"handed_over_at": f"{later}T10:00:00+00:00", "received_by": "Le maire (fictif)"}


def _done_at(step: str, start: date) -> datetime:
    """When `step` is done in the demo's fiction, which runs into the coming weeks: a session is
    held on its day; minutes, plan and handover are validated on `_inputs`' later day.
    A step is recorded then (or now, if later), as the chronology checks require."""
    name = StepName.parse(step)
    if name.kind is StepKind.BASELINE or name.kind is StepKind.SCHEDULE:
        day = start + timedelta(days=13)
    elif name.kind is StepKind.SESSION:
        day = start + timedelta(days=35 + 14 * ((name.number or 1) - 1))
    else:
        day = start + timedelta(days=60)
    return datetime.combine(day, time(12, 0), tzinfo=BAMAKO)


@dataclass(frozen=True)
class DemoRun:
    seeded: LaunchReport | None
    """None when the workspace held cycles already: a second demo seeds nothing."""
    cycles: int
    restarted: list[Restarted]
    """Lost runs of the demo's active cycles started again (reconcile, demo workspace only)."""


def _require_demo_workspace() -> None:
    # Everything below writes fictional people or deletes a folder: never in the main workspace.
    if get_settings().workspace != DEMO:
        raise RuntimeError("the demo runs only in the demo workspace (use_workspace('demo'))")


def run_demo(region: str, count: int, *, who: str) -> DemoRun:
    """Seed the demo when its workspace holds no cycle, create the flow runs (each replays to
    where its cycle waits), and restart the lost runs of the demo's active cycles."""
    _require_demo_workspace()
    with session_scope(readonly=True) as session:
        existing = session.scalar(select(func.count(Cycle.id))) or 0
    report = None
    if not existing:
        report = seed_demo(region, count, who=who)
        start_runs(report.launched, reason="launch", who=who)
    restarted = reconcile(who=who).restarted
    return DemoRun(
        seeded=report,
        cycles=existing or len(report.launched if report else []),
        restarted=restarted,
    )


def promises() -> list[Promise]:
    """Where each demo cycle's run should be, by the database: suspended on the step the cycle
    waits on, or Completed. Cancelled cycles promise nothing."""
    with session_scope(readonly=True) as session:
        cycles = session.scalars(
            select(Cycle).where(Cycle.status != CycleStatus.CANCELLED).order_by(Cycle.id)
        )
        found = []
        for cycle in cycles:
            step = cycle.waiting_step() if cycle.status == CycleStatus.ACTIVE else None
            found.append(
                Promise(
                    cycle_id=cycle.id,
                    commune=cycle.area_name,
                    stage=step.stage if step else cycle.status,
                    step=step.name if step else None,
                    flow_run_id=cycle.flow_run_id,
                )
            )
        return found


@dataclass(frozen=True)
class DemoData:
    folder: Path
    cycles: int
    people: int


def remove_demo_data() -> DemoData | None:
    """Delete the demo's workspace folder (database and documents); what it held, None if none."""
    _require_demo_workspace()
    settings = get_settings()
    folder = settings.data_dir
    if not folder.exists():
        return None
    database = folder / "debates.sqlite3"
    cycles = people = 0
    if database.exists():
        with session_scope(readonly=True) as session:
            cycles = session.scalar(select(func.count(Cycle.id))) or 0
            people = session.scalar(select(func.count(Facilitator.id))) or 0
    engine_for(settings.resolved_database_url()).dispose()  # no open file left in the folder
    shutil.rmtree(folder)
    return DemoData(folder, cycles, people)


def seed_demo(region: str, count: int, *, who: str) -> LaunchReport:
    """Record up to `count` cycles in `region`; cycle k is advanced through its first k steps, and
    one advanced through every planned step goes on through its follow-up visits to the end."""
    now = utcnow()
    start = now.astimezone(BAMAKO).date() - timedelta(days=30)
    with session_scope() as session:
        import_facilitators(session, FACILITATORS, now=now)
    from models.geography.places import communes_in

    with session_scope() as session:
        names = [c.pcode for c in communes_in(session, region=region)][:count]
    report = record_launches(LaunchRequest(communes=names, start_on=start), who=who)
    assign_teams([r.cycle_id for r in report.launched], who=who)  # as a launch does
    for advance, run in enumerate(report.launched):
        with session_scope() as session:
            planned = len(get_cycle(session, run.cycle_id).steps)
        for _ in range(advance if advance < planned else planned + 12):
            with session_scope() as session:
                waiting = get_cycle(session, run.cycle_id).waiting_step()
                if waiting is None:
                    break
                step = waiting.name
                apply_submission(
                    session,
                    run.cycle_id,
                    step,
                    _inputs(step, start),
                    actor=who,
                    now=max(utcnow(), _done_at(step, start)),
                )
    return report
