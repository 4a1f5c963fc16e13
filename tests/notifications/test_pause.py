"""Pause and resume: a paused cycle is not chased at all (no reminder, overdue flag or
escalation); on resume every open deadline moves by the pause's length and the sweep chases again.
Extend moves one open step and the open steps after it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step
from models.cycle.pause import (
    AlreadyPaused,
    NotPaused,
    extend_step,
    open_pause,
    pause_cycle,
    resume_cycle,
)
from models.cycle.stepflow import apply_submission
from models.errors import DomainError, InvalidInput
from models.reminders.ledger import Notification
from tests.flows.inputs import baseline
from tests.notifications.conftest import add_person, launch, sweep
from tests.notifications.receivers import Mailbox

START = date(2026, 3, 2)


def bamako(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=BAMAKO)


def dues(session: Session, cycle_id: int) -> dict[str, datetime]:
    session.expire_all()
    return {s.name: s.due_at for s in session.get_one(Cycle, cycle_id).steps}


def notices(session: Session, cycle_id: int) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.execute(
        select(Step.name, Notification.rule)
        .join(Step, Step.id == Notification.step_id)
        .where(Step.cycle_id == cycle_id)
        .order_by(Notification.id)
    )
    return [(name, rule) for name, rule in rows]


def test_a_paused_cycle_is_not_chased_and_resume_moves_every_open_deadline(
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
    before = dues(session, cycle_id)
    baseline_day = before["baseline"].astimezone(BAMAKO).date()

    paused_on = bamako(baseline_day - timedelta(days=2), 9)
    pause_cycle(session, cycle_id, "route coupée", actor="Oumar Coord", now=paused_on)
    session.flush()
    # 30 days on: the baseline is 28 days past due, yet nothing at all goes out for the cycle.
    resumed_on = paused_on + timedelta(days=30)
    sweep(resumed_on)
    assert notices(session, cycle_id) == []
    assert mailbox.messages == []
    assert session.get_one(Cycle, cycle_id).step("baseline").status == "pending"

    done = resume_cycle(session, cycle_id, actor="Oumar Coord", now=resumed_on)
    assert done.days == 30
    after = dues(session, cycle_id)
    open_names = list(before)  # every step is open before the baseline is done
    assert sorted(done.moved) == sorted(open_names)
    assert all(after[name] - before[name] == timedelta(days=30) for name in open_names)
    assert open_pause(session, cycle_id) is None
    actions = {
        a
        for (a,) in session.execute(
            select(AuditEvent.action).where(AuditEvent.cycle_id == cycle_id)
        )
    }
    assert {"cycle.paused", "cycle.resumed", "step.resumed"} <= actions

    # Chased again, about the moved baseline: due in two days now, so its reminder goes out.
    sweep(resumed_on + timedelta(days=3))
    told = notices(session, cycle_id)
    assert told and {name for name, _rule in told} == {"baseline"}
    assert len(mailbox.messages) >= 1


def test_a_submission_to_a_paused_cycle_is_refused_naming_resume(session: Session) -> None:
    cycle_id = launch(session, "Diré", start_on=START).id
    now = bamako(START + timedelta(days=3), 9)
    pause_cycle(session, cycle_id, "élections", actor="coord", now=now)
    with pytest.raises(DomainError, match=f"debates resume {cycle_id}"):
        apply_submission(session, cycle_id, "baseline", baseline(START), actor="coord", now=now)


def test_pause_twice_and_resume_not_paused_are_refused(session: Session) -> None:
    cycle_id = launch(session, "Diré", start_on=START).id
    now = bamako(START, 9)
    with pytest.raises(NotPaused, match="not paused"):
        resume_cycle(session, cycle_id, actor="coord", now=now)
    pause_cycle(session, cycle_id, "insécurité", actor="coord", now=now)
    with pytest.raises(AlreadyPaused, match=f"debates resume {cycle_id}"):
        pause_cycle(session, cycle_id, "encore", actor="coord", now=now)


def test_extend_moves_the_step_and_the_open_steps_after_it_and_cancels_stale_reminders(
    session: Session, mailbox: Mailbox
) -> None:
    add_person(
        session,
        "Oumar Coord",
        role="coordinator",
        regions=["ML06"],
        contacts=[mailbox.url("oumar@example.org")],
    )
    cycle_id = launch(session, "Ber", start_on=START).id
    now = bamako(START + timedelta(days=2), 9)
    apply_submission(session, cycle_id, "baseline", baseline(START), actor="coord", now=now)
    session.flush()
    before = dues(session, cycle_id)

    done = extend_step(
        session,
        cycle_id,
        "schedule",
        days=10,
        to=None,
        reason="saison des pluies",
        actor="coord",
        now=now,
    )
    after = dues(session, cycle_id)
    assert "baseline" not in done.moved and done.moved[0] == "schedule"
    assert after["baseline"] == before["baseline"]
    assert all(after[n] - before[n] == timedelta(days=10) for n in done.moved)
    assert len(done.moved) == len(before) - 1

    with pytest.raises(InvalidInput, match=r"STEP: 'baseline'.*done"):
        extend_step(session, cycle_id, "baseline", days=3, to=None, reason="x", actor="c", now=now)
    with pytest.raises(InvalidInput, match=r"--to: .* not after today"):
        extend_step(
            session, cycle_id, "schedule", days=None, to=START, reason="x", actor="c", now=now
        )
    with pytest.raises(InvalidInput, match="--days: 0"):
        extend_step(session, cycle_id, "schedule", days=0, to=None, reason="x", actor="c", now=now)
    assert dues(session, cycle_id) == after


def test_the_state_artifact_and_the_portfolio_say_en_pause_with_reason_and_day(
    session: Session,
) -> None:
    from models.views.cycle_state import cycle_state
    from models.views.portfolio import portfolio
    from notifications.documents.render import label, render

    running = launch(session, "Ber", start_on=START).id
    cycle_id = launch(session, "Diré", start_on=START).id
    now = bamako(date(2026, 3, 4), 9)
    pause_cycle(session, cycle_id, "route coupée", actor="coord", now=now)
    session.flush()
    state = cycle_state(session, cycle_id, now=now)
    assert "en pause : route coupée, depuis le 4 mars 2026" in render(
        "cycle_state", "md", "fr", s=state
    )
    assert "paused: route coupée, since 4 March 2026" in render("cycle_state", "md", "en", s=state)
    assert "en pause" not in render(
        "cycle_state", "md", "fr", s=cycle_state(session, running, now=now)
    )

    rows = portfolio(session, now=now + timedelta(days=60))
    assert [r.cycle_id for r in rows] == [running, cycle_id]  # the paused one apart, last
    assert rows[1].paused and rows[1].overdue_days == 0 and rows[0].overdue_days > 0
    assert rows[1].paused_since is not None
    worded = label("fr", "paused", rows[1].paused_reason, rows[1].paused_since.date())
    assert worded == "en pause : route coupée, depuis le 4 mars 2026"
