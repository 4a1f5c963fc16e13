"""Channel fallback with real receivers: a person's channels are tried in their listed order; a
message that failed on one after its retries goes, once, to the next; the coordinator hears only
when every channel failed; the ledger says which channel delivered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from models.policy import ReminderPolicy
from tests.notifications.conftest import add_person, launch, ledger, only_step, sweep
from tests.notifications.receivers import Mailbox, Webhook, free_port

# One attempt per channel, so a single sweep walks the whole fallback.
ONE_TRY = ReminderPolicy(retry_limit=1)


def closed_port_webhook() -> str:
    """A json:// channel on a local port nobody listens on: every send is refused."""
    return f"json://127.0.0.1:{free_port()}/sms-gateway"


def test_a_message_refused_by_the_first_channel_arrives_once_by_email_and_the_ledger_says_so(
    session: Session, mailbox: Mailbox, hook: Webhook
) -> None:
    aissata = add_person(
        session,
        "Aïssata Exemple",
        contacts=[closed_port_webhook(), mailbox.url("aissata@example.org")],
    )
    add_person(
        session,
        "Oumar Coordinateur",
        role="coordinator",
        regions=["ML06"],
        contacts=[hook.url("hooks/oumar")],
    )
    cycle = launch(session, "Diré")
    step = only_step(session, cycle, "minutes-1")
    step.facilitator_id = aissata.id
    session.flush()
    moment = step.due_at - timedelta(hours=33)  # the day before, 09:00 Bamako

    _, report = sweep(moment, ONE_TRY)
    sweep(moment + timedelta(hours=1), ONE_TRY)  # a later sweep sends nothing again

    reminders = [m for m in mailbox.messages if m["Subject"].startswith("Rappel")]
    assert len(reminders) == 1
    assert reminders[0]["To"] == "aissata@example.org"
    rows = [n for n in ledger(session) if n.rule == "before-1d"]
    assert sorted((n.channel, n.status) for n in rows) == [("json", "failed"), ("mailto", "sent")]
    assert report.fell_back == 2  # the assignment notice and the reminder
    assert report.unreachable_reported == 0
    assert hook.messages() == []  # the coordinator is not told: the person was reached


def test_the_coordinator_is_told_only_when_every_channel_failed(
    session: Session, hook: Webhook
) -> None:
    aissata = add_person(
        session,
        "Aïssata Exemple",
        contacts=[closed_port_webhook(), closed_port_webhook()],
    )
    add_person(
        session,
        "Oumar Coordinateur",
        role="coordinator",
        regions=["ML06"],
        contacts=[hook.url("hooks/oumar"), hook.url("hooks/oumar-second")],
    )
    cycle = launch(session, "Diré")
    step = only_step(session, cycle, "minutes-1")
    step.facilitator_id = aissata.id
    session.flush()

    sweep(step.due_at - timedelta(hours=33), ONE_TRY)

    rows = [n for n in ledger(session) if n.rule == "before-1d"]
    assert [n.status for n in rows] == ["failed", "failed"]  # both channels, once each
    told = [m for m in hook.messages() if "Impossible de joindre Aïssata Exemple" in m]
    paths = {r["_path"] for r in hook.received}
    assert told and paths == {"/hooks/oumar"}  # his first channel only
    # one notice per message given up on (assignment and reminder), after the second channel
    assert len(told) == 2


def test_without_fallback_every_channel_gets_the_message_at_once(
    session: Session, mailbox: Mailbox, hook: Webhook
) -> None:
    aissata = add_person(
        session,
        "Aïssata Exemple",
        contacts=[hook.url("sms/aissata"), mailbox.url("aissata@example.org")],
    )
    cycle = launch(session, "Diré")
    step = only_step(session, cycle, "minutes-1")
    step.facilitator_id = aissata.id
    session.flush()

    sweep(step.due_at - timedelta(hours=33), ReminderPolicy(channel_fallback=False))

    rows = [n for n in ledger(session) if n.rule == "before-1d"]
    assert sorted((n.channel, n.status) for n in rows) == [("json", "sent"), ("mailto", "sent")]
