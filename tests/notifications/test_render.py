"""Every message renders in both languages from its own template, says what, where, by when and
links to the run; the context has no field a grievance could travel in."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from jinja2 import UndefinedError

from models.reminders.rules import Message
from models.settings import flow_run_url
from notifications.render import TEMPLATES, MessageContext, Moved, environment, render

CONTEXT = MessageContext(
    recipient="Aïssata Exemple",
    step_name="minutes-2",
    step_title="Procès-verbal du débat n° 2",
    session_number=2,
    area="Diré",
    commune="Diré",
    cercle="Dire",
    region="Tombouctou",
    due_at=datetime(2026, 5, 1, 18, 0, tzinfo=UTC),
    days_left=1,
    days_overdue=4,
    owner="Moussa Fictif",
    link=flow_run_url("http://127.0.0.1:4200/", "0b6c5a4e-1111-2222-3333-444455556666"),
    ref=42,
    unreachable="Moussa Fictif",
    unreachable_channel="json",
    attempts=4,
    moved=Moved(
        step_name="minutes-2",
        step_title="Procès-verbal du débat n° 2",
        session_number=2,
        from_at=datetime(2026, 4, 21, 18, 0, tzinfo=UTC),
        to_at=datetime(2026, 5, 1, 18, 0, tzinfo=UTC),
        days=10,
    ),
)


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("message", list(Message))
def test_every_message_says_what_where_by_when_and_links_to_the_run(
    message: Message, locale: str
) -> None:
    assert (TEMPLATES / locale / f"{message.value}.txt.j2").exists()
    rendered = render(message, locale, CONTEXT)
    assert "Diré" in rendered.title
    assert "Diré" in rendered.body and "Tombouctou" in rendered.body
    assert ("1er mai 2026" if locale == "fr" else "1 May 2026") in rendered.body
    assert "18:00" in rendered.body
    assert (
        "http://127.0.0.1:4200/runs/flow-run/0b6c5a4e-1111-2222-3333-444455556666" in rendered.body
    )
    assert ("Réf. 42" if locale == "fr" else "Ref. 42") in rendered.body
    assert "\n\n\n" not in rendered.body


def test_english_messages_translate_the_step_titles() -> None:
    rendered = render(Message.OVERDUE, "en", CONTEXT)
    assert rendered.title == "Overdue: Minutes of debate no. 2 — Diré"
    assert "Procès-verbal" not in rendered.body


def test_an_unknown_locale_falls_back_to_french() -> None:
    assert render(Message.REMINDER, "bm", CONTEXT).title.startswith("Rappel :")


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    template = environment().from_string("{{ c.nothing_here }}")
    with pytest.raises(UndefinedError):
        template.render(c=CONTEXT)


def test_the_message_context_carries_no_minutes_grievance_or_secret() -> None:
    fields = {f.name for f in dataclasses.fields(MessageContext)}
    assert fields == {
        "recipient", "step_name", "step_title", "session_number", "area", "commune", "cercle",
        "region", "due_at", "days_left", "days_overdue", "owner", "link", "ref", "unreachable",
        "unreachable_channel", "attempts",
        "team_role", "reason",  # the matcher's words (languages, dates, unavailability), not minutes
        "slip_days",
        "moved",  # an extension: a step's name, title and due dates
        "item", "item_number", "item_commitment", "progress", "cycle_id",  # a tracked item, no grievance
        "contact",  # who to call (an SMS): a coordinator's or manager's name
    }  # fmt: skip
