"""Sending invitations to debate sessions from the cycle flow, once per session revision and
recipient channel: e-mail with the .ics (parsed back with icalendar) to the team and the region's
coordinators, the text alone to a webhook, an update with the same UID and SEQUENCE 1 after a
postponement, a cancellation notice, nothing twice whichever sender (flow or sweep) runs again.
Real aiosmtpd and HTTP receivers, SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from prefect import flow, get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.logging.handlers import APILogHandler
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.cycle import catch_up
from models.cycle.cycle import Cycle
from models.cycle.stepflow import apply_submission
from models.matching.team import assign_cycle
from models.people.facilitator import Contact, Facilitator
from models.policy import ReminderPolicy
from models.settings import get_settings
from models.stages.sessions import DebateSession
from notifications.deliveries import DeliveryReport, deliver_claimed
from notifications.invitations import InvitationClaims, claim_invitations
from notifications.sweep import new_sweep_id, preview
from tasks.cycle import open_step
from tests.flows import inputs
from tests.models.test_matching_db import NOW, add_person, launch
from tests.models.test_matching_db import POLICY as MATCHING
from tests.notifications.conftest import EVERY_CHANNEL, POLICY, UI, ledger, sweep
from tests.notifications.conftest import add_person as add_coordinator
from tests.notifications.receivers import Mailbox, Webhook
from tests.prefect_workers import harness

START = date(2027, 1, 4)
FIRST = datetime(2027, 2, 13, 9, 0, tzinfo=UTC)  # START + 40 days, 09:00 (Bamako is UTC+0)
SECOND = datetime(2027, 2, 27, 9, 0, tzinfo=UTC)
TOKEN = "tok3n-Zq81Hv"
PASSWORD = "PassW0rd-1nv1te"


def send(
    cycle_id: int, now: datetime, policy: ReminderPolicy = POLICY
) -> tuple[InvitationClaims, DeliveryReport]:
    """What the flow's send-invitations task does, without Prefect."""
    sweep_id = new_sweep_id()
    claimed = claim_invitations(cycle_id, now=now, policy=policy, sweep_id=sweep_id)
    report = deliver_claimed(claimed.ids, now=now, policy=policy, ui_url=UI, sweep_id=sweep_id)
    return claimed, report


@dataclass(frozen=True)
class Invite:
    to: str
    subject: str
    uid: str
    sequence: int
    start: datetime
    status: str


def invites(mailbox: Mailbox) -> list[Invite]:
    """Every e-mail received with a calendar (others are reminders and team notices), as its event."""
    found = []
    for message in mailbox.messages:
        calendar = _calendar(message)
        if calendar is None:
            continue
        assert message.is_multipart()
        (event,) = calendar.walk("VEVENT")
        start = event.decoded("DTSTART")
        assert event["DTSTART"].to_ical().endswith(b"Z")  # in UTC
        found.append(
            Invite(
                to=str(message["To"]),
                subject=str(message["Subject"]),
                uid=str(event["UID"]),
                sequence=int(event["SEQUENCE"]),
                start=start,
                status=str(event.get("STATUS", "")),
            )
        )
    return found


def _calendar(message: EmailMessage) -> Calendar | None:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    if not parts:
        return None
    (part,) = parts
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload)


def team_of_two(session: Session, mailbox: Mailbox) -> list[Facilitator]:
    team = [
        add_person(session, "Awa Maïga", "ML070103", sex="F"),
        add_person(session, "Baba Touré", "ML060201"),
    ]
    for person in team:
        person.contacts = [Contact(url=mailbox.url(f"p{person.id}@example.org"))]
    return team


def coordinator(session: Session, *urls: str, locale: str = "fr") -> Facilitator:
    """The coordinator of Tombouctou (ML06), who invites the participants."""
    return add_coordinator(
        session,
        "Oumar Coordinateur",
        role="coordinator",
        regions=["ML06"],
        contacts=list(urls),
        locale=locale,
    )


def addresses(team: list[Facilitator]) -> list[str]:
    """Where the team and the coordinator (coord@) read their e-mail, sorted."""
    return sorted([*(f"p{p.id}@example.org" for p in team), "coord@example.org"])


def scheduled(session: Session, pcode: str = "ML060205", *, team: bool = True) -> Cycle:
    """A cycle in Diré (by default) with two sessions scheduled and, if asked, its team."""
    cycle = launch(session, pcode, START)
    apply_submission(session, cycle.id, "baseline", inputs.baseline(START), actor="c", now=NOW)
    apply_submission(session, cycle.id, "schedule", inputs.schedule(START), actor="c", now=NOW)
    if team:
        assert assign_cycle(session, cycle.id, policy=MATCHING, now=NOW).assigned
    session.flush()
    return cycle


def outcome(
    session: Session, cycle: Cycle, number: int, data: dict[str, Any], *, now: datetime = NOW
) -> None:
    """Session `number` held, postponed or cancelled, as the facilitator reports it (at `now`)."""
    revision = session.scalar(
        select(DebateSession.revision).where(
            DebateSession.cycle_id == cycle.id, DebateSession.number == number
        )
    )
    apply_submission(
        session, cycle.id, f"session-{number}", data, actor="c", now=now, revision=revision
    )
    session.flush()


