"""Only what can be done is chased: a cycle stalled on its baseline study for 90 days gets one
owner reminder and one escalation per level about the baseline, nothing about the later steps;
the baseline recorded late moves the later deadlines, and the next sweep chases the next step."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step
from models.cycle.plan import plan_cycle
from models.cycle.replan import replan_running_cycles
from models.cycle.stepflow import apply_submission
from models.policy import CyclePolicy
from models.reminders.ledger import Notification
from tests.flows.inputs import baseline
from tests.notifications.conftest import add_person, launch, sweep
from tests.notifications.receivers import Mailbox

START = date(2026, 3, 2)


def bamako(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=BAMAKO)


def told(session: Session, since_id: int = 0) -> Counter[tuple[str, str]]:
    """(step name, rule) of every notification after `since_id`, counted per recipient channel."""
    session.expire_all()
    rows = session.execute(
        select(Step.name, Notification.rule)
        .join(Step, Step.id == Notification.step_id)
        .where(Notification.id > since_id)
    )
    return Counter((name, rule) for name, rule in rows)


def test_a_cycle_stalled_90_days_is_chased_about_its_blocking_step_only_then_the_next(
    session: Session, mailbox: Mailbox
) -> None:
    add_person(
        session,
        "Oumar Coord",
        role="coordinator",
        regions=["ML06"],
        contacts=[mailbox.url("oumar@example.org")],
    )
    add_person(session, "Mariam Gest", role="manager", contacts=[mailbox.url("mariam@example.org")])
    cycle = launch(session, "Ber", start_on=START)
    cycle_id = cycle.id

    day_90 = START + timedelta(days=90)
    sweep(bamako(day_90, 9))

    rules = told(session)
    assert {name for name, _rule in rules} == {"baseline"}
    assert rules[("baseline", "escalation-coordinator")] == 1
    assert rules[("baseline", "escalation-manager")] == 1
    owner = [rule for _name, rule in rules if rule.startswith("overdue-")]
    assert len(owner) == 1 and rules[("baseline", owner[0])] == 1
    assert len(mailbox.messages) == 3  # not 12: one per level, about the baseline
    steps = {s.name: s for s in session.get_one(Cycle, cycle_id).steps}
    assert steps["baseline"].status == "overdue"
    assert all(s.status == "pending" for name, s in steps.items() if name != "baseline")
    escalation = next(m for m in mailbox.messages if str(m["Subject"]).startswith("Escalade :"))
    body = escalation.get_content()
    assert "69 j de retard" in str(escalation["Subject"])
    assert "69 jours de retard sur son calendrier de lancement" in body

    done = bamako(day_90, 10)
    apply_submission(session, cycle_id, "baseline", baseline(START), actor="Oumar Coord", now=done)
    session.flush()
    session.expire_all()
    # The later steps count from the day the baseline was done, by the policy's durations:
    # the launch plan of a cycle whose baseline falls due that day.
    expected = {p.name: p.due_at for p in plan_cycle(day_90 - timedelta(days=21), CyclePolicy())}
    moved = {s.name: s.due_at for s in session.get_one(Cycle, cycle_id).steps}
    for name, due in moved.items():
        if name != "baseline":
            assert due == expected[name], name
    assert moved["schedule"] == bamako(day_90 + timedelta(days=7), 18)
    audited = session.scalars(
        select(AuditEvent).where(
            AuditEvent.cycle_id == cycle_id, AuditEvent.action == "step.replanned"
        )
    ).all()
    assert len(audited) == len(moved) - 1
    assert all(e.reason == "baseline done 69 day(s) late" for e in audited)

    last = max(n.id for n in session.scalars(select(Notification)))
    sweep(bamako(day_90 + timedelta(days=8), 9))  # the schedule is 15 hours overdue
    later = told(session, last)
    assert set(later) == {("schedule", "overdue-1")}
    assert later[("schedule", "overdue-1")] == 1

    # The one-time re-plan of running cycles finds this one in order: it changes nothing.
    again = replan_running_cycles(session, CyclePolicy(), actor="test", now=bamako(day_90, 12))
    assert (again.moved_steps, again.unflagged_steps) == (0, 0)


def test_the_one_time_replan_brings_a_cycle_flagged_before_the_change_in_line(
    session: Session,
) -> None:
    cycle = launch(session, "Ber", start_on=START)
    late_day = START + timedelta(days=90)
    # As the sweep used to leave it: every step past its due date flagged overdue and escalated.
    for step in cycle.steps:
        if step.due_at < bamako(late_day, 9):
            step.status, step.overdue_since, step.escalation_level = "overdue", step.due_at, 2
    base = cycle.step("baseline")
    base.status, base.completed_at = "done", bamako(late_day, 8)
    session.flush()

    now = bamako(late_day, 9)
    first = replan_running_cycles(session, CyclePolicy(), actor="test", now=now)
    session.flush()
    assert first.cycles == 1 and first.moved_steps == len(cycle.steps) - 1
    session.expire_all()
    after = session.get_one(Cycle, cycle.id)
    assert [s.status for s in after.steps[1:]] == ["pending"] * (len(after.steps) - 1)
    assert all(s.escalation_level == 0 and s.due_at > now for s in after.steps[1:])
    second = replan_running_cycles(session, CyclePolicy(), actor="test", now=now)
    assert (second.cycles, second.moved_steps, second.unflagged_steps) == (0, 0, 0)
