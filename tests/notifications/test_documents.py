"""Golden tests: each document in French and English, byte for byte against tests/notifications/golden/.

Regenerate after an intended change with
    DEBATES_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/notifications/test_documents.py
and review the diff of golden/ before committing it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.stages.sessions import DebateSession
from notifications.documents.content import invitation_view, minutes_view, safety_plan_view
from notifications.documents.render import render
from tests.notifications.documents_data import (
    add_minutes,
    add_safety_plan,
    ngara_cycle,
)

GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("DEBATES_UPDATE_GOLDEN") == "1"
LOCALES = ["fr", "en"]


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with DEBATES_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file; see the module docstring"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("flavour", ["html", "txt"])
def test_invitation_matches_its_golden_file(session: Session, locale: str, flavour: str) -> None:
    cycle = ngara_cycle(session)
    text = render("invitation", flavour, locale, doc=invitation_view(session, cycle.id, 1))  # type: ignore[arg-type]
    check_golden(f"invitation.{locale}.{flavour}", text)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("flavour", ["html", "md"])
def test_minutes_match_their_golden_file(session: Session, locale: str, flavour: str) -> None:
    cycle = ngara_cycle(session)
    add_minutes(session, cycle)
    text = render("minutes", flavour, locale, doc=minutes_view(session, cycle.id, 1))  # type: ignore[arg-type]
    check_golden(f"minutes.{locale}.{flavour}", text)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("flavour", ["html", "md"])
def test_safety_plan_matches_its_golden_file(session: Session, locale: str, flavour: str) -> None:
    cycle = ngara_cycle(session)
    add_minutes(session, cycle)
    add_safety_plan(session, cycle, answers=True)
    text = render("safety_plan", flavour, locale, doc=safety_plan_view(session, cycle.id))  # type: ignore[arg-type]
    check_golden(f"safety_plan.{locale}.{flavour}", text)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("flavour", ["html", "txt"])
def test_updated_invitation_after_a_postponement_matches_its_golden_file(
    session: Session, locale: str, flavour: str
) -> None:
    cycle = ngara_cycle(session)
    debate = session.scalar(select(DebateSession).where(DebateSession.cycle_id == cycle.id))
    assert debate is not None
    debate.starts_at = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    debate.status, debate.revision, debate.status_reason = "postponed", 1, "fête de la Tabaski"
    session.flush()
    text = render("invitation", flavour, locale, doc=invitation_view(session, cycle.id, 1))  # type: ignore[arg-type]
    check_golden(f"invitation-postponed.{locale}.{flavour}", text)
