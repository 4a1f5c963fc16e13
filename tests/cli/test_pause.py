"""`debates pause / resume / extend` as a coordinator types them: what they print, what they
change, and bad input as one line naming the fix, exit 1, nothing changed."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.clock import utcnow
from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.pause import CyclePause
from models.geography.places import resolve_commune
from models.policy import CyclePolicy


def launch(session: Session, commune: str, start: date) -> int:
    cycle = launch_cycle(
        session,
        resolve_commune(session, commune),
        start_on=start,
        policy=CyclePolicy(),
        actor="coordinator",
        now=utcnow(),
    )
    session.commit()
    return cycle.id


def dues(session: Session, cycle_id: int) -> dict[str, datetime]:
    session.expire_all()
    return {s.name: s.due_at for s in session.get_one(Cycle, cycle_id).steps}


def snapshot(session: Session) -> tuple[int, int, dict[int, dict[str, datetime]]]:
    session.expire_all()
    ids = session.scalars(select(Cycle.id)).all()
    return (
        session.scalar(select(func.count(CyclePause.id))) or 0,
        session.scalar(select(func.count(AuditEvent.id))) or 0,
        {i: dues(session, i) for i in ids},
    )


def test_pause_shows_everywhere_and_resume_same_day_moves_nothing(
    debates, session: Session
) -> None:  # type: ignore[no-untyped-def]
    cycle_id = launch(session, "Diré", utcnow().date() - timedelta(days=40))
    before = dues(session, cycle_id)
    result = debates("pause", str(cycle_id), "--reason", "route coupée")
    assert result.code == 0, result.err
    assert f"Paused 1 cycle(s): {cycle_id}." in result.out

    shown = debates("show", str(cycle_id))
    assert "Paused since" in shown.out and "route coupée" in shown.out
    data = json.loads(debates("show", str(cycle_id), "--json").out)
    assert data["paused"]["reason"] == "route coupée"
    listing = json.loads(debates("cycles", "--json").out)
    assert listing[0]["paused"]["reason"] == "route coupée"
    status = debates("status")
    assert "1 paused (listed last)" in status.out and "0 overdue" in status.out
    assert debates("status", "--overdue").out.strip() == "No active cycle matches."

    resumed = debates("resume", str(cycle_id))
    assert resumed.code == 0, resumed.err
    assert f"Cycle {cycle_id} resumed" in resumed.out and "by 0 day(s)" in resumed.out
    assert dues(session, cycle_id) == before
    history = debates("history", str(cycle_id))  # in French words, newest first
    assert history.code == 0, history.err
    text = " ".join(history.out.split())
    assert text.index("cycle repris") < text.index("cycle mis en pause")


def test_region_pause_and_resume_take_every_active_cycle_of_the_region(
    debates, session: Session
) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().date()
    dire = launch(session, "Diré", today)
    ber = launch(session, "Ber", today)
    segou = launch(session, "ML040107", today)
    result = debates("pause", "--region", "Tombouctou", "--reason", "insécurité")
    assert result.code == 0, result.err
    assert f"Paused 2 cycle(s): {dire}, {ber}." in result.out
    session.expire_all()
    paused = set(session.scalars(select(CyclePause.cycle_id).where(CyclePause.ended_at.is_(None))))
    assert paused == {dire, ber} and segou not in paused

    again = debates("pause", "--region", "Tombouctou", "--reason", "insécurité")
    assert "No active cycle to pause in Tombouctou" in again.out

    resumed = debates("resume", "--region", "Tombouctou")
    assert resumed.code == 0 and resumed.out.count("resumed") == 2
    session.expire_all()
    assert session.scalar(select(CyclePause.id).where(CyclePause.ended_at.is_(None))) is None


def test_extend_moves_the_step_and_the_later_ones(debates, session: Session) -> None:  # type: ignore[no-untyped-def]
    cycle_id = launch(session, "Diré", utcnow().date())
    before = dues(session, cycle_id)
    result = debates("extend", str(cycle_id), "schedule", "--days", "7", "--reason", "pluies")
    assert result.code == 0, result.err
    after = dues(session, cycle_id)
    assert after["baseline"] == before["baseline"]
    assert all(after[n] - before[n] == timedelta(days=7) for n in before if n != "baseline")
    history = " ".join(debates("history", str(cycle_id)).out.split())
    assert "étape schedule : échéance déplacée au" in history and "(pluies)" in history


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["pause", "999", "--reason", "x"], "No cycle with id 999; 'debates cycles' lists them"),
        (["pause", "{id}", "--reason", "encore"], "is paused already"),
        (["resume", "{other}"], "is not paused; nothing to resume"),
        (["pause", "--reason", "x"], "CYCLE / --region: give one"),
        (["pause", "{id}", "--reason", " "], "--reason: missing"),
        (["extend", "{id}", "schedule", "--days", "0", "--reason", "x"], "--days: 0; give"),
        (["extend", "{id}", "schedule", "--days", "-3", "--reason", "x"], "--days: -3; give"),
        (
            ["extend", "{id}", "schedule", "--days", "3", "--to", "2099-01-01", "--reason", "x"],
            "--days / --to: give exactly one",
        ),
        (["extend", "{id}", "schedule", "--to", "2020-01-01", "--reason", "x"], "--to: 2020-01-01"),
        (["extend", "{id}", "nope", "--days", "3", "--reason", "x"], "STEP: cycle"),
        (["pause", "--region", "Atlantis", "--reason", "x"], "Unknown region 'Atlantis'"),
    ],
)
def test_bad_input_is_one_line_naming_the_fix_and_changes_nothing(
    debates, session: Session, args: list[str], expected: str
) -> None:  # type: ignore[no-untyped-def]
    cycle_id = launch(session, "Diré", utcnow().date())
    other = launch(session, "Ber", utcnow().date())
    assert debates("pause", str(cycle_id), "--reason", "route coupée").code == 0
    before = snapshot(session)
    typed = [a.format(id=cycle_id, other=other) for a in args]
    result = debates(*typed)
    assert result.code == 1, result.out
    assert expected in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert snapshot(session) == before
