"""The commune's office holders receive the session invitations (e-mail with the .ics) and the
validated safety plan (e-mail with the plan's HTML attached; the text elsewhere), in their own
language, once each: the ledger names them 'roster:<contact>' with `commune_person_id`, apart from
facilitators. A past office holder receives nothing. Real aiosmtpd and HTTP receivers, SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from email.message import EmailMessage

from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.cycle.stepflow import apply_submission
from models.people.facilitator import Contact
from models.people.roster import CommunePerson, CommunePersonContact
from models.text import name_key
from tests.flows import inputs
from tests.models.test_matching_db import NOW
from tests.notifications.conftest import ledger, sweep
from tests.notifications.receivers import Mailbox, Webhook
from tests.notifications.test_invitation_sending import (
    START,
    coordinator,
    invites,
    scheduled,
    send,
)

DIRE = "ML060205"


def office_holder(
    session: Session,
    name: str,
    *urls: str,
    role: str = "mayor",
    pcode: str = DIRE,
    locale: str = "fr",
    since: date | None = None,
    until: date | None = None,
    contact_id: int | None = None,
) -> CommunePerson:
    person = CommunePerson(
        commune_pcode=pcode,
        role=role,
        name=name,
        name_key=name_key(name),
        sex="M",
        locale=locale,
        since=since,
        until=until,
        created_at=NOW,
    )
    person.contacts = [CommunePersonContact(id=contact_id, url=url) for url in urls]
    session.add(person)
    session.flush()
    return person


def to(message: EmailMessage) -> str:
    return str(message["To"])


def plan_mails(mailbox: Mailbox) -> list[EmailMessage]:
    subjects = ("Plan local de sécurité", "local safety plan")
    return [m for m in mailbox.messages if any(s in str(m["Subject"]) for s in subjects)]


def html_attachments(message: EmailMessage) -> list[str]:
    return [
        part.get_content()
        for part in message.iter_attachments()
        if part.get_content_type() == "text/html"
    ]


def test_office_holders_are_invited_by_email_with_the_ics_once_in_their_language(
    session: Session, mailbox: Mailbox
) -> None:
    mayor = office_holder(
        session, "Boubacar Maire", mailbox.url("maire@example.org"), contact_id=9001
    )
    office_holder(
        session, "Youssouf Jeune", mailbox.url("jeunes@example.org"), role="youth_lead", locale="en"
    )
    office_holder(
        session, "Aminata Ancienne", mailbox.url("ancienne@example.org"),
        since=date(2015, 1, 1), until=date(2020, 1, 1),
    )  # fmt: skip
    office_holder(session, "Maire Ailleurs", mailbox.url("ailleurs@example.org"), pcode="ML060101")
    # A coordinator's contact with the mayor's contact id: two recipients, not one.
    coord = coordinator(session)
    coord.contacts = [Contact(id=9001, url=mailbox.url("coord@example.org"))]
    cycle = scheduled(session, team=False)

    _claimed, report = send(cycle.id, NOW)

    received = invites(mailbox)
    assert report.sent == 6 and report.failed == 0  # 2 sessions x (mayor, youth lead, coordinator)
    assert sorted(i.to for i in received) == sorted(
        ["maire@example.org", "jeunes@example.org", "coord@example.org"] * 2
    )
    youth = [i.subject for i in received if i.to == "jeunes@example.org"]
    assert all(s.startswith("Reconciliation debate no.") for s in youth)
    mayors = [i.subject for i in received if i.to == "maire@example.org"]
    assert all(s.startswith("Débat de réconciliation n°") for s in mayors)
    rows = [n for n in ledger(session) if n.commune_person_id == mayor.id]
    assert {(n.recipient, n.facilitator_id, n.contact_id) for n in rows} == {
        ("roster:9001", None, None)
    }
    assert {n.recipient for n in ledger(session) if n.facilitator_id == coord.id} == {
        "contact:9001"
    }

    assert send(cycle.id, NOW + timedelta(minutes=5))[1].sent == 0  # the flow's task again
    assert sweep(NOW + timedelta(hours=1))[1].sent == 0  # the hourly sweep
    assert len(invites(mailbox)) == 6


LATER = inputs.recorded_at("plan", START)
"""When the plan is recorded: after every session of the schedule is held."""


def through_plan(session: Session, cycle: Cycle) -> None:
    """Record the cycle's steps after the schedule, up to and including the validated plan."""
    for step in ("session-1", "minutes-1", "session-2", "minutes-2", "plan"):
        data = inputs.for_step(step, START)
        apply_submission(session, cycle.id, step, data, actor="c", now=LATER)
    session.flush()


