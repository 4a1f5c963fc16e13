"""Cycles in the database: one active cycle per commune is a constraint, every change is audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.cycle import Cycle, Step
from models.cycle.launch import launch_cycle
from models.cycle.status import close_cycle, set_step_status
from models.cycle.transitions import CycleStatus, StepStatus
from models.errors import ActiveCycleExists, IllegalTransition
from models.geography.places import resolve_commune
from models.policy import CyclePolicy

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _launch(session: Session, commune: str = "Diré") -> Cycle:
    return launch_cycle(
        session,
        resolve_commune(session, commune),
        start_on=date(2026, 3, 2),
        policy=CyclePolicy(),
        actor="coordinator",
        now=NOW,
    )


def test_launch_records_the_cycle_its_steps_and_an_audit_event(session: Session) -> None:
    cycle = _launch(session)
    assert cycle.sequence == 1
    assert (cycle.commune_pcode, cycle.cercle_pcode, cycle.region_pcode) == (
        "ML060205",
        "ML0602",
        "ML06",
    )
    assert len(cycle.steps) == 8
    assert session.scalars(
        select(AuditEvent.action).where(AuditEvent.cycle_id == cycle.id)
    ).all() == ["cycle.launched"]
    session.expire_all()
    stored = session.get_one(Step, cycle.steps[0].id)
    assert stored.due_at == datetime(2026, 3, 23, 18, 0, tzinfo=UTC)
    assert stored.due_at.tzinfo is not None


def test_a_second_launch_for_the_same_commune_is_refused_and_adds_nothing(session: Session) -> None:
    _launch(session)
    with pytest.raises(ActiveCycleExists, match=r"Diré \(Dire, Tombouctou\) ML060205 already has"):
        _launch(session, "ML060205")
    assert len(session.scalars(select(Cycle)).all()) == 1


def test_the_database_itself_refuses_two_active_cycles_for_one_commune(session: Session) -> None:
    first = _launch(session)
    twin = Cycle(
        level="commune",
        area_pcode=first.area_pcode,
        commune_pcode=first.commune_pcode,
        cercle_pcode=first.cercle_pcode,
        region_pcode=first.region_pcode,
        sequence=2,
        start_on=date(2026, 3, 3),
        launched_by="other",
        launched_at=NOW,
        status="active",
    )
    nested = session.begin_nested()
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()
    nested.rollback()


def test_after_completion_a_new_cycle_gets_the_next_sequence(session: Session) -> None:
    first = _launch(session)
    close_cycle(session, first, CycleStatus.COMPLETED, actor="coordinator", now=NOW)
    second = _launch(session)
    assert second.sequence == 2


def test_cancelling_a_cycle_cancels_its_open_steps_with_the_reason(session: Session) -> None:
    cycle = _launch(session)
    set_step_status(session, cycle.steps[0], StepStatus.ACTIVE, actor="flow", now=NOW)
    set_step_status(session, cycle.steps[0], StepStatus.DONE, actor="coordinator", now=NOW)
    close_cycle(
        session, cycle, CycleStatus.CANCELLED, actor="coordinator", now=NOW, reason="insécurité"
    )
    assert [s.status for s in cycle.steps] == ["done"] + ["cancelled"] * 7
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.cycle_id == cycle.id).order_by(AuditEvent.id)
    ).all()
    assert events[-1].action == "cycle.cancelled"
    assert events[-1].reason == "insécurité"
    assert events[-1].before == {"status": "active"}


def test_setting_a_step_twice_is_a_no_op_and_an_illegal_change_raises(session: Session) -> None:
    cycle = _launch(session)
    step = cycle.steps[0]
    assert set_step_status(session, step, StepStatus.ACTIVE, actor="flow", now=NOW) is True
    assert set_step_status(session, step, StepStatus.ACTIVE, actor="flow", now=NOW) is False
    with pytest.raises(IllegalTransition):
        set_step_status(session, cycle.steps[1], StepStatus.DONE, actor="flow", now=NOW)


def test_a_naive_datetime_never_reaches_the_database(session: Session) -> None:
    cycle = _launch(session)
    nested = session.begin_nested()
    cycle.steps[0].due_at = datetime(2026, 3, 23, 18, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()
    nested.rollback()
