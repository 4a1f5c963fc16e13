"""`debates status`: the portfolio in the terminal, filtered by region or overdue, or as JSON."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy.orm import Session

from models.clock import utcnow
from models.cycle.launch import launch_cycle
from models.geography.places import resolve_commune
from models.policy import CyclePolicy


def launch(session: Session, commune: str, start: date) -> None:
    launch_cycle(
        session,
        resolve_commune(session, commune),
        start_on=start,
        policy=CyclePolicy(),
        actor="coordinator",
        now=utcnow(),
    )
    session.commit()


def test_status_shows_each_active_cycle_and_marks_the_overdue_one(
    debates, session: Session
) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().date()
    launch(session, "Diré", today - timedelta(days=40))  # baseline (21 days) is overdue
    launch(session, "ML040107", today)
    result = debates("status")
    assert result.code == 0, result.err
    assert "Diré (ML060205)" in result.out and "N'gara (ML040107)" in result.out
    assert "2 active cycle(s), 1 overdue." in result.out

    overdue = debates("status", "--overdue")
    assert "Diré" in overdue.out and "N'gara" not in overdue.out

    in_segou = json.loads(debates("status", "--region", "ML04", "--json").out)
    assert [(r["commune"], r["stage"], r["waiting_step"]) for r in in_segou] == [
        ("N'gara", "baseline", "baseline")
    ]
    assert in_segou[0]["overdue_days"] == 0


def test_status_with_an_unknown_region_is_one_red_line(debates) -> None:  # type: ignore[no-untyped-def]
    result = debates("status", "--region", "Atlantis")
    assert result.code == 1
    assert "Unknown region 'Atlantis'" in result.err


def test_status_without_cycles_says_so(debates) -> None:  # type: ignore[no-untyped-def]
    result = debates("status")
    assert result.code == 0 and "No active cycle." in result.out
