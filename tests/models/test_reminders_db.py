"""The sweep's query and overdue flags in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.cycle import Cycle, Step
from models.cycle.launch import launch_cycle
from models.cycle.status import close_cycle
from models.cycle.transitions import CycleStatus
from models.geography.places import resolve_commune
from models.policy import CyclePolicy, ReminderPolicy
from models.reminders.due import horizon
from models.reminders.overdue import flag_overdue, unflag_moved
from models.reminders.selection import open_step, open_steps_query

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _launch(session: Session, commune: str) -> Cycle:
    cycle = launch_cycle(
        session,
        resolve_commune(session, commune),
        start_on=date(2026, 3, 2),
        policy=CyclePolicy(),
        actor="t",
        now=NOW,
    )
    session.flush()
    return cycle


def test_the_query_selects_open_steps_of_active_cycles_due_before_the_horizon(
    session: Session,
) -> None:
    dire = _launch(session, "Diré")
    ber = _launch(session, "Ber")
    close_cycle(session, ber, CycleStatus.CANCELLED, actor="t", now=NOW)
    dire.step("schedule").status = "done"
    session.flush()
    baseline_due = dire.step("baseline").due_at

    until = horizon(ReminderPolicy(), baseline_due + timedelta(days=10))
    found = [open_step(row) for row in session.execute(open_steps_query(until))]

    assert [(s.name, s.region_pcode) for s in found] == [("baseline", "ML06")]


def test_the_query_reads_steps_through_an_index_never_a_full_scan(session: Session) -> None:
    statement = open_steps_query(NOW)
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if session.get_bind().dialect.name == "sqlite":
        plan = " ".join(str(r) for r in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "SEARCH steps USING INDEX ix_steps_status_due_at" in plan
    else:
        # Tables are tiny in tests, so let the planner show which indexes it can use: the
        # (status, due_at) range, or the partial index of active cycles then steps by cycle.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(r) for r in session.execute(text(f"EXPLAIN {compiled}")))
        assert "Seq Scan on steps" not in plan
        assert "ix_steps_status_due_at" in plan or "ix_steps_cycle_id" in plan


def test_overdue_steps_are_flagged_once_with_the_due_date_and_an_audit_event(
    session: Session,
) -> None:
    cycle = _launch(session, "Diré")
    due = cycle.step("baseline").due_at
    later = due + timedelta(hours=1)

    assert flag_overdue(session, later, actor="sweep") == [cycle.step("baseline").id]
    assert flag_overdue(session, later, actor="sweep") == []

    session.expire_all()
    step = session.get_one(Step, cycle.step("baseline").id)
    assert (step.status, step.overdue_since) == ("overdue", due)
    actions = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.entity == "step", AuditEvent.cycle_id == cycle.id
        )
    ).all()
    assert actions == ["step.overdue"]


def test_an_overdue_step_whose_due_date_moved_ahead_is_active_again(session: Session) -> None:
    cycle = _launch(session, "Diré")
    step = cycle.step("baseline")
    flag_overdue(session, step.due_at + timedelta(days=2), actor="sweep")
    session.expire_all()
    moved = session.get_one(Step, step.id)
    moved.due_at = moved.due_at + timedelta(days=14)
    moved.escalation_level = 1
    session.flush()

    assert unflag_moved(session, moved.due_at - timedelta(days=1), actor="sweep") == [step.id]
    session.expire_all()
    again = session.get_one(Step, step.id)
    assert (again.status, again.overdue_since, again.escalation_level) == ("active", None, 0)
