"""The lists of a recorded step corrected in place by an amendment, position by position.

The minutes' grievances and commitments and the plan's actions keep their rows (and ids) when they
are amended, so what points at them stays: the grievances a plan action answers ('1.2' is the second
grievance of session 1 before and after), the tracked item an action or a commitment became at the
handover, with its timeline. A row beyond the new list's end is removed, unless something points at
it: then the amendment is refused, saying what holds it and what to do first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from models.cycle.cycle import Cycle
from models.errors import InvalidInput
from models.followup.items import TrackedItem
from models.stages.minutes import Commitment, Grievance, Minutes, MinutesSubmission
from models.stages.safety_plan import PlanAction, SafetyPlan, plan_action_grievances

Row = TypeVar("Row")
Given = TypeVar("Given")


def _in_place(
    rows: Sequence[Row],
    given: Sequence[Given],
    fill: Callable[[Row, Given], None],
    make: Callable[[Given], Row],
) -> list[Row]:
    """`rows` filled from `given` position by position, then rows made for the new ones."""
    for row, item in zip(rows, given, strict=False):
        fill(row, item)
    return [*rows[: len(given)], *(make(item) for item in given[len(rows) :])]


def _tracked(
    session: Session, column: InstrumentedAttribute[int | None], removed: dict[int, int]
) -> list[tuple[int, int]]:
    """(position, item number) of the removed rows (id -> position) a tracked item is."""
    found = session.execute(select(column, TrackedItem.number).where(column.in_(removed)))
    return sorted((removed[row_id], number) for row_id, number in found if row_id is not None)


def _refuse(headline: str, field: str, problems: list[str]) -> None:
    if problems:
        raise InvalidInput(headline, [(f"field {field}", problem) for problem in problems])


def _drop_first(cycle: Cycle, number: int) -> str:
    return (
        f"drop item {number} instead (debates actions update {cycle.id} {number} "
        '--status dropped --reason "…" --note "…")'
    )


def correct_grievances(session: Session, minutes: Minutes, new: MinutesSubmission) -> None:
    kept = list(minutes.grievances)
    removed = {g.id: n for n, g in enumerate(kept, start=1) if n > len(new.grievances)}
    answered = session.execute(
        select(Grievance.id, PlanAction.priority)
        .join(plan_action_grievances, plan_action_grievances.c.grievance_id == Grievance.id)
        .join(PlanAction, PlanAction.id == plan_action_grievances.c.plan_action_id)
        .where(Grievance.id.in_(removed))
        .order_by(PlanAction.priority)
    ).all()
    _refuse(
        "a grievance the safety plan answers cannot be removed",
        "grievances",
        [
            f"grievance {minutes.session_number}.{removed[g]} is answered by plan action "
            f"{priority}; amend the plan first so no action answers it, then remove it here"
            for g, priority in answered
        ],
    )

    def fill(row: Grievance, given: Grievance) -> None:
        row.theme, row.summary, row.sensitive = given.theme, given.summary, given.sensitive

    made = [
        Grievance(theme=g.theme, summary=g.summary, sensitive=g.sensitive) for g in new.grievances
    ]
    minutes.grievances = _in_place(kept, made, fill, lambda g: g)


def correct_commitments(
    session: Session, cycle: Cycle, minutes: Minutes, new: MinutesSubmission
) -> None:
    kept = sorted(minutes.commitments, key=lambda c: c.id)
    removed = {c.id: n for n, c in enumerate(kept, start=1) if n > len(new.commitments)}
    _refuse(
        "a commitment tracked since the handover cannot be removed",
        "commitments",
        [
            f"commitment {position} of session {minutes.session_number} is item {number}; "
            + _drop_first(cycle, number)
            for position, number in _tracked(session, TrackedItem.commitment_id, removed)
        ],
    )

    def fill(row: Commitment, given: Commitment) -> None:
        row.party, row.action, row.deadline = given.party, given.action, given.deadline

    made = [
        Commitment(party=c.party, action=c.action, deadline=c.deadline) for c in new.commitments
    ]
    minutes.commitments = _in_place(kept, made, fill, lambda c: c)


def correct_actions(
    session: Session, cycle: Cycle, plan: SafetyPlan, actions: list[PlanAction]
) -> None:
    """The plan's actions from `actions` (plan_actions: numbered, their answers checked)."""
    kept = sorted(plan.actions, key=lambda a: a.priority)
    removed = {a.id: a.priority for a in kept if a.priority > len(actions)}
    _refuse(
        "a plan action tracked since the handover cannot be removed",
        "actions",
        [
            f"action {priority} is item {number}; " + _drop_first(cycle, number)
            for priority, number in _tracked(session, TrackedItem.plan_action_id, removed)
        ],
    )

    def fill(row: PlanAction, given: PlanAction) -> None:
        for name in ("risk", "action", "responsible_party", "deadline", "resources", "indicator"):
            setattr(row, name, getattr(given, name))
        row.grievances = list(given.grievances)

    plan.actions = _in_place(kept, actions, fill, lambda a: a)
