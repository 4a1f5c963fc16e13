"""`debates sweep --dry-run` shows what would go out and writes nothing; bad input is one line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from cli.app import run
from models.cycle.cycle import Step
from tests.notifications.conftest import add_person, launch, ledger, only_step
from tests.notifications.receivers import Webhook


def test_dry_run_lists_the_due_reminders_and_sends_and_writes_nothing(
    session: Session, hook: Webhook, capsys: pytest.CaptureFixture[str]
) -> None:
    add_person(session, "Oumar Coord", role="coordinator", regions=["ML06"], contacts=[hook.url()])
    step = only_step(session, launch(session, "Diré"), "baseline")
    session.flush()
    now = (step.due_at - timedelta(hours=33)).isoformat()

    code = run(["sweep", "--now", now, "--dry-run"])

    out = capsys.readouterr().out
    assert code == 0
    assert "before-1d" in out
    assert "Oumar Coord" in out
    assert "Diré (Tombouctou)" in out
    assert "1 notifications would be sent" in out
    assert "127.0.0.1" not in out  # channels show their scheme only
    assert hook.received == []
    assert ledger(session) == []
    assert session.get_one(Step, step.id).status == "pending"


def test_a_moment_without_timezone_is_refused_with_the_fix(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["sweep", "--now", "2026-04-12T09:00", "--dry-run"])
    err = capsys.readouterr().err
    assert code == 1
    assert "--now: '2026-04-12T09:00' has no timezone" in err
