"""Overdue flags on steps: set when a due date passes, cleared when it moves into the future,
and the escalation level a step reached. Bulk UPDATEs over the indexed (status, due_at) range."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.cycle import Cycle, Step, waited_on
from models.cycle.pause import not_paused
from models.cycle.transitions import CycleStatus, StepStatus
from models.query import in_chunks


def flag_overdue(session: Session, now: datetime, *, actor: str) -> list[int]:
    """Flag the steps active cycles (not paused) wait on whose due date has passed; return the
    newly flagged ids.

    One UPDATE on the indexed (status, due_at) range; its WHERE re-checks the status, so two sweeps
    flag each step once. `overdue_since` is the due date: escalation delays count from it.
    """
    active = select(Cycle.id).where(Cycle.status == CycleStatus.ACTIVE.value, not_paused())
    flagged = session.scalars(
        update(Step)
        .where(
            Step.status.in_((StepStatus.PENDING.value, StepStatus.ACTIVE.value)),
            Step.due_at < now,
            Step.cycle_id.in_(active),
            waited_on(),
        )
        .values(status=StepStatus.OVERDUE.value, overdue_since=Step.due_at)
        .returning(Step.id)
        .execution_options(synchronize_session=False)
    ).all()
    _audit(session, flagged, now=now, actor=actor, before="open", after="overdue")
    return sorted(flagged)


def unflag_moved(session: Session, now: datetime, *, actor: str) -> list[int]:
    """Overdue steps whose due date moved into the future (a postponed session) are active again."""
    moved = session.scalars(
        update(Step)
        .where(Step.status == StepStatus.OVERDUE.value, Step.due_at >= now)
        .values(status=StepStatus.ACTIVE.value, overdue_since=None, escalation_level=0)
        .returning(Step.id)
        .execution_options(synchronize_session=False)
    ).all()
    _audit(session, moved, now=now, actor=actor, before="overdue", after="active")
    return sorted(moved)


def raise_escalation(session: Session, levels: dict[int, int]) -> None:
    """Record the escalation level reached per step (never lowers it)."""
    for level in (1, 2):
        ids = [step_id for step_id, reached in levels.items() if reached == level]
        for chunk in in_chunks(ids):
            session.execute(
                update(Step)
                .where(Step.id.in_(chunk), Step.escalation_level < level)
                .values(escalation_level=level)
                .execution_options(synchronize_session=False)
            )


def _audit(
    session: Session, step_ids: Sequence[int], *, now: datetime, actor: str, before: str, after: str
) -> None:
    if not step_ids:
        return
    cycles = dict(
        session.execute(select(Step.id, Step.cycle_id).where(Step.id.in_(step_ids))).all()
    )
    session.add_all(
        AuditEvent(
            at=now,
            actor=actor,
            action=f"step.{after}",
            entity="step",
            entity_id=str(step_id),
            cycle_id=cycles.get(step_id),
            before={"status": before},
            after={"status": after},
            reason="reminder sweep",
        )
        for step_id in step_ids
    )
