"""A step's dates against the cycle's own chronology: each refusal names the field, gives both
dates, and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.stepflow import apply_submission
from models.errors import InvalidInput
from models.geography.places import resolve_commune
from models.policy import CyclePolicy
from models.stages.baseline import BaselineStudy
from models.stages.minutes import Minutes
from models.stages.safety_plan import SafetyPlan
from tests.flows import inputs

START = date(2026, 3, 2)
LAUNCHED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DONE = inputs.recorded_at("plan", START)  # after every session and the minutes' day


def _cycle(session: Session) -> Cycle:
    commune = resolve_commune(session, "Diré")
    return launch_cycle(
        session, commune, start_on=START, policy=CyclePolicy(), actor="c", now=LAUNCHED
    )


def _record(session: Session, cycle: Cycle, *steps: str) -> None:
    for step in steps:
        now = inputs.recorded_at(step, START)
        apply_submission(session, cycle.id, step, inputs.for_step(step, START), actor="c", now=now)


def _refused(session: Session, cycle: Cycle, step: str, data: dict[str, Any], now: datetime) -> str:
    with pytest.raises(InvalidInput) as refused:
        apply_submission(session, cycle.id, step, data, actor="c", now=now)
    return str(refused.value)


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_baseline_completed_after_today_is_refused_with_both_dates(session: Session) -> None:
    cycle = _cycle(session)
    data = inputs.baseline(START) | {"completed_on": "2026-03-20"}
    message = _refused(session, cycle, "baseline", data, LAUNCHED)
    assert "field completed_on: 2026-03-20 is after today (2026-03-02)" in message
    assert _count(session, BaselineStudy) == 0


def test_a_session_recorded_held_before_its_day_is_refused_with_both_dates(
    session: Session,
) -> None:
    cycle = _cycle(session)
    _record(session, cycle, "baseline", "schedule")
    early = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)  # session 1 is set for 2026-04-11 09:00
    message = _refused(session, cycle, "session-1", inputs.held(), early)
    assert "field outcome: session 1 is set for 2026-04-11 09:00" in message
    assert "by today (2026-04-10)" in message
    assert cycle.step("session-1").status != "done"


def test_minutes_validated_before_their_session_are_refused_with_both_dates(
    session: Session,
) -> None:
    cycle = _cycle(session)
    _record(session, cycle, "baseline", "schedule", "session-1")
    data = inputs.minutes(date(2026, 4, 1))
    message = _refused(session, cycle, "minutes-1", data, DONE)
    assert "field validated_on: 2026-04-01 is before session 1 was held (2026-04-11)" in message
    assert _count(session, Minutes) == 0


def test_minutes_validated_after_today_are_refused(session: Session) -> None:
    cycle = _cycle(session)
    _record(session, cycle, "baseline", "schedule", "session-1")
    now = datetime(2026, 4, 12, 12, 0, tzinfo=UTC)
    message = _refused(session, cycle, "minutes-1", inputs.minutes(date(2026, 4, 20)), now)
    assert "field validated_on: 2026-04-20 is after today (2026-04-12)" in message


def test_a_plan_validated_before_the_last_minutes_is_refused_with_both_dates(
    session: Session,
) -> None:
    cycle = _cycle(session)
    _record(session, cycle, "baseline", "schedule", "session-1", "minutes-1", "session-2")
    _record(session, cycle, "minutes-2")
    data = inputs.plan(START + timedelta(days=100))  # minutes validated on START + 120
    message = _refused(session, cycle, "plan", data, DONE)
    assert "field validated_on: 2026-06-10 is before the last minutes were validated" in message
    assert "(2026-06-30)" in message
    assert _count(session, SafetyPlan) == 0


def test_a_handover_before_the_plan_was_validated_is_refused_with_both_dates(
    session: Session,
) -> None:
    cycle = _cycle(session)
    steps = ["baseline", "schedule", "session-1", "minutes-1", "session-2", "minutes-2", "plan"]
    _record(session, cycle, *steps)
    data = inputs.handover(START + timedelta(days=110))
    message = _refused(session, cycle, "handover", data, DONE)
    assert "field handed_over_at: 2026-06-20 is before the plan was validated (2026-06-30)" in (
        message
    )
    assert cycle.status == "active"


def test_a_handover_dated_after_now_is_refused(session: Session) -> None:
    cycle = _cycle(session)
    steps = ["baseline", "schedule", "session-1", "minutes-1", "session-2", "minutes-2", "plan"]
    _record(session, cycle, *steps)
    data = inputs.handover(START + timedelta(days=200))
    message = _refused(session, cycle, "handover", data, DONE)
    assert "field handed_over_at: 2026-09-18 10:00 is after now (2026-07-01 18:00)" in message


def test_dates_in_order_are_recorded(session: Session) -> None:
    cycle = _cycle(session)
    steps = [s.name for s in cycle.steps]
    _record(session, cycle, *steps)
    assert all(s.status == "done" for s in cycle.steps if s.name in steps)
    waiting = cycle.waiting_step()  # the handover starts the follow-up
    assert waiting is not None and waiting.name == "visit-1"
