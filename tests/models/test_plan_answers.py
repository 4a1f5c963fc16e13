"""A safety-plan action names the grievances it answers ('1.2'); its tracked item links them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.cycle.amend import amend_step
from models.cycle.cycle import Cycle, get_cycle
from models.cycle.launch import launch_cycle
from models.cycle.recorded import recorded_input
from models.cycle.stepflow import apply_submission, open_step, parse_submission
from models.errors import InvalidInput
from models.followup.items import items_of
from models.geography.places import resolve_commune
from models.policy import CyclePolicy
from models.stages.minutes import MinutesSubmission
from models.stages.safety_plan import PlanAction, SafetyPlan, SafetyPlanSubmission
from models.views.tracker import tracked_items, tracker_rows
from tests.flows import inputs

START = date(2026, 3, 2)
LATER = START + timedelta(days=120)
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
WATER = {"theme": "accès à l'eau", "summary": "Le puits de Ber", "sensitive": False}
SECRET = {"theme": "exactions de 2013", "summary": "Un nom cité", "sensitive": True}


def plan_input(*answers: list[str]) -> dict[str, Any]:
    """The plan of inputs.plan with one action per entry of `answers`, each answering those."""
    data = inputs.plan(LATER)
    action = data["actions"][0]
    data["actions"] = [
        action | {"action": f"{action['action']} ({n})", "answers": given}
        for n, given in enumerate(answers, start=1)
    ]
    return data


def up_to(
    session: Session, last: str, plan: dict[str, Any] | None = None, commune: str = "Tombouctou"
) -> Cycle:
    """A cycle whose steps are recorded up to `last`; session 1's minutes hold a grievance on water
    (1.1) and a sensitive one (1.2), session 2's the sensitive one of inputs.minutes (2.1)."""
    cycle = launch_cycle(
        session,
        resolve_commune(session, commune),
        start_on=START,
        policy=CyclePolicy(),
        actor="coord",
        now=NOW,
    )
    for step in [s.name for s in cycle.steps]:
        data = inputs.for_step(step, START)
        if step == "minutes-1":
            data["grievances"] = [WATER, SECRET]
        if step == "plan":
            data = plan or plan_input(["1.1", "1.2"], [])
        apply_submission(session, cycle.id, step, data, actor="coord", now=NOW)
        if step == last:
            break
    return cycle


def test_the_answers_are_recorded_and_the_item_made_at_the_handover_links_them(
    session: Session,
) -> None:
    cycle = up_to(session, "handover", plan_input(["1.2", "1.1"], [], ["2.1"]))
    plan = session.scalars(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle.id)).one()
    assert [[g.theme for g in a.grievances] for a in plan.actions] == [
        ["accès à l'eau", "exactions de 2013"],
        [],
        ["foncier"],
    ]
    first, second, third, *_commitments = items_of(session, cycle.id)
    assert [g.theme for g in first.answers] == ["accès à l'eau", "exactions de 2013"]
    assert second.answers == [] and [g.theme for g in third.answers] == ["foncier"]
    assert all(item.answers == [] for item in _commitments)


def test_an_unknown_reference_is_refused_naming_actions_i_answers_and_nothing_is_written(
    session: Session,
) -> None:
    cycle = up_to(session, "minutes-2")
    with pytest.raises(InvalidInput) as refused:
        apply_submission(session, cycle.id, "plan", plan_input([], ["1.3"]), actor="coord", now=NOW)
    [(where, why)] = refused.value.problems
    assert where == "actions[1].answers"
    assert "has no grievance 1.3" in why and "session 1 list 2 (1.1 to 1.2)" in why
    assert f"debates submit {cycle.id} plan --template" in why
    assert session.scalar(select(func.count()).select_from(PlanAction)) == 0
    assert get_cycle(session, cycle.id).step("plan").status != "done"


def test_a_session_without_grievances_is_said_so(session: Session) -> None:
    cycle = up_to(session, "minutes-2")
    with pytest.raises(InvalidInput) as refused:
        apply_submission(session, cycle.id, "plan", plan_input(["3.1"]), actor="coord", now=NOW)
    assert "the minutes of session 3 list none" in refused.value.problems[0][1]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (1.2, "is read as a number; write the reference in quotes, e.g. '1.2'"),
        (2, "is read as a number"),
        ("1-2", "'1-2' is no grievance reference; write 'session.grievance'"),
        ("1.0", "is no grievance reference"),
        ("grief 2", "is no grievance reference"),
    ],
)
def test_a_reference_of_another_shape_is_refused_with_the_fix(given: object, said: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_submission("plan", plan_input([given]))  # type: ignore[list-item]
    [(where, why)] = refused.value.problems
    assert where == "field actions.0.answers.0" and said in why


def test_references_are_read_as_typed_and_a_repeated_one_is_refused() -> None:
    parsed = parse_submission("plan", plan_input([" 01.02 ", "2.1"]))
    assert isinstance(parsed, SafetyPlanSubmission)
    assert parsed.actions[0].answers == ["1.2", "2.1"]
    without = inputs.plan(LATER)  # a plan written before answers existed is still valid
    assert parse_submission("plan", without).actions[0].answers == []  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput, match=r"grievance 1\.2 is listed twice"):
        parse_submission("plan", plan_input(["1.2", "01.2"]))


def test_the_tracker_shows_a_sensitive_grievance_by_its_number_only(session: Session) -> None:
    cycle = up_to(session, "handover")
    today = NOW.date()
    rows = tracker_rows(session, tracked_items(session, today=today, cycle_id=cycle.id), today)
    assert rows[0]["answers"] == [
        {"grievance": "1.1", "theme": "accès à l'eau"},
        {"grievance": "1.2", "theme": None},
    ]
    assert "exactions" not in str(rows)
    assert all(row["answers"] == [] for row in rows[1:])