def test_the_validated_plan_reaches_the_mayor_once_with_the_html_attached(
    session: Session, mailbox: Mailbox, hook: Webhook
) -> None:
    office_holder(session, "Boubacar Maire", mailbox.url("maire@example.org"))
    office_holder(
        session, "Alassane Point-Focal", hook.url("hooks/securite"),
        role="security_focal_point", locale="en",
    )  # fmt: skip
    office_holder(
        session, "Aminata Ancienne", mailbox.url("ancienne@example.org"),
        since=date(2015, 1, 1), until=date(2020, 1, 1),
    )  # fmt: skip
    cycle = scheduled(session, team=False)
    send(cycle.id, LATER)
    invitations = len(mailbox.messages)
    through_plan(session, cycle)

    _claimed, report = send(cycle.id, LATER + timedelta(hours=1))  # as the flow does after 'plan'

    assert (report.sent, report.failed) == (2, 0)
    (mail,) = plan_mails(mailbox)
    assert to(mail) == "maire@example.org"
    assert str(mail["Subject"]) == "Plan local de sécurité validé — Diré"
    assert "Le plan est joint à ce message" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    (html,) = html_attachments(mail)
    assert "Baliser les couloirs" in html and "<html" in html.lower()
    (text,) = [r for r in hook.received if r["_path"] == "/hooks/securite" and "plan" in r["title"]]
    assert text["title"] == "Validated local safety plan — Diré"
    assert "ask for it" in text["message"] and not text.get("attachments")
    plan_rows = [n for n in ledger(session) if n.rule == f"plan-c{cycle.id}"]
    assert len(plan_rows) == 2 and {n.status for n in plan_rows} == {"sent"}
    assert all(n.recipient.startswith("roster:") for n in plan_rows)

    assert send(cycle.id, LATER + timedelta(hours=2))[1].sent == 0
    assert sweep(LATER + timedelta(hours=3))[1].sent == 0
    apply_submission(
        session, cycle.id, "handover", inputs.for_step("handover", START), actor="c", now=LATER
    )
    session.flush()
    handed = session.get_one(Cycle, cycle.id)
    assert handed.status == "active"  # the handover starts the follow-up (its visits wait)
    assert handed.waiting_step() is not None and handed.waiting_step().name == "visit-1"  # type: ignore[union-attr]
    assert send(cycle.id, LATER + timedelta(hours=4))[1].sent == 0  # the flow's next call
    assert sweep(LATER + timedelta(hours=5))[1].sent == 0
    assert len(plan_mails(mailbox)) == 1
    assert len(mailbox.messages) == invitations + 1


def test_a_plan_recorded_from_the_cli_goes_out_with_the_sweep_after_the_handover_and_a_failure_is_retried(
    session: Session, mailbox: Mailbox
) -> None:
    office_holder(session, "Boubacar Maire", mailbox.url("maire@example.org"))
    office_holder(session, "Chef Refus", mailbox.url("refuse@example.org"), role="chief")
    cycle = scheduled(session, team=False)
    through_plan(session, cycle)
    apply_submission(
        session, cycle.id, "handover", inputs.for_step("handover", START), actor="c", now=LATER
    )
    session.flush()

    _claimed, report = sweep(LATER + timedelta(hours=1))

    assert (report.sent, report.failed) == (1, 1)
    assert [to(m) for m in plan_mails(mailbox)] == ["maire@example.org"]
    sweep(LATER + timedelta(hours=2))  # past the first backoff: the chief's address is tried again
    (refused,) = [n for n in ledger(session) if n.rule.startswith("plan-") and n.status != "sent"]
    assert (refused.status, refused.attempts) == ("failed", 2)  # retried, not cancelled
    assert len(plan_mails(mailbox)) == 1
