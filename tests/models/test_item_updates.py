"""An item's update between visits: one dated row through the visits' own write, audited, and a
cycle that still closes only at a visit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.stepflow import apply_submission
from models.errors import InvalidInput, NotFound
from models.followup.items import ItemUpdate, items_of
from models.followup.updates import ItemUpdated, parse_item_change, update_item
from tests.flows import inputs
from tests.models.test_follow_up import add_office_holder, through_handover

NOW = datetime(2026, 8, 10, 15, 0, tzinfo=UTC)


def update(session: Session, cycle_id: int, item: int, **given: Any) -> ItemUpdated:
    change = parse_item_change({"note": "Nouvelles du point focal"} | given)
    return update_item(session, cycle_id, item, change, actor="awa", now=NOW)


def test_an_update_between_visits_is_one_dated_row_audited_with_its_actor(
    session: Session,
) -> None:
    cycle = through_handover(session)
    done = update(session, cycle.id, 1, status="in_progress", progress="35", deadline="2026-10-15")
    first = items_of(session, cycle.id)[0]
    assert (first.status, first.progress, first.deadline) == ("in_progress", 35, date(2026, 10, 15))
    [row] = session.scalars(select(ItemUpdate).where(ItemUpdate.item_id == first.id)).all()
    assert (row.on, row.visit_id, row.note, row.actor) == (
        date(2026, 8, 10),
        None,
        "Nouvelles du point focal",
        "awa",
    )
    [event] = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "item.updated", AuditEvent.entity_id == str(first.id)
        )
    ).all()
    assert event.actor == "awa" and event.after is not None
    assert event.after["deadline"] == "2026-10-15" and event.after["visit"] is False
    assert (done.status, done.progress, done.every_item_finished, done.next_visit) == (
        "in_progress",
        35,
        False,
        "visit-1",
    )


def test_what_is_not_given_stays_and_done_counts_100(session: Session) -> None:
    cycle = through_handover(session)
    update(session, cycle.id, 2, progress="60")
    second = items_of(session, cycle.id)[1]
    assert (second.status, second.progress) == ("planned", 60)
    update(session, cycle.id, 2, status="done")
    assert (second.status, second.progress) == ("done", 100)
    with pytest.raises(InvalidInput) as refused:
        update(session, cycle.id, 2, progress="80")
    assert refused.value.problems == [
        ("--progress", "give --status in_progress with it to reopen the item")
    ]
    update(session, cycle.id, 2, status="in_progress", progress="80")
    assert (second.status, second.progress, len(second.updates)) == ("in_progress", 80, 3)


def test_the_owner_is_named_from_the_roster(session: Session) -> None:
    chief = add_office_holder(session, "Tombouctou", "chief", "Mahamane Alpha")
    cycle = through_handover(session)
    update(session, cycle.id, 3, owner="Mahamane Alpha")
    assert items_of(session, cycle.id)[2].owner_id == chief.id
    with pytest.raises(InvalidInput) as refused:
        update(session, cycle.id, 3, owner="Personne")
    [(where, why)] = refused.value.problems
    assert where == "--owner" and "no current office holder of Tombouctou" in why


@pytest.mark.parametrize(
    ("given", "where", "said"),
    [
        ({"status": "dropped"}, "--reason", "a dropped item needs a reason; give --reason"),
        ({"status": "finished"}, "--status", "'planned', 'in_progress', 'done' or 'dropped'"),
        ({"progress": "150"}, "--progress", "less than or equal to 100"),
        ({"deadline": "15/10/2026"}, "--deadline", "valid date"),
        ({"note": "  "}, "--note", "at least 1 character"),
        ({"status": "done", "reason": "x"}, "--reason", "--reason is for --status dropped only"),
    ],
)
def test_bad_input_names_the_option_and_the_fix(
    given: dict[str, str], where: str, said: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_item_change({"note": "n"} | given)
    [(found, why)] = refused.value.problems
    assert found == where and said in why


def test_an_unknown_item_or_cycle_is_refused_and_nothing_changes(session: Session) -> None:
    cycle = through_handover(session)
    with pytest.raises(InvalidInput, match=r"has no item 9; its items are 1, 2, 3"):
        update(session, cycle.id, 9, progress="10")
    with pytest.raises(NotFound):
        update(session, 999_999, 1, progress="10")
    assert session.scalar(select(ItemUpdate)) is None


def test_finishing_every_item_between_visits_leaves_the_closing_to_the_next_visit(
    session: Session,
) -> None:
    cycle = through_handover(session)
    update(session, cycle.id, 1, status="done")
    update(session, cycle.id, 2, status="dropped", reason="Plus de budget")
    last = update(session, cycle.id, 3, status="done")
    assert last.every_item_finished and last.next_visit == "visit-1"
    assert cycle.status == "active"
    dropped = items_of(session, cycle.id)[1]
    assert (dropped.drop_reason, dropped.updates[-1].note) == (
        "Plus de budget",
        "Nouvelles du point focal",
    )
    apply_submission(
        session,
        cycle.id,
        "visit-1",
        inputs.visit(date(2026, 10, 1), []),
        actor="coord",
        now=datetime(2026, 10, 1, 18, 0, tzinfo=UTC),
    )
    assert cycle.status == "completed"
    assert cycle.step("visit-2").status == "skipped"
    with pytest.raises(InvalidInput, match="is completed; its items take no more updates"):
        update(session, cycle.id, 1, progress="10")
