"""Recording each step's input: once, in order, with a replay changing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle, launch_cycles_for, run_name, run_tags, select_communes
from models.cycle.stepflow import StepNotWaiting, apply_submission, open_step
from models.errors import InvalidInput
from models.geography.places import resolve_commune
from models.policy import CyclePolicy
from models.stages.baseline import BaselineStudy
from models.stages.minutes import AttendanceCount, Commitment, Minutes
from models.stages.safety_plan import PlanAction, SafetyPlan
from models.stages.sessions import DebateSession
from tests.flows import inputs

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
START = date(2026, 3, 2)


def _cycle(session: Session, name: str = "Tombouctou") -> Cycle:
    commune = resolve_commune(session, name)
    return launch_cycle(
        session, commune, start_on=START, policy=CyclePolicy(), actor="coord", now=NOW
    )


def _count(session: Session, model: type, cycle_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(model).filter_by(cycle_id=cycle_id)))


def _submit(session: Session, cycle: Cycle, step: str, **kw: object):  # type: ignore[no-untyped-def]
    return apply_submission(
        session,
        cycle.id,
        step,
        inputs.for_step(step, START),
        actor="coord",
        now=inputs.recorded_at(step, START),
        **kw,
    )


def test_whole_cycle_records_each_step_once_and_a_replay_changes_nothing(session: Session) -> None:
    cycle = _cycle(session)
    names = [s.name for s in cycle.steps]
    assert names == [
        "baseline",
        "schedule",
        "session-1",
        "minutes-1",
        "session-2",
        "minutes-2",
        "plan",
        "handover",
    ]
    for name in names:
        waiting = open_step(session, cycle.id, actor="flow", now=NOW)
        assert waiting is not None
        assert waiting.name == name
        assert _submit(session, cycle, name).created
        events = session.scalar(select(func.count()).select_from(AuditEvent))
        replay = _submit(session, cycle, name)
        assert not replay.created
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    follow_up = open_step(session, cycle.id, actor="flow", now=NOW)
    assert (
        follow_up is not None and follow_up.name == "visit-1"
    )  # the handover starts the follow-up
    assert cycle.status == "active"
    assert _count(session, BaselineStudy, cycle.id) == 1
    assert _count(session, DebateSession, cycle.id) == 2
    assert _count(session, Minutes, cycle.id) == 2
    plan = session.scalar(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle.id))
    assert plan is not None
    assert plan.status == "handed_over"
    assert plan.received_by == "Le maire"
    assert session.scalar(select(func.count()).select_from(PlanAction)) >= 1
    assert session.scalar(select(func.count()).select_from(AttendanceCount)) >= 4
    assert session.scalar(select(func.count()).select_from(Commitment)) >= 2


def test_submitting_a_step_that_is_not_waiting_names_the_waiting_step(session: Session) -> None:
    cycle = _cycle(session)
    with pytest.raises(StepNotWaiting, match="waiting on step 'baseline'"):
        _submit(session, cycle, "schedule")


def test_invalid_input_names_the_field_and_changes_nothing(session: Session) -> None:
    cycle = _cycle(session)
    data = inputs.baseline(START) | {"completed_on": "2026-02-30"}
    with pytest.raises(InvalidInput) as caught:
        apply_submission(session, cycle.id, "baseline", data, actor="c", now=NOW)
    assert any(where == "field completed_on" for where, _ in caught.value.problems)
    assert _count(session, BaselineStudy, cycle.id) == 0


def test_schedule_with_the_wrong_number_of_sessions_is_refused(session: Session) -> None:
    cycle = _cycle(session)
    _submit(session, cycle, "baseline")
    with pytest.raises(InvalidInput, match="plans 2 debate session"):
        apply_submission(
            session, cycle.id, "schedule", inputs.schedule(START, 1), actor="c", now=NOW
        )
    assert _count(session, DebateSession, cycle.id) == 0


def test_postponed_session_moves_later_due_dates_and_a_stale_replay_is_ignored(
    session: Session,
) -> None:
    cycle = _cycle(session)
    _submit(session, cycle, "baseline")
    _submit(session, cycle, "schedule")
    minutes_due = cycle.step("minutes-1").due_at
    handover_due = cycle.step("handover").due_at
    new_day = date(2026, 6, 1)
    first = apply_submission(
        session, cycle.id, "session-1", inputs.postponed(new_day), actor="c", now=NOW, revision=0
    )
    assert first.created
    moved = cycle.step("minutes-1").due_at
    assert moved > minutes_due
    assert cycle.step("handover").due_at - handover_due == moved - minutes_due
    assert cycle.step("session-1").status == "active"
    again = apply_submission(
        session, cycle.id, "session-1", inputs.postponed(new_day), actor="c", now=NOW, revision=0
    )
    assert not again.created
    assert cycle.step("minutes-1").due_at == moved
    waiting = open_step(session, cycle.id, actor="flow", now=NOW)
    assert waiting is not None
    assert (waiting.name, waiting.revision) == ("session-1", 1)


def test_cancelling_every_session_cancels_the_cycle_with_the_reason(session: Session) -> None:
    cycle = _cycle(session)
    _submit(session, cycle, "baseline")
    _submit(session, cycle, "schedule")
    cancel = {"outcome": "cancelled", "reason": "insécurité sur la route"}
    apply_submission(session, cycle.id, "session-1", cancel, actor="c", now=NOW, revision=0)
    assert cycle.step("minutes-1").status == "skipped"
    assert cycle.status == "active"
    apply_submission(session, cycle.id, "session-2", cancel, actor="c", now=NOW, revision=0)
    assert cycle.status == "cancelled"
    assert "insécurité" in (cycle.close_reason or "")
    assert open_step(session, cycle.id, actor="flow", now=NOW) is None


def test_second_launch_for_a_region_skips_every_commune(session: Session) -> None:
    communes = select_communes(session, region="Tombouctou")
    assert len(communes) == 52
    first = launch_cycles_for(
        session, communes, start_on=START, policy=CyclePolicy(), actor="c", now=NOW
    )
    assert len(first.launched) == 52
    second = launch_cycles_for(
        session, communes, start_on=START, policy=CyclePolicy(), actor="c", now=NOW
    )
    assert (len(second.launched), len(second.skipped)) == (0, 52)
    assert all("active cycle" in reason for _, reason in second.skipped)


def test_flow_run_name_and_tags_name_the_place(session: Session) -> None:
    cycle = _cycle(session, "Ber")
    assert run_name(cycle) == f"cycle-ber-{cycle.sequence}"
    assert run_tags(cycle) == [cycle.region_pcode, cycle.cercle_pcode, cycle.commune_pcode]