def invitation_texts(hook: Webhook) -> list[dict[str, Any]]:
    """What the webhook received that is an invitation (the venue is in the text)."""
    return [r for r in hook.received if "Mairie" in r["message"]]


def test_scheduled_sessions_reach_the_team_and_the_coordinator_by_email_with_the_ics_once(
    session: Session, mailbox: Mailbox
) -> None:
    team = team_of_two(session, mailbox)
    coordinator(session, mailbox.url("coord@example.org"))
    cycle = scheduled(session)

    _claimed, report = send(cycle.id, NOW)

    people = addresses(team)
    received = invites(mailbox)
    assert report.sent == 6 and report.failed == 0  # 2 sessions x 3 people
    assert sorted(i.to for i in received if i.start == FIRST) == people
    assert sorted(i.to for i in received if i.start == SECOND) == people
    assert {(i.sequence, i.status) for i in received} == {(0, "CONFIRMED")}
    assert len({i.uid for i in received}) == 2  # one UID per session
    assert all("Diré" in i.subject for i in received)

    assert send(cycle.id, NOW + timedelta(minutes=5))[1].sent == 0  # a replay of the flow's task
    sweep(NOW + timedelta(hours=1))  # ... or the hourly sweep
    assert len(invites(mailbox)) == 6


def test_a_postponed_session_sends_one_update_per_person_with_the_same_uid_and_sequence_1(
    session: Session, mailbox: Mailbox
) -> None:
    team = team_of_two(session, mailbox)
    coordinator(session, mailbox.url("coord@example.org"), mailbox.url("refuse@example.org"))
    cycle = scheduled(session)
    send(cycle.id, NOW, EVERY_CHANNEL)
    first = {i.start: i.uid for i in invites(mailbox)}
    refusing = next(c.id for c in session.scalars(select(Contact)) if "refuse@" in c.url)
    refused = [n for n in ledger(session) if n.recipient == f"contact:{refusing}"]
    assert {n.status for n in refused} == {"failed"}  # retried later: unless superseded

    later = START + timedelta(days=61)
    outcome(session, cycle, 1, inputs.postponed(later))
    claimed, report = send(cycle.id, NOW + timedelta(minutes=5), EVERY_CHANNEL)

    moved = datetime(later.year, later.month, later.day, 9, 0, tzinfo=UTC)
    updates = invites(mailbox)[6:]
    assert sorted(u.to for u in updates) == addresses(team)
    assert {(u.uid, u.sequence, u.start) for u in updates} == {(first[FIRST], 1, moved)}
    assert claimed.superseded == 1  # session 1's revision 0 to the refusing address: not retried
    assert (report.sent, report.failed) == (3, 1)  # the refusing address refuses revision 1 too
    rows = {n.id: n for n in ledger(session)}
    assert [rows[n.id].status for n in refused if "-s1-r0" in n.rule] == ["cancelled"]

    assert send(cycle.id, NOW + timedelta(hours=1), EVERY_CHANNEL)[1].sent == 0
    # the refusing address's retries fail again; nothing resent
    sweep(NOW + timedelta(hours=2), EVERY_CHANNEL)
    assert len(invites(mailbox)) == 9


def test_an_earlier_revision_retry_is_cancelled_not_sent_when_the_day_did_not_change(
    session: Session, hook: Webhook
) -> None:
    coordinator(session, hook.url("fail/oumar"))
    cycle = scheduled(session, team=False)
    sweep(NOW)  # the hourly sweep alone (a CLI submission with no flow run): both fail
    same_day = {"outcome": "postponed", "reason": "crue", "new_starts_at": "2027-02-13T15:00:00Z"}
    outcome(session, cycle, 1, same_day)  # the step's due date stays: the ledger key does not move

    sweep(NOW + timedelta(hours=1))

    rule = f"invite-c{cycle.id}-s1-r0"
    (old,) = [n for n in ledger(session) if n.rule == rule]
    assert (old.status, old.attempts) == ("cancelled", 1)
    assert f"invite-c{cycle.id}-s1-r1" in {n.rule for n in ledger(session)}


def test_a_webhook_channel_gets_the_text_without_attachment_in_the_persons_language(
    session: Session, mailbox: Mailbox, hook: Webhook
) -> None:
    team_of_two(session, mailbox)
    coordinator(session, hook.url("hooks/oumar"), locale="en")
    cycle = scheduled(session)

    send(cycle.id, NOW)

    assert len(hook.received) == 2
    for payload in hook.received:
        assert payload["title"].startswith("Reconciliation debate no.")  # in his language
        assert "Diré" in payload["title"] and "Mairie" in payload["message"]
        assert "BEGIN:VCALENDAR" not in payload["message"]
        assert not payload.get("attachments")
    assert len(invites(mailbox)) == 4  # the team, by e-mail with the .ics


