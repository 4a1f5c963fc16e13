"""Re-planning is pure: a step done late moves the open steps after it by the policy's durations;
a step done on time moves nothing, and scheduled sessions keep the dates people chose."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from models.clock import BAMAKO
from models.cycle.plan import plan_cycle
from models.cycle.replan import StepDates, replanned
from models.policy import CyclePolicy

POLICY = CyclePolicy()
START = date(2026, 3, 2)


def steps(done: dict[str, datetime]) -> list[StepDates]:
    return [
        StepDates(p.name, "done" if p.name in done else "pending", p.due_at, done.get(p.name))
        for p in plan_cycle(START, POLICY)
    ]


def due(name: str) -> datetime:
    return next(p.due_at for p in plan_cycle(START, POLICY) if p.name == name)


def test_a_step_done_on_time_or_early_moves_nothing() -> None:
    assert replanned(steps({"baseline": due("baseline")}), POLICY) == {}
    assert replanned(steps({"baseline": due("baseline") - timedelta(days=5)}), POLICY) == {}


def test_a_baseline_done_ten_days_late_moves_every_later_step_ten_days() -> None:
    moved = replanned(steps({"baseline": due("baseline") + timedelta(days=10)}), POLICY)
    assert moved == {
        p.name: p.due_at + timedelta(days=10)
        for p in plan_cycle(START, POLICY)
        if p.name != "baseline"
    }


def test_scheduled_sessions_keep_their_dates_and_the_minutes_follow_the_session() -> None:
    late = due("schedule") + timedelta(days=3)
    held = datetime(2026, 5, 1, 9, 0, tzinfo=BAMAKO)
    dates = steps({"baseline": due("baseline"), "schedule": late, "session-1": held})
    moved = replanned(dates, POLICY)
    assert "session-2" not in moved
    assert moved["minutes-1"] == datetime(2026, 5, 6, 18, 0, tzinfo=BAMAKO)
