"""A cycle walked day by day with `now` moving: exactly the policy's reminders and escalations,
in order, each once, and nothing after the step is done."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from models.clock import BAMAKO
from models.cycle.cycle import Step
from models.cycle.status import set_step_status
from models.cycle.transitions import StepStatus
from tests.notifications.conftest import POLICY, add_person, launch, only_step, sweep
from tests.notifications.receivers import Webhook


def at_nine(day: datetime, offset: int) -> datetime:
    """09:00 in Bamako, `offset` days from `day`'s date."""
    local = day.astimezone(BAMAKO)
    return local.replace(hour=9, minute=0) + timedelta(days=offset)


def test_a_step_walked_day_by_day_gets_the_policys_reminders_and_escalations_in_order(
    session: Session, hook: Webhook
) -> None:
    aissata = add_person(session, "Aïssata Exemple", contacts=[hook.url("aissata")])
    add_person(
        session, "Oumar Coord", role="coordinator", regions=["ML06"], contacts=[hook.url("oumar")]
    )
    add_person(session, "Mariam Gest", role="manager", contacts=[hook.url("mariam")])
    step = only_step(session, launch(session, "Diré"), "minutes-1")
    step.facilitator_id = aissata.id
    session.flush()
    due = step.due_at
    assert due.astimezone(BAMAKO).strftime("%Y-%m-%d %H:%M") == "2026-04-18 18:00"

    heard: list[tuple[int, str, str]] = []
    for offset in range(-10, 13):
        now = at_nine(due, offset)
        if offset == 9:
            session.expire_all()
            done = session.get_one(Step, step.id)
            set_step_status(session, done, StepStatus.DONE, actor="coordinator", now=now)
            session.flush()
        seen = len(hook.received)
        sweep(now)
        for message in hook.received[seen:]:
            heard.append((offset, message["_path"].strip("/"), message["title"].split(" :")[0]))

    assert heard == [
        (-10, "aissata", "Affectation"),
        (-7, "aissata", "Rappel"),
        (-1, "aissata", "Rappel"),
        (0, "aissata", "Aujourd'hui"),
        (1, "aissata", "En retard"),
        (3, "aissata", "En retard"),
        (4, "oumar", "Escalade"),
        (5, "aissata", "En retard"),  # the 6th owner reminder: max_per_step
        (8, "mariam", "Escalade (gestionnaire)"),
    ]
    assert POLICY.max_per_step == 6
    session.expire_all()
    final = session.get_one(Step, step.id)
    assert (final.status, final.escalation_level) == ("done", 2)
    assert final.overdue_since == due
