"""The demo seeds fictional facilitators and leaves one cycle at each step, one completed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.clock import BAMAKO, utcnow
from models.cycle.cycle import Cycle
from models.cycle.stepflow import apply_submission
from models.cycle.steps import StepKind, StepName
from models.matching.assignment import team_summary
from models.people.facilitator import Facilitator
from services.demo import _inputs, _planned_days, seed_demo


def test_demo_leaves_a_cycle_waiting_at_every_step_and_one_completed(session: Session) -> None:
    report = seed_demo("Tombouctou", 9, who="demo")
    assert len(report.launched) == 9
    cycles = [session.get(Cycle, r.cycle_id) for r in report.launched]
    waiting = [c.waiting_step().name if c.status == "active" else c.status for c in cycles]  # type: ignore[union-attr]
    assert waiting == [
        "baseline",
        "schedule",
        "session-1",
        "minutes-1",
        "session-2",
        "minutes-2",
        "plan",
        "handover",
        "completed",
    ]
    names = list(session.scalars(select(Facilitator.name)))
    assert names
    assert all("fictif" in n or "fictive" in n for n in names)


def test_demo_cycles_get_teams_at_launch_as_a_real_launch_does(session: Session) -> None:
    report = seed_demo("Tombouctou", 9, who="demo")
    teams = [team_summary(session, r.cycle_id) for r in report.launched]
    staffed = [t for t in teams if t["lead"] and t["co"]]
    assert staffed, "the demo's fictional facilitators staff some cycles"
    assert all(t["unassigned_reason"] for t in teams if t not in staffed)


def test_every_waiting_demo_cycle_can_be_carried_on_today_and_only_alafia_is_late(
    session: Session,
) -> None:
    """The demo's fiction lies in the past: the step each cycle waits on can be recorded today
    (the chronology checks refuse minutes, a plan or a handover validated after today), a session
    waited on is still to come (held is recorded on its day), and only Alafia's baseline is late."""
    report = seed_demo("Tombouctou", 9, who="demo")
    now = utcnow()
    today = now.astimezone(BAMAKO).date()
    late, carried, coming = [], [], []
    for run in report.launched:
        cycle = session.get_one(Cycle, run.cycle_id)
        waiting = cycle.waiting_step()
        if waiting is None:
            continue
        if waiting.due_at < now:
            late.append(cycle.area_name)
        step = waiting.name
        if StepName.parse(step).kind is StepKind.SESSION:
            coming.append(step)
            continue
        # Done yesterday, as a coordinator records it the day after: dated in the past.
        days = _planned_days(cycle.start_on) | {step: today - timedelta(days=1)}
        apply_submission(session, cycle.id, step, _inputs(step, days, today), actor="c", now=now)
        carried.append(step)
    assert late == ["Alafia"]
    assert coming == ["session-1", "session-2"]
    assert carried == ["baseline", "schedule", "minutes-1", "minutes-2", "plan", "handover"]
