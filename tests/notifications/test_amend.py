"""Correcting a recorded step (`services.amend`): the minutes' documents get a new revision and the
old one stays, the audit entry names each field old -> new and the reason, a session moved by a
corrected schedule is invited again with the same UID and SEQUENCE + 1, and `history` tells it all
newest first without the grievance text. Real aiosmtpd receiver, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.cycle import Cycle
from models.cycle.document import Document
from models.cycle.stepflow import apply_submission, parse_submission
from models.settings import get_settings
from models.stages.minutes import Minutes
from notifications.documents.build import build_minutes
from notifications.history import history, history_markdown
from services.amend import amend
from tests.flows import inputs
from tests.models.test_matching_db import NOW
from tests.notifications.receivers import Mailbox
from tests.notifications.test_invitation_sending import (
    FIRST,
    START,
    coordinator,
    invites,
    outcome,
    scheduled,
    send,
    team_of_two,
)

DAY = FIRST.date()
HELD = FIRST + timedelta(days=1)
"""When session 1's outcome and minutes are recorded: after it was held."""
AMENDED = HELD + timedelta(hours=1)


def with_minutes(session: Session) -> Cycle:
    cycle = scheduled(session, team=False)
    outcome(session, cycle, 1, inputs.held(), now=HELD)
    minutes = inputs.minutes(DAY)
    apply_submission(session, cycle.id, "minutes-1", minutes, actor="awa", now=HELD)
    build_minutes(session, cycle.id, 1, locale="fr", data_dir=get_settings().data_dir, now=NOW)
    session.flush()
    return cycle


def corrected_minutes() -> dict[str, object]:
    data = inputs.minutes(DAY)
    data["validated_by"] = "Maire de Diré"
    data["grievances"] = [{"theme": "foncier", "summary": "Puits fermés", "sensitive": True}]
    return data


def test_amended_minutes_get_a_new_document_revision_and_the_old_one_stays(
    session: Session,
) -> None:
    cycle = with_minutes(session)
    submission = parse_submission("minutes-1", corrected_minutes())

    done = amend(
        cycle.id, "minutes-1", submission, reason="erreur de saisie", who="oumar", now=AMENDED
    )

    assert set(done.amended.changes) == {"grievances.0.summary", "validated_by"}
    assert done.amended.changes["validated_by"] == ("Secrétaire général de mairie", "Maire de Diré")
    rows = session.scalars(
        select(Document).where(Document.cycle_id == cycle.id, Document.kind == "minutes")
    ).all()
    assert sorted({d.revision for d in rows}) == [0, 1]
    data_dir = get_settings().data_dir
    old = next(d for d in rows if d.revision == 0 and d.format == "md")
    new = next(d for d in rows if d.revision == 1 and d.format == "md")
    assert "Secrétaire général" in (data_dir / old.path).read_text()
    assert "Maire de Diré" in (data_dir / new.path).read_text()
    minutes = session.scalars(select(Minutes).where(Minutes.cycle_id == cycle.id)).one()
    session.refresh(minutes)
    assert minutes.validated_by == "Maire de Diré"
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "step.amended"))
    assert (event.actor, event.reason) == ("oumar", "erreur de saisie")
    assert event.before is not None and event.after is not None
    assert event.before["validated_by"] == "Secrétaire général de mairie"
    assert event.after["validated_by"] == "Maire de Diré"
    assert "Puits fermés" not in str(event.after) and "Champs occupés" not in str(event.before)


def test_the_same_input_changes_nothing_and_writes_nothing(session: Session) -> None:
    cycle = with_minutes(session)
    count = len(session.scalars(select(AuditEvent)).all())

    done = amend(
        cycle.id,
        "minutes-1",
        parse_submission("minutes-1", inputs.minutes(DAY)),
        reason="x",
        who="o",
    )

    assert not done.changed and done.documents == []
    assert len(session.scalars(select(AuditEvent)).all()) == count


def test_a_session_moved_by_a_corrected_schedule_is_invited_again_with_sequence_1(
    session: Session, mailbox: Mailbox
) -> None:
    team_of_two(session, mailbox)
    coordinator(session, mailbox.url("coord@example.org"))
    cycle = scheduled(session)
    send(cycle.id, NOW)
    first = {i.start: i.uid for i in invites(mailbox)}
    data = inputs.schedule(START)
    data["sessions"][0]["starts_at"] = str(FIRST + timedelta(days=2)).replace(" ", "T")

    done = amend(
        cycle.id, "schedule", parse_submission("schedule", data), reason="route coupée", who="o"
    )

    assert done.amended.moved_sessions == (1,)
    updates = invites(mailbox)[6:]
    assert done.invitations_sent == len(updates) == 3
    assert {(u.uid, u.sequence, u.start) for u in updates} == {
        (first[FIRST], 1, FIRST + timedelta(days=2))
    }


def test_history_tells_launch_submissions_and_the_amendment_newest_first(
    session: Session,
) -> None:
    cycle = with_minutes(session)
    later = AMENDED
    amend(
        cycle.id,
        "minutes-1",
        parse_submission("minutes-1", corrected_minutes()),
        reason="erreur",
        who="prefect-ui:oumar",
        now=later,
    )
    entries = history(session, cycle.id, locale="fr")

    assert entries[0].action == "step.amended" and entries[0].channel == "interface Prefect"
    assert "grievances.0.summary" in entries[0].what and "erreur" in entries[0].what
    actions = [e.action for e in entries]
    for earlier, newer in [
        ("cycle.launched", "baseline.recorded"),
        ("baseline.recorded", "minutes.recorded"),
    ]:
        assert actions.index(newer) < actions.index(earlier)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    text = history_markdown(entries, label=cycle.label, locale="en")
    assert text.startswith("# History — ") and "Puits" not in text and "Champs" not in text


def test_a_later_render_goes_to_the_latest_revision_and_leaves_the_old_one_as_it_was(
    session: Session,
) -> None:
    cycle = with_minutes(session)
    amend(
        cycle.id,
        "minutes-1",
        parse_submission("minutes-1", corrected_minutes()),
        reason="r",
        who="o",
        now=AMENDED,
    )
    data_dir = get_settings().data_dir
    old = data_dir / f"documents/cycle-{cycle.id}/minutes-1.fr.md"
    kept = old.read_text()

    built = build_minutes(session, cycle.id, 1, locale="fr", data_dir=data_dir, now=NOW)

    assert built.path("md").endswith("minutes-1-r1.fr.md")
    assert old.read_text() == kept and "Secrétaire général" in kept
