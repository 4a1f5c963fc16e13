"""The demo seeds fictional facilitators and leaves one cycle at each step, one completed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.matching.assignment import team_summary
from models.people.facilitator import Facilitator
from services.demo import seed_demo


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