def test_the_plan_step_waiting_lists_the_grievances_to_answer(session: Session) -> None:
    cycle = up_to(session, "minutes-2")
    waiting = open_step(session, cycle.id, actor="flow", now=NOW)
    assert waiting is not None and waiting.name == "plan"
    assert [(g.reference, g.theme) for g in waiting.grievances] == [
        ("1.1", "accès à l'eau"),
        ("1.2", None),
        ("2.1", None),
    ]


def test_amending_the_minutes_keeps_what_the_plan_answers(session: Session) -> None:
    cycle = up_to(session, "plan")
    old = recorded_input(session, cycle, cycle.step("minutes-1"))
    assert isinstance(old, MinutesSubmission)
    new = old.model_copy(
        update={
            "grievances": [
                old.grievances[0].model_copy(update={"summary": "Le puits de Ber, à sec"}),
                old.grievances[1],
                old.grievances[0].model_copy(update={"theme": "transhumance"}),
            ]
        }
    )
    amend_step(session, cycle.id, "minutes-1", new, reason="typo", actor="coord", now=NOW)
    plan = session.scalars(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle.id)).one()
    session.refresh(plan.actions[0])
    assert [g.summary for g in plan.actions[0].grievances] == [
        "Le puits de Ber, à sec",
        "Un nom cité",
    ]
    again = recorded_input(session, cycle, cycle.step("plan"))
    assert isinstance(again, SafetyPlanSubmission)
    assert [a.answers for a in again.actions] == [["1.1", "1.2"], []]


def test_a_grievance_the_plan_answers_cannot_be_amended_away(session: Session) -> None:
    cycle = up_to(session, "plan")
    old = recorded_input(session, cycle, cycle.step("minutes-1"))
    assert isinstance(old, MinutesSubmission)
    fewer = old.model_copy(update={"grievances": old.grievances[:1]})
    with pytest.raises(InvalidInput) as refused:
        amend_step(session, cycle.id, "minutes-1", fewer, reason="r", actor="coord", now=NOW)
    [(where, why)] = refused.value.problems
    assert where == "field grievances"
    assert why.startswith("grievance 1.2 is answered by plan action 1; amend the plan first")


def test_amending_the_plan_changes_its_answers_checked_against_the_minutes(
    session: Session,
) -> None:
    cycle = up_to(session, "plan")
    old = recorded_input(session, cycle, cycle.step("plan"))
    assert isinstance(old, SafetyPlanSubmission)
    moved = [old.actions[0].model_copy(update={"answers": ["2.1"]}), old.actions[1]]
    amended = amend_step(
        session,
        cycle.id,
        "plan",
        old.model_copy(update={"actions": moved}),
        reason="le grief 2.1",
        actor="coord",
        now=NOW,
    )
    assert amended.changes == {
        "actions.0.answers.0": ("1.1", "2.1"),
        "actions.0.answers.1": ("1.2", None),
    }
    again = recorded_input(session, cycle, cycle.step("plan"))
    assert isinstance(again, SafetyPlanSubmission)
    assert again.actions[0].answers == ["2.1"]
    unknown = [old.actions[0].model_copy(update={"answers": ["4.1"]}), old.actions[1]]
    with pytest.raises(InvalidInput) as refused:
        amend_step(
            session,
            cycle.id,
            "plan",
            old.model_copy(update={"actions": unknown}),
            reason="r",
            actor="coord",
            now=NOW,
        )
    assert refused.value.problems[0][0] == "actions[0].answers"


def test_amending_the_plan_after_the_handover_keeps_its_items_and_their_timeline(
    session: Session,
) -> None:
    cycle = up_to(session, "handover")
    before = [(i.id, i.number) for i in items_of(session, cycle.id)]
    old = recorded_input(session, cycle, cycle.step("plan"))
    assert isinstance(old, SafetyPlanSubmission)
    moved = [
        old.actions[0].model_copy(update={"indicator": "Couloirs balisés (km)"}),
        old.actions[1].model_copy(update={"answers": ["2.1"]}),
    ]
    amend_step(
        session,
        cycle.id,
        "plan",
        old.model_copy(update={"actions": moved}),
        reason="indicateur précisé",
        actor="coord",
        now=NOW,
    )
    session.expire_all()
    items = items_of(session, cycle.id)
    assert [(i.id, i.number) for i in items] == before
    assert [g.theme for g in items[1].answers] == ["foncier"]


def test_an_action_or_a_commitment_tracked_since_the_handover_cannot_be_amended_away(
    session: Session,
) -> None:
    cycle = up_to(session, "handover")
    plan = recorded_input(session, cycle, cycle.step("plan"))
    assert isinstance(plan, SafetyPlanSubmission)
    with pytest.raises(InvalidInput) as refused:
        amend_step(
            session,
            cycle.id,
            "plan",
            plan.model_copy(update={"actions": plan.actions[:1]}),
            reason="r",
            actor="coord",
            now=NOW,
        )
    assert refused.value.problems == [
        (
            "field actions",
            f"action 2 is item 2; drop item 2 instead (debates actions update {cycle.id} 2 "
            '--status dropped --reason "…" --note "…")',
        )
    ]
    minutes = recorded_input(session, cycle, cycle.step("minutes-2"))
    assert isinstance(minutes, MinutesSubmission)
    with pytest.raises(InvalidInput) as refused:
        amend_step(
            session,
            cycle.id,
            "minutes-2",
            minutes.model_copy(update={"commitments": []}),
            reason="r",
            actor="coord",
            now=NOW,
        )
    assert refused.value.problems[0][1].startswith("commitment 1 of session 2 is item 4;")
    assert len(items_of(session, cycle.id)) == 4
