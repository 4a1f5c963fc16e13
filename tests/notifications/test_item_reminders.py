"""Tracked items are chased through the ledger: the owner before and after the deadline, the
coordinator once overdue long enough, nothing for a dropped item; each message once (aiosmtpd)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from models.cycle.stepflow import apply_submission
from models.followup.items import items_of
from models.followup.updates import parse_item_change, update_item
from models.people.roster import CommunePersonContact
from tests.flows import inputs
from tests.models.test_follow_up import add_office_holder, through_handover
from tests.notifications.conftest import add_person, ledger, sweep
from tests.notifications.receivers import Mailbox

HANDED = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
# Item 1 (the plan's action) is due 2026-08-29 18:00; items 2 and 3 (commitments) 2026-07-30.
WEEK_BEFORE = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
LONG_OVERDUE = datetime(2026, 9, 13, 19, 0, tzinfo=UTC)


def _mayor_with_mail(
    session: Session, mailbox: Mailbox, address: str = "maire@example.org"
) -> None:
    mayor = add_office_holder(session, "Tombouctou", "mayor", "Hamadoun Touré")
    mayor.contacts = [CommunePersonContact(url=mailbox.url(address))]
    session.flush()


def _subjects(mailbox: Mailbox, to: str) -> list[str]:
    return [str(m["Subject"]) for m in mailbox.messages if to in str(m["To"])]


def test_the_owner_gets_the_reminder_before_the_deadline_once(
    session: Session, mailbox: Mailbox
) -> None:
    _mayor_with_mail(session, mailbox)
    cycle = through_handover(session, now=HANDED)
    first = items_of(session, cycle.id)[0]
    sweep(WEEK_BEFORE)
    sweep(WEEK_BEFORE.replace(hour=15))
    reminders = [s for s in _subjects(mailbox, "maire@") if s.startswith("Rappel : action n° 1 ")]
    assert reminders == [
        "Rappel : action n° 1 du plan de sécurité — Tombouctou, échéance le 29 août 2026"
    ]
    rows = [n for n in ledger(session) if n.item_id == first.id and "before" in n.rule]
    assert [(n.rule, n.status) for n in rows] == [(f"item-{first.id}-before-7d", "sent")]
    assert rows[0].commune_person_id is not None and rows[0].facilitator_id is None
    # Items 2 and 3, a session's commitments, overdue by then, are called what they are.
    overdue = sorted(s for s in _subjects(mailbox, "maire@") if s.startswith("En retard"))
    assert overdue == [
        "En retard : engagement n° 2 pris au débat — Tombouctou",
        "En retard : engagement n° 3 pris au débat — Tombouctou",
    ]


def test_an_overdue_item_escalates_to_the_coordinator_once(
    session: Session, mailbox: Mailbox
) -> None:
    _mayor_with_mail(session, mailbox)
    add_person(
        session,
        "Aminata Maïga",
        role="coordinator",
        contacts=[mailbox.url("coord@example.org")],
        regions=["ML06"],
    )
    cycle = through_handover(session, now=HANDED)
    first = items_of(session, cycle.id)[0]
    sweep(LONG_OVERDUE)
    sweep(LONG_OVERDUE.replace(day=20))
    escalations = [s for s in _subjects(mailbox, "coord@") if "action n° 1 " in s]
    assert len(escalations) == 1 and escalations[0].startswith("Escalade : action n° 1 en retard")
    rows = [n for n in ledger(session) if n.rule == f"item-{first.id}-escalation"]
    assert [n.status for n in rows] == ["sent"]
    overdue = [n.rule for n in ledger(session) if n.item_id == first.id and "overdue" in n.rule]
    assert overdue == [f"item-{first.id}-overdue-3", f"item-{first.id}-overdue-4"]


def test_a_dropped_items_pending_reminder_is_cancelled_not_sent(
    session: Session, mailbox: Mailbox
) -> None:
    _mayor_with_mail(session, mailbox, "refuse-maire@example.org")  # the first send fails
    cycle = through_handover(session, now=HANDED)
    first = items_of(session, cycle.id)[0]
    sweep(WEEK_BEFORE)
    [pending] = [n for n in ledger(session) if n.rule == f"item-{first.id}-before-7d"]
    assert pending.status == "failed" and pending.next_attempt_at is not None
    session.execute(  # the address is mended: a retry would now be delivered
        update(CommunePersonContact).values(url=mailbox.url("maire@example.org"))
    )
    dropped = [{"item": 1, "status": "dropped", "progress": 0, "reason": "Plus de budget"}]
    apply_submission(
        session,
        cycle.id,
        "visit-1",
        inputs.visit(date(2026, 8, 22), dropped),
        actor="coord",
        now=WEEK_BEFORE,
    )
    sweep(WEEK_BEFORE.replace(hour=18))
    assert {n.status for n in ledger(session) if n.item_id == first.id} == {"cancelled"}
    assert not [s for s in _subjects(mailbox, "maire@") if "action n° 1 " in s]


def _update_between_visits(session: Session, cycle_id: int, now: datetime, **given: str) -> None:
    change = parse_item_change({"note": "Appel du point focal"} | given)
    update_item(session, cycle_id, 1, change, actor="coord", now=now)


def test_an_item_dropped_between_visits_has_its_pending_reminder_cancelled(
    session: Session, mailbox: Mailbox
) -> None:
    _mayor_with_mail(session, mailbox, "refuse-maire@example.org")  # the first send fails
    cycle = through_handover(session, now=HANDED)
    first = items_of(session, cycle.id)[0]
    sweep(WEEK_BEFORE)
    [pending] = [n for n in ledger(session) if n.rule == f"item-{first.id}-before-7d"]
    assert pending.status == "failed"
    session.execute(update(CommunePersonContact).values(url=mailbox.url("maire@example.org")))
    _update_between_visits(
        session, cycle.id, WEEK_BEFORE, status="dropped", reason="Plus de budget"
    )
    sweep(WEEK_BEFORE.replace(hour=18))
    assert {n.status for n in ledger(session) if n.item_id == first.id} == {"cancelled"}
    assert not [s for s in _subjects(mailbox, "maire@") if "action n° 1 " in s]


def test_a_new_deadline_between_visits_cancels_the_old_reminder_and_gets_fresh_ones_once(
    session: Session, mailbox: Mailbox
) -> None:
    _mayor_with_mail(session, mailbox, "refuse-maire@example.org")
    cycle = through_handover(session, now=HANDED)
    first = items_of(session, cycle.id)[0]
    sweep(WEEK_BEFORE)
    session.execute(update(CommunePersonContact).values(url=mailbox.url("maire@example.org")))
    _update_between_visits(session, cycle.id, WEEK_BEFORE, deadline="2026-09-30")
    sweep(WEEK_BEFORE.replace(hour=18))  # the old date's retry is cancelled, not sent
    assert not [s for s in _subjects(mailbox, "maire@") if "action n° 1 " in s]
    new_week_before = datetime(2026, 9, 23, 9, 0, tzinfo=UTC)
    sweep(new_week_before)
    sweep(new_week_before.replace(hour=15))
    reminders = [s for s in _subjects(mailbox, "maire@") if s.startswith("Rappel : action n° 1 ")]
    assert reminders == [
        "Rappel : action n° 1 du plan de sécurité — Tombouctou, échéance le 30 septembre 2026"
    ]
    statuses = [(n.status, n.due_at.date()) for n in ledger(session) if n.item_id == first.id]
    assert ("cancelled", date(2026, 8, 29)) in statuses and ("sent", date(2026, 9, 30)) in statuses
