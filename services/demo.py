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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from models.clock import BAMAKO, utcnow
from models.cycle.cycle import Cycle, get_cycle
from models.cycle.launch import CycleRun, LaunchReport, LaunchRequest
from models.cycle.plan import plan_cycle
from models.cycle.stepflow import apply_submission
from models.cycle.steps import StepKind, StepName
from models.cycle.transitions import CycleStatus
from models.db import engine_for, session_scope
from models.people.facilitator import Facilitator
from models.people.facilitator_file import import_facilitators
from models.policy import current_policy
from models.settings import DEMO, get_settings
from orchestrator.demo_runs import Promise
from services.launch import assign_teams, record_launches, start_runs
from services.reconcile import Restarted, reconcile

FACILITATORS = Path(__file__).with_name("demo_facilitators.csv")


WAITING_AHEAD = 4
"""Days ahead of today that a demo cycle's waiting step falls due (Alafia's baseline excepted):
less than the shortest gap of the plan (minutes, 5 days after their session), so that the step
before it fell due yesterday or earlier."""

OVERDUE_START = 30
"""Days ago Alafia, the demo's one overdue cycle, was launched: its baseline is 9 days late."""


def _planned_days(start: date) -> dict[str, date]:
    """Each planned step's due day (Bamako) for a cycle launched on `start`."""
    return {
        p.name: p.due_at.astimezone(BAMAKO).date()
        for p in plan_cycle(start, current_policy().cycle)
    }


def _start_for(advance: int, today: date) -> date:
    """The launch day that puts the step a demo cycle waits on `WAITING_AHEAD` days from today,
    so that every step recorded before it falls on a day already past (the chronology checks
    refuse a session held, or minutes, a plan or a handover validated, after today). The cycle
    carried to the end was handed over 5 days ago; Alafia (nothing recorded) is late."""
    if advance == 0:
        return today - timedelta(days=OVERDUE_START)
    days = list(_planned_days(today).values())
    if advance < len(days):
        return today + timedelta(days=WAITING_AHEAD) - (days[advance] - today)
    return today - timedelta(days=5) - (days[-1] - today)


def _inputs(step: str, days: dict[str, date], today: date) -> dict[str, Any]:
    """A fictional input for `step`, dated on the step's planned day (`days`)."""
    name = StepName.parse(step)
    kind = name.kind
    on = days.get(step, today)
    if kind is StepKind.BASELINE:
        return {
            "completed_on": str(on),
            "risk_themes": ["foncier", "transhumance", "accès à l'eau"],
            "communities": ["Communauté A (fictive)", "Communauté B (fictive)"],
            "languages": ["son", "fr"],
            "participant_groups": ["women", "youth", "traditional_leaders", "herders", "farmers"],
            "summary": "Données de démonstration, fictives.",
        }
    if kind is StepKind.SCHEDULE:
        sessions = sorted(d for n, d in days.items() if StepName.parse(n).kind is StepKind.SESSION)
        return {
            "sessions": [
                {
                    "starts_at": f"{day}T09:00:00+00:00",
                    "venue": "Salle de la mairie",
                    "language": "son",
                }
                for day in sessions
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
                {"party": "Mairie", "action": "Exemple", "deadline": str(on + timedelta(30))}
            ],
            "validated_by": "Secrétaire général (fictif)",
            "validated_on": str(on),
        }
    if kind is StepKind.PLAN:
        return {
            "actions": [
                {
                    "risk": "Exemple de risque (fictif)",
                    "action": "Exemple d'action",
                    "responsible_party": "Mairie",
                    "deadline": str(on + timedelta(90)),
                    "resources": "Budget communal",
                    "indicator": "Exemple d'indicateur",
                }
            ],
            "validated_by": "Comité communal de sécurité (fictif)",
            "validated_on": str(on),
        }
    if kind is StepKind.VISIT:
        return {
            "visited_on": str(today),  # after the handover, never in the future
            "items": [{"item": 1, "status": "in_progress", "progress": 50, "note": "Exemple"}],
            "incidents": {"land_dispute": 1},
            "risk_of_violence": 3,
            "trust_in_institutions": 4,
        }
    return {"handed_over_at": f"{on}T10:00:00+00:00", "received_by": "Le maire (fictif)"}


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
    one advanced through every planned step goes on through its follow-up visits to the end.

    Each cycle is launched on the day that puts the step it waits on a few days ahead, and each
    step before it is dated on its planned day, in the past: a coordinator trying the demo can
    carry any of its cycles on by hand today (tests/flows/test_demo.py)."""
    now = utcnow()
    today = now.astimezone(BAMAKO).date()
    with session_scope() as session:
        import_facilitators(session, FACILITATORS, now=now)
    from models.geography.places import communes_in

    with session_scope() as session:
        names = [c.pcode for c in communes_in(session, region=region)][:count]
    launched: list[CycleRun] = []
    skipped: list[tuple[str, str]] = []
    for advance, pcode in enumerate(names):
        request = LaunchRequest(communes=[pcode], start_on=_start_for(advance, today))
        one = record_launches(request, who=who)
        launched += one.launched
        skipped += one.skipped
    report = LaunchReport(launched=launched, skipped=skipped)
    assign_teams([r.cycle_id for r in report.launched], who=who)  # as a launch does
    for advance, run in enumerate(report.launched):
        with session_scope() as session:
            cycle = get_cycle(session, run.cycle_id)
            planned, days = len(cycle.steps), _planned_days(cycle.start_on)
        for _ in range(advance if advance < planned else planned + 12):
            with session_scope() as session:
                waiting = get_cycle(session, run.cycle_id).waiting_step()
                if waiting is None:
                    break
                step = waiting.name
                apply_submission(
                    session, run.cycle_id, step, _inputs(step, days, today), actor=who, now=utcnow()
                )
    return report
