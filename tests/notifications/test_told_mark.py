"""The sweep's mark that a step's facilitator was told of the cycle (`Step.facilitator_told`).

The sweep looks in the ledger only for the steps not marked, and marks those the ledger says were
told; a step that changes hands loses its mark. These tests follow a lead through two handovers and
check who is told, once each, and what is marked after each sweep."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle, Step
from models.matching.team import own_steps
from models.people.facilitator import Facilitator
from models.reminders.selection import rows
from models.reminders.told import mark_told, untold_steps_query
from tests.notifications.conftest import add_person, launch, sweep
from tests.notifications.receivers import Webhook


def marks(session: Session, cycle: Cycle) -> dict[str, tuple[int | None, bool]]:
    """The owned steps' (facilitator, told) by step name."""
    session.expire_all()
    return {
        name: (person, told)
        for name, person, told in session.execute(
            select(Step.name, Step.facilitator_id, Step.facilitator_told)
            .where(Step.cycle_id == cycle.id, Step.facilitator_id.is_not(None))
            .order_by(Step.position)
        )
    }


def untold(session: Session) -> list[int]:
    return sorted(row[0] for row in rows(session, untold_steps_query()))


def led_by_moussa(session: Session, hook: Webhook) -> tuple[Facilitator, Facilitator, Cycle]:
    """Moussa leads Diré's cycle (owns its session and minutes steps); Awa may take it over."""
    moussa = add_person(session, "Moussa Lead", contacts=[hook.url("moussa")])
    awa = add_person(session, "Awa Relais", contacts=[hook.url("awa")])
    cycle = launch(session, "Diré")
    own_steps(cycle, moussa.id)
    session.flush()
    return moussa, awa, cycle


def test_each_lead_is_told_once_and_the_steps_are_marked_after_the_ledger_says_so(
    session: Session, hook: Webhook
) -> None:
    moussa, awa, cycle = led_by_moussa(session, hook)
    owned = len(marks(session, cycle))
    assert owned >= 2 and set(marks(session, cycle).values()) == {(moussa.id, False)}

    hour = cycle.launched_at
    sweep(hour + timedelta(hours=1))  # tells Moussa: the claim is in the ledger now
    assert [r["title"] for r in hook.received] == ["Affectation : Tenir le débat n° 1 — Diré"]
    sweep(hour + timedelta(hours=2))  # finds him told in the ledger: marks his steps
    assert set(marks(session, cycle).values()) == {(moussa.id, True)}
    assert untold(session) == []
    assert len(hook.received) == 1

    own_steps(session.get(Cycle, cycle.id), awa.id)  # type: ignore[arg-type]
    session.flush()
    assert set(marks(session, cycle).values()) == {(awa.id, False)}  # changed hands: unmarked
    assert len(untold(session)) == owned
    sweep(hour + timedelta(hours=3))
    sweep(hour + timedelta(hours=4))
    assert [r["_path"] for r in hook.received] == ["/moussa", "/awa"]
    assert set(marks(session, cycle).values()) == {(awa.id, True)}

    own_steps(session.get(Cycle, cycle.id), moussa.id)  # type: ignore[arg-type]
    session.flush()
    assert set(marks(session, cycle).values()) == {(moussa.id, False)}
    sweep(hour + timedelta(hours=5))  # the ledger says Moussa was told of this cycle: no notice
    assert len(hook.received) == 2
    assert set(marks(session, cycle).values()) == {(moussa.id, True)}


def test_a_step_that_changed_hands_since_the_check_is_not_marked(
    session: Session, hook: Webhook
) -> None:
    _moussa, awa, cycle = led_by_moussa(session, hook)
    sweep(cycle.launched_at + timedelta(hours=1))  # Moussa told; his steps not marked yet
    steps = untold(session)
    own_steps(session.get(Cycle, cycle.id), awa.id)  # type: ignore[arg-type]
    session.flush()

    assert mark_told(session, steps) == 0  # the ledger told Moussa, and the steps are Awa's now
    assert set(marks(session, cycle).values()) == {(awa.id, False)}
