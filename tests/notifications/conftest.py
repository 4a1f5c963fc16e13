"""Factories for the reminder tests: people with channels, cycles with due dates, receivers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle, Step
from models.cycle.launch import launch_cycle
from models.geography.places import Region, resolve_commune
from models.people.facilitator import Contact, Facilitator
from models.policy import CyclePolicy, ReminderPolicy
from models.reminders.ledger import Notification
from models.text import name_key
from notifications.deliveries import DeliveryReport, deliver_claimed
from notifications.sweep import ClaimReport, claim_due, flag_overdue_steps, new_sweep_id
from tests.notifications.receivers import Mailbox, Webhook, smtp_server, webhook

LAUNCHED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def add_person(
    session: Session,
    name: str,
    *,
    role: str = "facilitator",
    contacts: list[str] | None = None,
    regions: list[str] | None = None,
    locale: str = "fr",
    home: str = "ML060205",
) -> Facilitator:
    person = Facilitator(
        name=name,
        name_key=name_key(name),
        sex="F",
        role=role,
        home_commune_pcode=home,
        languages=["fr"],
        affiliations=[],
        max_cycles=3,
        locale=locale,
        created_at=LAUNCHED,
    )
    person.contacts = [Contact(url=url) for url in contacts or []]
    person.regions = [session.get_one(Region, pcode) for pcode in regions or []]
    session.add(person)
    session.flush()
    return person


def launch(session: Session, commune: str = "Diré", *, start_on: date = date(2026, 3, 2)) -> Cycle:
    cycle = launch_cycle(
        session,
        resolve_commune(session, commune),
        start_on=start_on,
        policy=CyclePolicy(),
        actor="test-coordinator",
        now=LAUNCHED,
    )
    session.flush()
    return cycle


def only_step(session: Session, cycle: Cycle, name: str) -> Step:
    """Keep one step of the cycle open (the others done), so a test follows one step."""
    for step in cycle.steps:
        if step.name != name:
            step.status = "skipped"
    session.flush()
    return session.scalars(select(Step).where(Step.cycle_id == cycle.id, Step.name == name)).one()


@pytest.fixture
def hook() -> Iterator[Webhook]:
    with webhook() as receiver:
        yield receiver


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


POLICY = ReminderPolicy()
EVERY_CHANNEL = ReminderPolicy(channel_fallback=False)
"""For tests of what each channel of a person gets (quiet hours, a refusing address): every
message to every channel at once, as before channel fallback (tests/notifications/test_fallback.py)."""
UI = "http://127.0.0.1:4200"


def sweep(now: datetime, policy: ReminderPolicy = POLICY) -> tuple[ClaimReport, DeliveryReport]:
    """One sweep without Prefect: flag, claim, deliver (what the flow's tasks do)."""
    flag_overdue_steps(now)
    sweep_id = new_sweep_id()
    claimed = claim_due(now, policy, sweep_id)
    delivered = deliver_claimed(claimed.ids, now=now, policy=policy, ui_url=UI, sweep_id=sweep_id)
    return claimed, delivered


def ledger(session: Session) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).order_by(Notification.id)))
