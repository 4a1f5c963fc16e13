"""Documents as stored and sent: escaping, sensitive grievances, the .ics and its update semantics,
and storage that a replay leaves unchanged."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.cycle.document import Document
from models.errors import InvalidInput, NotFound
from models.settings import get_settings
from models.stages.sessions import DebateSession
from notifications.documents.build import build_invitation, build_minutes, build_safety_plan
from tests.notifications.documents_data import (
    SCRIPT,
    SESSION_1_AT,
    add_minutes,
    add_safety_plan,
    ngara_cycle,
)

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
SECRET_THEME = "Exactions de 2013"
SECRET_SUMMARY = "Nom d'un auteur présumé cité en séance."


def data_dir() -> Path:
    return get_settings().data_dir


def document_count(session: Session) -> int:
    return session.scalar(select(func.count(Document.id))) or 0


def event_of(ics: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(ics)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_every_document_escapes_script_and_hides_the_sensitive_grievance(
    session: Session, locale: str
) -> None:
    cycle = ngara_cycle(session)
    add_minutes(session, cycle)
    add_safety_plan(session, cycle)
    minutes = build_minutes(session, cycle.id, 1, locale=locale, data_dir=data_dir(), now=NOW)
    plan = build_safety_plan(session, cycle.id, locale=locale, data_dir=data_dir(), now=NOW)
    sensitive_note = (
        "sensible — voir le coordinateur" if locale == "fr" else "sensitive — see the coordinator"
    )
    for built in (minutes, plan):
        for stored in built.files:
            text = (data_dir() / stored.path).read_text(encoding="utf-8")
            assert SCRIPT not in text, stored.path
            assert not re.search(r"(?<!\\)<script", text, re.IGNORECASE), stored.path
            assert SECRET_THEME not in text and SECRET_SUMMARY not in text, stored.path
            assert sensitive_note in text, stored.path
            assert "N&#39;gara" in text if stored.format == "html" else "N'gara" in text
        html = (data_dir() / built.path("html")).read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(&#39;pv&#39;)&lt;/script&gt;" in html
        assert "@page { size: A4" in html
        assert "\\<script\\>" in (data_dir() / built.path("md")).read_text(encoding="utf-8")


def test_the_safety_plan_annexes_every_session_minutes_and_signature_blocks(
    session: Session,
) -> None:
    cycle = ngara_cycle(session)
    add_minutes(session, cycle, 1)
    add_minutes(session, cycle, 2)
    add_safety_plan(session, cycle)
    plan = build_safety_plan(session, cycle.id, locale="fr", data_dir=data_dir(), now=NOW)
    html = (data_dir() / plan.path("html")).read_text(encoding="utf-8")
    assert "Annexe 1 — procès-verbal du débat n° 1" in html
    assert "Annexe 2 — procès-verbal du débat n° 2" in html
    assert "Le Maire de la commune de N&#39;gara" in html
    assert "Pour le comité communal de sécurité" in html
    assert html.index("Conflit d&#39;accès au puits") < html.index("Dégâts des troupeaux")
    assert "Association des éleveurs &lt;Sébénikoro&gt;" in html


def test_invitation_ics_parses_back_with_start_in_utc_uid_and_sequence_zero(
    session: Session,
) -> None:
    cycle = ngara_cycle(session)
    invitation = build_invitation(
        session, cycle.id, 1, locale="fr", data_dir=data_dir(), now=NOW, organizer="amm@example.org"
    )
    event = event_of(invitation.ics)
    assert event.decoded("dtstart") == SESSION_1_AT
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == SESSION_1_AT + timedelta(hours=3)
    assert str(event["uid"]) == "debate-ML040107-1-1@debates.amm.ml"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstamp") == NOW
    assert "N'gara" in str(event["summary"])
    assert str(icalendar.Calendar.from_ical(invitation.ics)["method"]) == "REQUEST"
    assert "Aïssata Traoré" in invitation.text and "09h30" in invitation.text
    assert invitation.subject == "Débat de réconciliation n° 1 — N'gara, 21 février 2026"


def test_an_invitation_carries_what_the_mailer_attaches(session: Session) -> None:
    cycle = ngara_cycle(session)
    invitation = build_invitation(
        session, cycle.id, 1, locale="en", data_dir=data_dir(), now=NOW, organizer="amm@example.org"
    )
    assert invitation.ics.startswith(b"BEGIN:VCALENDAR")
    assert b"METHOD:REQUEST" in invitation.ics
    assert invitation.ics_filename == "debat-1.ics"
    assert invitation.subject == "Reconciliation debate no. 1 — N'gara, 21 February 2026"


def test_a_postponed_session_gets_an_update_with_the_same_uid_and_a_higher_sequence(
    session: Session,
) -> None:
    cycle = ngara_cycle(session)
    first = build_invitation(session, cycle.id, 1, locale="en", data_dir=data_dir(), now=NOW)
    debate = session.scalar(select(DebateSession).where(DebateSession.cycle_id == cycle.id))
    assert debate is not None
    new_start = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    debate.starts_at, debate.revision, debate.status_reason = new_start, 1, "fête de la Tabaski"
    session.flush()
    later = NOW + timedelta(days=10)
    update = build_invitation(session, cycle.id, 1, locale="en", data_dir=data_dir(), now=later)

    old, new = event_of(first.ics), event_of(update.ics)
    assert str(new["uid"]) == str(old["uid"])
    assert int(new["sequence"]) == int(old["sequence"]) + 1 == 1
    assert new.decoded("dtstart") == new_start
    assert new.decoded("dtstamp") > old.decoded("dtstamp")
    assert update.subject.startswith("[Updated]")
    assert "Reason: fête de la Tabaski." in update.text
    assert first.files[0].path != update.files[0].path  # the first invitation is kept as sent


def test_a_replayed_invitation_is_the_same_bytes_and_adds_no_row(session: Session) -> None:
    cycle = ngara_cycle(session)
    first = build_invitation(session, cycle.id, 1, locale="fr", data_dir=data_dir(), now=NOW)
    rows = document_count(session)
    again = build_invitation(
        session, cycle.id, 1, locale="fr", data_dir=data_dir(), now=NOW + timedelta(hours=5)
    )
    assert again.ics == first.ics
    assert document_count(session) == rows == 3
    assert not any(f.changed for f in again.files)


def test_corrected_minutes_rewrite_their_file_under_the_same_row(session: Session) -> None:
    cycle = ngara_cycle(session)
    minutes = add_minutes(session, cycle)
    first = build_minutes(session, cycle.id, 1, locale="fr", data_dir=data_dir(), now=NOW)
    assert (
        build_minutes(session, cycle.id, 1, locale="fr", data_dir=data_dir(), now=NOW)
        .files[0]
        .changed
        is False
    )
    minutes.validated_by = "Moussa Coulibaly, facilitateur"
    session.flush()
    second = build_minutes(session, cycle.id, 1, locale="fr", data_dir=data_dir(), now=NOW)
    assert [f.path for f in second.files] == [f.path for f in first.files]
    assert all(f.changed for f in second.files)
    assert second.files[0].sha256 != first.files[0].sha256
    assert "Moussa Coulibaly, facilitateur" in (data_dir() / second.path("html")).read_text("utf-8")
    assert document_count(session) == 2


def test_minutes_not_yet_submitted_is_an_error_naming_the_step(session: Session) -> None:
    cycle = ngara_cycle(session)
    with pytest.raises(NotFound, match=r"no minutes for debate session 1.*'minutes-1'"):
        build_minutes(session, cycle.id, 1, locale="fr", data_dir=data_dir(), now=NOW)


def test_a_language_without_templates_is_refused_with_the_known_ones(session: Session) -> None:
    cycle = ngara_cycle(session)
    add_minutes(session, cycle)
    with pytest.raises(InvalidInput, match="'bm' has no document templates; use one of fr, en"):
        build_minutes(session, cycle.id, 1, locale="bm", data_dir=data_dir(), now=NOW)


def test_a_cancelled_session_sends_a_cancel_with_the_same_uid_and_a_higher_sequence(
    session: Session,
) -> None:
    cycle = ngara_cycle(session)
    first = build_invitation(
        session, cycle.id, 1, locale="fr", data_dir=data_dir(), now=NOW, organizer="amm@example.org"
    )
    debate = session.scalar(select(DebateSession).where(DebateSession.cycle_id == cycle.id))
    assert debate is not None
    debate.status, debate.status_reason = "cancelled", "insécurité sur la route"
    session.flush()
    cancel = build_invitation(
        session, cycle.id, 1, locale="fr", data_dir=data_dir(), now=NOW, organizer="amm@example.org"
    )
    event = event_of(cancel.ics)
    assert str(icalendar.Calendar.from_ical(cancel.ics)["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(event_of(first.ics)["uid"])
    assert int(event["sequence"]) == 1 and cancel.cancelled
    assert cancel.subject.startswith("[Annulé]")
    assert "Motif : insécurité sur la route." in cancel.text


def test_recorded_steps_make_due_their_documents() -> None:
    from models.cycle.document import DocumentKind
    from notifications.documents.build import DueDocument, documents_after

    assert documents_after("minutes-2") == [DueDocument(DocumentKind.MINUTES, 2)]
    assert (
        documents_after("plan")
        == documents_after("handover")
        == [DueDocument(DocumentKind.SAFETY_PLAN)]
    )
    assert documents_after("baseline") == documents_after("session-1") == []
