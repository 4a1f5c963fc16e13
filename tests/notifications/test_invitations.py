"""Invitations to debate sessions go out once per session and revision, through the sweep: e-mail to
the team with the .ics attached (parsed back with icalendar), the text to the region's coordinators'
webhook; a postponed session sends an update with the same UID and a higher SEQUENCE. Real aiosmtpd
and HTTP receivers, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from icalendar import Calendar
from sqlalchemy.orm import Session

from models.cycle.stepflow import apply_submission
from models.matching.team import assign_cycle
from models.people.facilitator import Contact
from tests.flows import inputs
from tests.models.test_matching_db import NOW, POLICY, add_person, launch
from tests.notifications.conftest import add_person as add_coordinator
from tests.notifications.conftest import ledger, sweep
from tests.notifications.receivers import Mailbox, Webhook

START = date(2027, 1, 4)


def _calendar(message: EmailMessage) -> Calendar | None:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return Calendar.from_ical(payload)
    return None


def _invitations(mailbox: Mailbox) -> list[tuple[str, Calendar]]:
    """(recipient, calendar) of every e-mail that carries one."""
    found = []
    for message in mailbox.messages:
        calendar = _calendar(message)
        if calendar is not None:
            found.append((str(message["To"]), calendar))
    return found


def _event(calendar: Calendar) -> tuple[str, int, datetime]:
    (event,) = calendar.walk("VEVENT")
    return str(event["UID"]), int(event["SEQUENCE"]), event.decoded("DTSTART")


def test_the_team_gets_the_ics_by_email_the_coordinator_the_text_and_a_postponement_updates_it(
    session: Session, mailbox: Mailbox, hook: Webhook
) -> None:
    team = [
        add_person(session, "Awa Maïga", "ML070103", sex="F"),
        add_person(session, "Baba Touré", "ML060201"),
    ]
    for person in team:
        person.contacts = [Contact(url=mailbox.url(f"p{person.id}@example.org"))]
    add_coordinator(
        session, "Oumar Coordinateur", role="coordinator", regions=["ML06"],
        contacts=[hook.url("hooks/oumar")],
    )  # fmt: skip
    cycle = launch(session, "ML060101", START)  # Alafia, Tombouctou
    apply_submission(session, cycle.id, "baseline", inputs.baseline(START), actor="c", now=NOW)
    apply_submission(session, cycle.id, "schedule", inputs.schedule(START), actor="c", now=NOW)
    assert assign_cycle(session, cycle.id, policy=POLICY, now=NOW).assigned
    session.flush()

    sweep(NOW + timedelta(hours=1))
    sweep(NOW + timedelta(hours=2))  # nothing twice

    first = _invitations(mailbox)
    addresses = {f"p{p.id}@example.org" for p in team}
    assert sorted(to for to, _ in first) == sorted([*addresses, *addresses])  # 2 sessions, 2 people
    starts = {
        1: datetime(2027, 2, 13, 9, 0, tzinfo=UTC),  # START + 40 days, 09:00 UTC
        2: datetime(2027, 2, 27, 9, 0, tzinfo=UTC),
    }
    events = {_event(calendar) for _, calendar in first}
    uids = {uid for uid, _, _ in events}
    assert len(uids) == 2
    assert {(sequence, start) for _, sequence, start in events} == {(0, s) for s in starts.values()}
    subject = next(m["Subject"] for m in mailbox.messages if _calendar(m) is not None)
    assert "Alafia" in subject
    texts = [r for r in hook.received if r["_path"] == "/hooks/oumar" and "Alafia" in r["title"]]
    invitations_text = [r for r in texts if "Mairie" in r["message"]]
    assert len(invitations_text) == 2  # the venue is in the text; no attachment on a webhook
    assert not any(r.get("attachments") for r in invitations_text)
    assert {n.status for n in ledger(session) if n.rule.startswith("invite-")} == {"sent"}

    # Session 1 is postponed by three weeks: one update per person, same UID, SEQUENCE 1.
    later = START + timedelta(days=61)
    apply_submission(
        session, cycle.id, "session-1", inputs.postponed(later), actor="c", now=NOW, revision=0
    )
    session.flush()
    sweep(NOW + timedelta(hours=3))
    sweep(NOW + timedelta(hours=4))

    updates = _invitations(mailbox)[len(first) :]
    assert sorted(to for to, _ in updates) == sorted(addresses)
    old_uid = next(uid for uid, _, start in events if start == starts[1])
    moved = datetime(later.year, later.month, later.day, 9, 0, tzinfo=UTC)
    assert {_event(calendar) for _, calendar in updates} == {(old_uid, 1, moved)}
    assert len([r for r in hook.received if "Mairie" in r["message"]]) == 3
