"""Who is still to be told of an assignment: the reminder sweep's `assignment` notices.

The ledger is the only record of who was told; `Step.facilitator_told` marks the steps whose
facilitator it says was told, so that the sweep looks in it only for the steps not marked (the
partial index `ix_steps_untold`), and marks them once it has (docs/reminders.md, "Who is still to
be told of an assignment")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, literal_column, or_, select, update
from sqlalchemy.orm import Session, aliased

from models.cycle.cycle import Step
from models.query import among_ids
from models.reminders.due import OpenStep
from models.reminders.ledger import Notification
from models.reminders.rules import ASSIGNMENT, TeamAssigned
from models.reminders.selection import open_step, open_steps_where, rows

literal_false: ColumnElement[bool] = literal_column("false")


def untold_steps_query() -> Select[*tuple[Any, ...]]:
    """Open steps of active cycles whose facilitator is not known to be told of the cycle
    (`Step.facilitator_told`, the partial index `ix_steps_untold`): at rest, the steps of the
    assignments made since the last sweep, not every assigned open step."""
    # `= false` as the index's WHERE writes it: SQLite uses a partial index only for a query that
    # holds its terms as written, and SQLAlchemy writes false() as 0 there.
    return open_steps_where(
        Step.facilitator_id.is_not(None), Step.facilitator_told == literal_false
    )


def assignment_notice() -> ColumnElement[bool]:
    """A ledger row that tells its facilitator of their cycle: the step's `assignment` notice or
    the team's `team-assigned`."""
    return or_(
        Notification.rule == str(ASSIGNMENT), Notification.rule.like(TeamAssigned.sql_like())
    )


def told_query(cycle_ids: Sequence[int], dialect: str) -> Select[*tuple[Any, ...]]:
    """(cycle, person) pairs of these cycles already told of their assignment, by a step's
    notice or the team's (the ledger: the only record of who was told)."""
    other = aliased(Step)
    return (
        select(other.cycle_id, Notification.facilitator_id)
        .join(other, other.id == Notification.step_id)
        .where(among_ids(other.cycle_id, cycle_ids, dialect), assignment_notice())
        .distinct()
    )


@dataclass(frozen=True)
class Unannounced:
    """The assignments to announce, and the steps found told (the sweep marks them)."""

    steps: list[OpenStep]
    """The first open step of each (cycle, facilitator) not yet told: what the notice is about."""
    told: list[int]
    """Steps not marked told whose facilitator the ledger says was told of the cycle."""


def select_unannounced_assignments(
    session: Session, told_by_team: Iterable[tuple[int, int | None]] = ()
) -> Unannounced:
    """The first open step of each (cycle, facilitator) not yet told, among the steps not marked
    told (`untold_steps_query`), checked against the ledger (`told_query`).

    A lead facilitator owns every session and minutes step of a cycle: they are told once per
    cycle, not once per step. A step is marked told only once the ledger holds the notice of its
    pair, and unmarked when it changes hands, so a pair not told has all its open steps here.
    """
    candidates = [open_step(row) for row in rows(session, untold_steps_query())]
    if not candidates:
        return Unannounced([], [])
    dialect = session.connection().dialect.name
    cycle_ids = sorted({step.cycle_id for step in candidates})
    pairs = map(tuple, rows(session, told_query(cycle_ids, dialect)))
    told: set[tuple[int, int | None]] = {(pair[0], pair[1]) for pair in pairs}
    first: dict[tuple[int, int | None], OpenStep] = {}
    marked: list[int] = []
    for step in candidates:
        pair = (step.cycle_id, step.facilitator_id)
        if pair in told:
            marked.append(step.step_id)
            continue
        best = first.get(pair)
        if best is None or (step.due_at, step.step_id) < (best.due_at, best.step_id):
            first[pair] = step
    for pair in told_by_team:  # a team notice being sent now says it already
        first.pop(pair, None)
    return Unannounced(sorted(first.values(), key=lambda s: (s.due_at, s.step_id)), marked)


def mark_told(session: Session, step_ids: Sequence[int]) -> int:
    """Mark these steps' facilitators told of their cycle, where the ledger still says so for
    the step's facilitator now (a step given to someone else meanwhile stays unmarked); how
    many were marked. In the sweep's claim transaction."""
    if not step_ids:
        return 0
    other = aliased(Step)
    told = exists().where(
        Notification.step_id == other.id,
        other.cycle_id == Step.cycle_id,
        Notification.facilitator_id == Step.facilitator_id,
        assignment_notice(),
    )
    dialect = session.connection().dialect.name
    result = session.execute(
        update(Step)
        .where(among_ids(Step.id, sorted(step_ids), dialect), told)
        .values(facilitator_told=True)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
