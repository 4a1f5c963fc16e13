"""`debates actions update`: one item's update between visits, a dated note `debates actions` shows."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.followup.items import ItemUpdate, items_of
from tests.models.test_plan_answers import up_to


def test_an_update_from_the_cli_is_a_dated_note_that_actions_shows(  # type: ignore[no-untyped-def]
    debates, session: Session
) -> None:
    cycle = up_to(session, "handover")
    session.commit()
    done = debates(
        "actions",
        "update",
        str(cycle.id),
        "2",
        "--status",
        "in_progress",
        "--progress",
        "40",
        "--deadline",
        "2027-06-30",
        "--note",
        "Réunion tenue avec les chefs",
    )
    assert done.code == 0, done.err
    assert f"Cycle {cycle.id}, item 2: in_progress 40%, deadline 2027-06-30" in done.out
    second = items_of(session, cycle.id)[1]
    session.refresh(second)
    assert (second.status, second.progress, second.deadline) == (
        "in_progress",
        40,
        date(2027, 6, 30),
    )
    [row] = session.scalars(select(ItemUpdate).where(ItemUpdate.item_id == second.id)).all()
    assert row.visit_id is None and row.note == "Réunion tenue avec les chefs"
    listed = json.loads(debates("actions", "--cycle", str(cycle.id), "--json").out)
    assert listed[1]["last_note"] == "Réunion tenue avec les chefs"
    assert listed[1]["last_update"] == row.on.isoformat()


def test_the_last_open_item_finished_says_the_next_visit_closes_the_cycle(  # type: ignore[no-untyped-def]
    debates, session: Session
) -> None:
    cycle = up_to(session, "handover")
    numbers = [item.number for item in items_of(session, cycle.id)]
    session.commit()
    assert len(numbers) == 4  # the plan's two actions, a commitment of each session
    for number in numbers:
        done = debates(
            "actions", "update", str(cycle.id), str(number), "--status", "done", "--note", "fait"
        )
        assert done.code == 0, done.err
    assert "the cycle closes at its next visit ('visit-1')" in done.out
    shown = json.loads(debates("cycles", "--json").out)
    assert [c["status"] for c in shown if c["id"] == cycle.id] == ["active"]
