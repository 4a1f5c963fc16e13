"""Real receivers: the French reminder reaches an SMTP server, the escalation a json:// webhook;
failing receivers are retried, recorded and reported; closed steps are never reminded."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from models.cycle.cycle import Step
from models.cycle.status import close_cycle
from models.cycle.transitions import CycleStatus
from notifications.sweep import claim_due, new_sweep_id
from tests.notifications.conftest import (
    EVERY_CHANNEL,
    POLICY,
    add_person,
    launch,
    ledger,
    only_step,
    sweep,
)
from tests.notifications.receivers import Mailbox, Webhook


def test_the_french_reminder_email_names_the_accented_commune_the_date_and_the_flow_run(
    session: Session, mailbox: Mailbox
) -> None:
    aissata = add_person(session, "Aïssata Exemple", contacts=[mailbox.url("aissata@example.org")])
    cycle = launch(session, "Diré")
    run_id = str(uuid.uuid4())
    cycle.flow_run_id = run_id
    step = only_step(session, cycle, "minutes-1")
    step.facilitator_id = aissata.id
    session.flush()

    sweep(step.due_at - timedelta(hours=33))  # 09:00 Bamako the day before

    reminders = [m for m in mailbox.messages if m["Subject"].startswith("Rappel")]
    assert len(reminders) == 1
    email = reminders[0]
    assert email["Subject"] == "Rappel : Procès-verbal du débat n° 1 — Diré, avant le 18 avril 2026"
    assert email["To"] == "aissata@example.org"
    body = email.get_body(("plain",)).get_content()
    assert "Bonjour Aïssata Exemple," in body
    assert "commune de Diré (cercle de Dire, région de Tombouctou)" in body
    assert "attendue dans 1 jour, le 18 avril 2026 à 18:00 (heure de Bamako)" in body
    assert f"http://127.0.0.1:4200/runs/flow-run/{run_id}" in body
    assert [n.status for n in ledger(session) if n.rule == "before-1d"] == ["sent"]


def test_the_json_webhook_receives_the_escalation_to_the_regions_coordinator(
    session: Session, hook: Webhook
) -> None:
    add_person(
        session,
        "Oumar Coordinateur",
        role="coordinator",
        regions=["ML06"],
        contacts=[hook.url("hooks/oumar-TOKEN-0001")],
    )
    add_person(
        session,
        "Autre Région",
        role="coordinator",
        regions=["ML07"],
        contacts=[hook.url("hooks/gao")],
    )
    step = only_step(session, launch(session, "Diré"), "baseline")

    sweep(step.due_at + timedelta(days=3, hours=1))

    assert [r["_path"] for r in hook.received] == ["/hooks/oumar-TOKEN-0001"] * 2
    titles = sorted(r["title"] for r in hook.received)
    assert titles[0].startswith("En retard : Étude de base")
    assert (
        titles[1] == "Escalade : Étude de base (diagnostic local de sécurité) — Diré, 4 j de retard"
    )
    escalation = next(r["message"] for r in hook.received if r["title"].startswith("Escalade"))
    assert "Responsable de l'étape : la coordination de la région." in escalation
    session.expire_all()
    assert session.get_one(Step, step.id).escalation_level == 1


def test_failing_receivers_are_retried_with_backoff_then_reported_and_others_still_go(
    session: Session, hook: Webhook, mailbox: Mailbox
) -> None:
    add_person(
        session,
        "Oumar Coordinateur",
        role="coordinator",
        regions=["ML06"],
        contacts=[hook.url("hooks/oumar")],
    )
    broken = add_person(session, "Hawa Webhook", contacts=[hook.url("fail/SECRET-TOKEN-42")])
    refused = add_person(session, "Idrissa Refus", contacts=[mailbox.url("refuse@example.org")])
    fine = add_person(session, "Aminata Ok", contacts=[mailbox.url("aminata@example.org")])
    dire = only_step(session, launch(session, "Diré"), "session-1")
    dire.facilitator_id = broken.id
    ber = launch(session, "Ber")
    only_step(session, ber, "session-1").facilitator_id = refused.id
    # Aminata's step is another cycle's: a step after Idrissa's would not be chased before it.
    only_step(session, launch(session, "Alafia"), "session-1").facilitator_id = fine.id
    session.flush()
    now = dire.due_at - timedelta(hours=33)

    _claimed, delivered = sweep(now)  # does not raise

    # Hawa and Idrissa: assignment and reminder fail; Aminata's assignment and reminder go out.
    assert (delivered.sent, delivered.failed) == (2, 4)
    assert sorted(m["To"] for m in mailbox.messages) == ["aminata@example.org"] * 2
    failed = [n for n in ledger(session) if n.status == "failed"]
    assert {n.facilitator_id for n in failed} == {broken.id, refused.id}
    for row in failed:
        assert row.attempts == 1
        assert row.next_attempt_at == now + timedelta(minutes=POLICY.retry_backoff_minutes[0])
        assert row.last_error
        assert "SECRET" not in row.last_error
        assert "refuse@example.org" not in row.last_error
        assert "127.0.0.1" not in row.last_error
    assert {n.last_error for n in failed if n.channel == "json"} == {
        "json: Failed to send JSON POST notification: Internal server error., error=500."
    }

    # Nothing is retried before its backoff; then attempts 2, 3 and 4 (the limit).
    assert sweep(now + timedelta(minutes=5))[0].retried == 0
    moment = now
    for delay in POLICY.retry_backoff_minutes:
        moment += timedelta(minutes=delay)
        assert sweep(moment)[0].retried == 4
    given_up = [n for n in ledger(session) if n.facilitator_id in {broken.id, refused.id}]
    assert {(n.status, n.attempts, n.next_attempt_at) for n in given_up} == {
        ("failed", POLICY.retry_limit, None)
    }
    assert len(hook.failed) == 2 * POLICY.retry_limit
    notices = sorted(r["title"] for r in hook.received if r["title"].startswith("Injoignable"))
    assert (
        notices
        == ["Injoignable : Hawa Webhook — Diré"] * 2 + ["Injoignable : Idrissa Refus — Ber"] * 2
    )
    body = next(r["message"] for r in hook.received if "Hawa" in r["title"])
    assert f"sur son canal json après {POLICY.retry_limit} tentatives" in body

    # After the limit nothing more is tried, and nobody is told twice.
    sweep(moment + timedelta(hours=1))
    assert len(hook.failed) == 2 * POLICY.retry_limit
    assert len([r for r in hook.received if r["title"].startswith("Injoignable")]) == 4


def test_steps_of_done_skipped_or_cancelled_cycles_are_never_reminded(
    session: Session, hook: Webhook
) -> None:
    add_person(session, "Oumar", role="coordinator", regions=["ML06"], contacts=[hook.url()])
    cancelled = launch(session, "Diré")
    close_cycle(session, cancelled, CycleStatus.CANCELLED, actor="t", now=cancelled.launched_at)
    done = only_step(session, launch(session, "Ber"), "baseline")
    done.status = "done"
    session.flush()

    claimed, _ = sweep(done.due_at + timedelta(days=10))

    assert claimed.new == 0
    assert hook.received == []


def test_a_moved_due_date_cancels_the_pending_retries_and_reminds_for_the_new_date(
    session: Session, hook: Webhook
) -> None:
    person = add_person(session, "Hawa", contacts=[hook.url("fail/x")])
    step = only_step(session, launch(session, "Diré"), "session-1")
    step.facilitator_id = person.id
    session.flush()
    old_due = step.due_at
    now = old_due - timedelta(hours=33)
    sweep(now)
    assert {n.status for n in ledger(session)} == {"failed"}

    moved = session.get_one(Step, step.id)
    moved.due_at = old_due + timedelta(days=14)
    session.flush()
    sweep(now + timedelta(hours=1))

    rows = ledger(session)
    assert {n.status for n in rows if n.due_at == old_due} == {"cancelled"}
    assert [n.rule for n in rows if n.due_at == moved.due_at] == []
    sweep(moved.due_at - timedelta(hours=33))
    rows = ledger(session)
    assert [n.rule for n in rows if n.due_at == moved.due_at] == ["before-1d"]
    assert {n.status for n in rows if n.due_at == old_due} == {"cancelled"}


def test_sms_type_channels_wait_for_the_end_of_quiet_hours_while_email_goes(
    session: Session, mailbox: Mailbox
) -> None:
    sms = "twilio://AC1234567890abcdef1234567890abcd:secret@+22370000000/+22376000000"
    person = add_person(session, "Fanta Sms", contacts=[sms, mailbox.url("fanta@example.org")])
    step = only_step(session, launch(session, "Diré"), "session-1")
    step.facilitator_id = person.id
    session.flush()
    night = step.due_at - timedelta(hours=20)  # 22:00 in Bamako, the day before
    morning = step.due_at - timedelta(hours=10)  # 08:00 on the due day

    claimed = claim_due(night, EVERY_CHANNEL, new_sweep_id())

    assert claimed.deferred_quiet == 2  # assignment and reminder, on the SMS channel
    assert {n.channel for n in ledger(session)} == {"mailto"}
    claim_due(morning, EVERY_CHANNEL, new_sweep_id())
    # The SMS gets the reminder due now (the night's 'before-1d' is superseded); the assignment
    # notice, once per person and cycle, already reached her by e-mail.
    assert sorted((n.channel, n.rule) for n in ledger(session)) == [
        ("mailto", "assignment"),
        ("mailto", "before-1d"),
        ("mailto", "due-today"),
        ("twilio", "due-today"),
    ]


def test_a_lead_facilitator_owning_every_session_step_is_told_once_per_cycle(
    session: Session, hook: Webhook
) -> None:
    lead = add_person(session, "Moussa Lead", contacts=[hook.url("moussa")])
    cycle = launch(session, "Diré")
    for step in cycle.steps:
        if step.stage in ("facilitation", "minutes"):
            step.facilitator_id = lead.id
    session.flush()

    sweep(cycle.launched_at + timedelta(hours=1))
    sweep(cycle.launched_at + timedelta(hours=2))

    assert [r["title"] for r in hook.received] == ["Affectation : Tenir le débat n° 1 — Diré"]