def test_cancelled_sessions_send_a_cancellation_also_when_the_last_one_closes_the_cycle(
    session: Session, mailbox: Mailbox
) -> None:
    team_of_two(session, mailbox)
    cycle = scheduled(session)
    send(cycle.id, NOW)
    uids = {i.start: i.uid for i in invites(mailbox)}

    for number in (1, 2):
        outcome(session, cycle, number, {"outcome": "cancelled", "reason": "insécurité"})
        send(cycle.id, NOW + timedelta(minutes=number))

    assert session.get_one(Cycle, cycle.id).status == "cancelled"
    notices = invites(mailbox)[4:]
    assert {(n.uid, n.sequence, n.status) for n in notices} == {
        (uids[FIRST], 1, "CANCELLED"),
        (uids[SECOND], 1, "CANCELLED"),
    }
    assert len(notices) == 4 and all(n.subject.startswith("[Annulé]") for n in notices)


def test_two_cycles_of_a_region_each_invite_its_coordinator(
    session: Session, hook: Webhook
) -> None:
    """A coordinator told of cycle A's session 1 is still told of cycle B's (the sweep's 'already
    claimed' check is per session, not per session number)."""
    coordinator(session, hook.url("hooks/oumar"))
    scheduled(session, "ML060205", team=False)  # Diré
    sweep(NOW)
    scheduled(session, "ML060101", team=False)  # Alafia, scheduled later
    sweep(NOW + timedelta(hours=1))

    titles = [r["title"] for r in invitation_texts(hook)]
    assert sum("Diré" in t for t in titles) == 2 and sum("Alafia" in t for t in titles) == 2


def test_sms_type_channels_wait_out_quiet_hours_for_the_sweep(
    session: Session, mailbox: Mailbox
) -> None:
    sms = "twilio://AC1234567890abcdef1234567890abcd:secret@+22370000000/+22376000000"
    coordinator(session, sms, mailbox.url("coord@example.org"))
    cycle = scheduled(session, team=False)
    night = datetime(2027, 1, 4, 22, 0, tzinfo=UTC)  # 22:00 in Bamako

    claimed, report = send(cycle.id, night, EVERY_CHANNEL)

    assert (claimed.deferred_quiet, report.sent) == (2, 2)  # e-mail now, SMS in the morning
    _plan, morning = preview(night + timedelta(hours=10), EVERY_CHANNEL)
    sms_rules = [r["rule"] for r in morning if r["channel"] == "twilio"]
    assert sorted(r for r in sms_rules if r.startswith("invite-")) == [
        f"invite-c{cycle.id}-s1-r0",
        f"invite-c{cycle.id}-s2-r0",
    ]


# --- in the cycle flow, on a Prefect server --------------------------------------------------


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    with harness():
        yield


@flow(name="after-schedule")
def after_schedule(cycle_id: int) -> str:
    """What debate_cycle does once the schedule is recorded, before it waits on session 1."""
    step = open_step(cycle_id)
    assert step is not None
    return catch_up(cycle_id, step).name


def run_logs(flow_run_id: str) -> list[str]:
    APILogHandler().flush()
    messages: list[str] = []
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline and not any("invitations" in m for m in messages):
            time.sleep(0.5)  # logs are shipped in batches
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[uuid.UUID(flow_run_id)]))
            )
            messages = [log.message for log in logs]
    return messages


@pytest.mark.prefect
def test_the_cycle_flow_sends_the_invitations_once_scheduled_and_logs_no_apprise_url(
    prefect_server: None,
    session: Session,
    mailbox: Mailbox,
    hook: Webhook,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every channel of the coordinator, the refusing one too (channel fallback would stop at the
    # first that works: tests/notifications/test_fallback.py).
    every = tmp_path / "policy.toml"
    every.write_text("[reminders]\nchannel_fallback = false\n", encoding="utf-8")
    monkeypatch.setenv("DEBATES_POLICY_FILE", str(every))
    get_settings.cache_clear()
    team_of_two(session, mailbox)
    secret_hook = hook.url(f"hooks/{TOKEN}")
    secret_mail = f"mailto://debates:{PASSWORD}@127.0.0.1:{mailbox.port}?to=z@example.org"
    coordinator(session, secret_hook, secret_mail)
    cycle = scheduled(session)

    state = after_schedule(cycle.id, return_state=True)
    assert state.result() == "session-1"
    after_schedule(cycle.id)  # a replay of the flow run sends nothing more

    assert len(invites(mailbox)) == 4  # the team; the password mailto fails (no AUTH here)
    assert len(invitation_texts(hook)) == 2
    logs = run_logs(str(state.state_details.flow_run_id))
    assert any("invitations: sent 6, failed 2" in m for m in logs)
    errors = [n.last_error or "" for n in ledger(session)]
    console = capfd.readouterr()
    haystack = "\n".join([*logs, *errors, console.out, console.err])
    assert "not delivered" in haystack  # the failures were logged ...
    for secret in (TOKEN, PASSWORD, secret_hook, secret_mail):
        assert secret not in haystack  # ... without their URL or token
