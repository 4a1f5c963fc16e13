"""The follow-up stage: items tracked from the handover, visits that update them, the cycle closed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.clock import in_bamako
from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.stepflow import apply_submission, open_step, parse_submission
from models.errors import ActiveCycleExists, InvalidInput
from models.followup.items import ItemUpdate, TrackedItem, item_states, items_of, rolled_up
from models.geography.places import resolve_commune
from models.people.roster import CommunePerson
from models.policy import CyclePolicy
from models.stages.follow_up import MonitoringVisit
from models.text import name_key
from tests.flows import inputs

START = date(2026, 3, 2)
HANDED = date(2026, 6, 30)  # inputs.for_step hands the plan over 120 days after the start
AFTER = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def add_office_holder(session: Session, commune: str, role: str, name: str) -> CommunePerson:
    person = CommunePerson(
        commune_pcode=resolve_commune(session, commune).pcode,
        role=role,
        name=name,
        name_key=name_key(name),
        sex="M",
        locale="fr",
        created_at=AFTER,
    )
    session.add(person)
    session.flush()
    return person


def through_handover(
    session: Session, commune: str = "Tombouctou", *, now: datetime = AFTER
) -> Cycle:
    """A cycle launched on START with every step up to the handover recorded at `now`."""
    cycle = launch_cycle(
        session,
        resolve_commune(session, commune),
        start_on=START,
        policy=CyclePolicy(),
        actor="coord",
        now=now,
    )
    for step in [s.name for s in cycle.steps]:
        apply_submission(
            session, cycle.id, step, inputs.for_step(step, START), actor="coord", now=now
        )
    return cycle


def visit(session: Session, cycle: Cycle, step: str, items: list[dict[str, object]]) -> None:
    data = inputs.visit(date(2026, 10, 1), items)
    apply_submission(session, cycle.id, step, data, actor="coord", now=AFTER)


def test_the_handover_turns_actions_and_commitments_into_items_and_plans_the_visits(
    session: Session,
) -> None:
    mayor = add_office_holder(session, "Tombouctou", "mayor", "Hamadoun Touré")
    cycle = through_handover(session)
    items = items_of(session, cycle.id)
    assert [(i.number, i.source) for i in items] == [
        (1, "plan_action"),
        (2, "commitment"),
        (3, "commitment"),
    ]
    assert {i.owner_id for i in items} == {mayor.id}  # 'Mairie' is the mayor's office
    assert all(i.status == "planned" and i.progress == 0 for i in items)
    visits = [(s.name, in_bamako(s.due_at).date()) for s in cycle.steps if s.stage == "follow_up"]
    assert visits == [("visit-1", date(2026, 9, 30)), ("visit-2", date(2026, 12, 30))]
    waiting = open_step(session, cycle.id, actor="flow", now=AFTER)
    assert waiting is not None and waiting.name == "visit-1"
    assert cycle.status == "active"


def test_a_visit_updates_its_items_with_a_dated_note_and_records_ratings_and_incidents(
    session: Session,
) -> None:
    cycle = through_handover(session)
    visit(
        session,
        cycle,
        "visit-1",
        [
            {"item": 1, "status": "in_progress", "progress": 40, "note": "Bornes posées"},
            {"item": 2, "status": "done", "progress": 80},
        ],
    )
    first, second, third = items_of(session, cycle.id)
    assert (first.status, first.progress) == ("in_progress", 40)
    assert (second.status, second.progress) == ("done", 100)
    assert third.status == "planned"
    notes = session.scalars(select(ItemUpdate).where(ItemUpdate.item_id == first.id)).all()
    assert [(n.on, n.note) for n in notes] == [(date(2026, 10, 1), "Bornes posées")]
    recorded = session.scalar(select(MonitoringVisit).where(MonitoringVisit.cycle_id == cycle.id))
    assert recorded is not None
    assert (recorded.risk_of_violence, recorded.trust_in_institutions) == (3, 3)
    assert recorded.incidents == {"land_dispute": 1}
    assert rolled_up((i.status, i.progress) for i in items_of(session, cycle.id)) == 47


def test_a_visit_started_from_the_items_as_they_stand_records_only_what_it_changed(
    session: Session,
) -> None:
    """The form and the template start from every item as it stands: a dropped item's entry keeps
    its reason (so it validates), and entries that repeat a closed item record nothing."""
    cycle = through_handover(session)
    visit(
        session,
        cycle,
        "visit-1",
        [
            {"item": 2, "status": "dropped", "progress": 0, "reason": "Plus de budget"},
            {"item": 3, "status": "done", "progress": 100},
        ],
    )
    started = [state.as_update() for state in item_states(session, cycle.id)]
    assert started[1] == {"item": 2, "status": "dropped", "progress": 0, "reason": "Plus de budget"}
    started[0] |= {"status": "in_progress", "progress": 50}
    visit(session, cycle, "visit-2", started)
    updates = session.execute(
        select(TrackedItem.number, ItemUpdate.status).join(ItemUpdate).order_by(ItemUpdate.id)
    ).all()
    assert [tuple(u) for u in updates] == [(2, "dropped"), (3, "done"), (1, "in_progress")]
    audited = session.scalars(
        select(AuditEvent.after)
        .where(AuditEvent.action == "visit.recorded")
        .order_by(AuditEvent.id)
    ).all()
    assert [a["items"] for a in audited if a is not None] == [2, 1]
    assert cycle.status == "completed"


def test_a_dropped_item_needs_a_reason(session: Session) -> None:
    data = inputs.visit(date(2026, 10, 1), [{"item": 1, "status": "dropped", "progress": 0}])
    with pytest.raises(InvalidInput) as refused:
        parse_submission("visit-1", data)
    assert any("reason" in why for _field, why in refused.value.problems)


def test_an_unknown_item_is_refused_by_name_and_nothing_changes(session: Session) -> None:
    cycle = through_handover(session)
    with pytest.raises(InvalidInput) as refused:
        visit(session, cycle, "visit-1", [{"item": 9, "status": "done", "progress": 100}])
    assert refused.value.problems[0][0] == "items[0].item"
    assert session.scalar(select(MonitoringVisit)) is None


def test_the_cycle_closes_after_its_last_visit_and_frees_the_commune(session: Session) -> None:
    cycle = through_handover(session)
    visit(session, cycle, "visit-1", [])
    assert cycle.status == "active"
    visit(session, cycle, "visit-2", [{"item": 1, "status": "in_progress", "progress": 60}])
    assert cycle.status == "completed"
    assert cycle.close_reason is not None and "last visit" in cycle.close_reason
    assert open_step(session, cycle.id, actor="flow", now=AFTER) is None
    again = launch_cycle(
        session,
        resolve_commune(session, "Tombouctou"),
        start_on=date(2027, 3, 1),
        policy=CyclePolicy(),
        actor="coord",
        now=AFTER,
    )
    assert again.sequence == 2


def test_the_cycle_closes_early_once_every_item_is_done_or_dropped(session: Session) -> None:
    cycle = through_handover(session)
    visit(
        session,
        cycle,
        "visit-1",
        [
            {"item": 1, "status": "done", "progress": 100},
            {"item": 2, "status": "dropped", "progress": 10, "reason": "Plus de budget"},
            {"item": 3, "status": "done", "progress": 100},
        ],
    )
    assert cycle.status == "completed"
    assert cycle.step("visit-2").status == "skipped"
    dropped = session.scalar(select(TrackedItem).where(TrackedItem.number == 2))
    assert dropped is not None and dropped.drop_reason == "Plus de budget"


def test_an_active_follow_up_still_holds_the_commune(session: Session) -> None:
    through_handover(session)
    with pytest.raises(ActiveCycleExists):
        launch_cycle(
            session,
            resolve_commune(session, "Tombouctou"),
            start_on=date(2027, 3, 1),
            policy=CyclePolicy(),
            actor="coord",
            now=AFTER,
        )


def test_the_plan_progress_counts_done_as_100_and_leaves_dropped_out() -> None:
    assert rolled_up([("done", 30), ("in_progress", 50), ("dropped", 0)]) == 75
    assert rolled_up([("dropped", 0)]) is None


def test_the_cycle_state_and_the_portfolio_show_the_follow_up(session: Session) -> None:
    from models.views.cycle_state import cycle_state
    from models.views.portfolio import portfolio
    from models.views.tracker import tracked_items, tracker_rows

    cycle = through_handover(session)
    visit(session, cycle, "visit-1", [{"item": 1, "status": "done", "progress": 100}])
    state = cycle_state(session, cycle.id, now=AFTER)
    assert state.follow_up is not None
    assert (state.follow_up.items, state.follow_up.done, state.follow_up.progress) == (3, 1, 33)
    assert (state.follow_up.last_risk, state.follow_up.visits_done) == (3, 1)
    [row] = [r for r in portfolio(session, now=AFTER) if r.cycle_id == cycle.id]
    assert row.as_record()["follow_up"] == "33%"
    rows = tracker_rows(
        session, tracked_items(session, today=AFTER.date(), cycle_id=cycle.id), AFTER.date()
    )
    assert [(r["item"], r["status"], r["last_update"]) for r in rows] == [
        (1, "done", "2026-10-01"),
        (2, "planned", None),
        (3, "planned", None),
    ]


def test_an_amended_plan_or_minutes_carries_its_words_deadline_and_new_rows_into_the_items(
    session: Session,
) -> None:
    from datetime import timedelta

    from models.cycle.amend import amend_step

    chief = add_office_holder(session, "Tombouctou", "chief", "Mohamed Ag Alhassane")
    cycle = through_handover(session)
    before = {i.number: (i.title, i.deadline) for i in items_of(session, cycle.id)}
    plan = inputs.for_step("plan", START)
    first = plan["actions"][0]
    moved_to = date.fromisoformat(first["deadline"]) + timedelta(days=30)
    plan["actions"] = [
        first | {"action": "Baliser et cartographier les couloirs", "deadline": str(moved_to)},
        first | {"action": "Former le comité", "responsible_party": "Mohamed Ag Alhassane"},
    ]
    amend_step(
        session, cycle.id, "plan", parse_submission("plan", plan), reason="PV", actor="c", now=AFTER
    )
    minutes = inputs.for_step("minutes-1", START)
    minutes["commitments"][0]["action"] = "Baliser deux couloirs"
    amend_step(
        session,
        cycle.id,
        "minutes-1",
        parse_submission("minutes-1", minutes),
        reason="PV",
        actor="c",
        now=AFTER,
    )

    session.expire_all()
    items = {i.number: i for i in items_of(session, cycle.id)}
    assert (items[1].title, items[1].deadline) == (
        "Baliser et cartographier les couloirs",
        moved_to,
    )
    assert (items[2].title, items[2].deadline) == ("Baliser deux couloirs", before[2][1])
    assert items[3].title == before[3][0]  # session 2's commitment was not amended
    assert (items[4].source, items[4].title, items[4].owner_id) == (
        "plan_action",
        "Former le comité",
        chief.id,
    )
    assert items[4].status == "planned" and items[1].updates == []  # a correction, not progress
