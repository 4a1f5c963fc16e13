"""Pausing a cycle (insecurity, a road cut, an election), resuming it, and extending a step.

A pause is a row of `cycle_pauses`, not a cycle status: the cycle stays the commune's one active
cycle (the partial unique index on cycles is untouched) and its flow run stays suspended. An open
pause (`ended_at` NULL) is at most one per cycle, a partial unique index. The sweep reads
`not_paused()` in its SQL, so nothing chases a paused cycle. On resume every open step moves by
the pause's length in whole days (Bamako calendar); `extend_step` moves one open step and the
open steps after it. Both audit each move and cancel the moved steps' unsent reminders (their due
date is part of the ledger key: the new date gets its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, Text, exists, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from models.audit import record
from models.base import Base, IntPk, child_of, unique_where
from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step, get_cycle, named_step
from models.cycle.replan import move_steps
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.errors import DomainError, InvalidInput
from models.geography.places import Level, resolve_place
from models.query import in_chunks

OPEN_ONLY = "ended_at IS NULL"


class CyclePause(Base):
    __tablename__ = "cycle_pauses"
    __table_args__ = (unique_where("uq_cycle_pauses_one_open", "cycle_id", where=OPEN_ONLY),)

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = child_of("cycles")
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    ended_by: Mapped[str | None] = mapped_column(String(120))
    days: Mapped[int | None]
    """The whole days every open deadline moved on resume."""


class NotPaused(DomainError):
    """Resume of a cycle that is not paused."""


class AlreadyPaused(DomainError):
    """Pause of a cycle that is paused already."""


def not_paused(cycle_id: ColumnElement[int] | None = None) -> ColumnElement[bool]:
    """SQL: the cycle (`Cycle.id`, or `cycle_id`) has no open pause: the sweep may chase it."""
    target = Cycle.id if cycle_id is None else cycle_id
    return ~exists().where(CyclePause.cycle_id == target, CyclePause.ended_at.is_(None))


def open_pause(session: Session, cycle_id: int) -> CyclePause | None:
    return session.scalar(
        select(CyclePause).where(CyclePause.cycle_id == cycle_id, CyclePause.ended_at.is_(None))
    )


def open_pauses(session: Session, cycle_ids: Sequence[int]) -> dict[int, CyclePause]:
    """The open pause of each of these cycles that has one (a listing's one query per chunk)."""
    found: dict[int, CyclePause] = {}
    for chunk in in_chunks(sorted(set(cycle_ids))):
        for pause in session.scalars(
            select(CyclePause).where(CyclePause.cycle_id.in_(chunk), CyclePause.ended_at.is_(None))
        ):
            found[pause.cycle_id] = pause
    return found


def _day(moment: datetime) -> date:
    return moment.astimezone(BAMAKO).date()


def _require_reason(reason: str, command: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise InvalidInput(f'--reason: empty; say why, e.g. {command} --reason "route coupée"')
    return cleaned


def pause_cycle(
    session: Session, cycle_id: int, reason: str, *, actor: str, now: datetime
) -> CyclePause:
    """Pause an active cycle: nothing chases it until `resume_cycle`. Audited (`cycle.paused`)."""
    cycle = get_cycle(session, cycle_id)
    reason = _require_reason(reason, f"debates pause {cycle_id}")
    if cycle.status != CycleStatus.ACTIVE:
        raise InvalidInput(
            f"Cycle {cycle_id} ({cycle.label}) is {cycle.status}; only an active cycle can be "
            "paused ('debates cycles --active' lists them)"
        )
    current = open_pause(session, cycle_id)
    if current is not None:
        raise AlreadyPaused(
            f"Cycle {cycle_id} ({cycle.label}) is paused already since "
            f"{_day(current.started_at).isoformat()} ({current.reason}); "
            f"'debates resume {cycle_id}' ends the pause"
        )
    pause = CyclePause(cycle_id=cycle_id, started_at=now, reason=reason, actor=actor)
    session.add(pause)
    session.flush()
    record(
        session,
        "cycle.paused",
        "cycle",
        cycle_id,
        cycle_id,
        now=now,
        actor=actor,
        after={"pause_id": pause.id, "reason": reason},
        reason=reason,
    )
    return pause


def _shift(
    session: Session,
    cycle: Cycle,
    steps: Sequence[Step],
    delta: timedelta,
    *,
    action: str,
    actor: str,
    now: datetime,
    reason: str,
) -> list[str]:
    """Move `steps` by `delta` (models.cycle.replan.move_steps); a step flagged overdue whose new
    date is still to come is open again."""
    if not delta or not steps:
        return []
    return move_steps(
        session,
        cycle,
        [(step, step.due_at + delta) for step in steps],
        action=action,
        reopen_as=StepStatus.ACTIVE,
        actor=actor,
        now=now,
        reason=reason,
        only_if_still_to_come=True,
    )


@dataclass(frozen=True)
class Resumed:
    cycle_id: int
    days: int
    moved: list[str]


def resume_cycle(session: Session, cycle_id: int, *, actor: str, now: datetime) -> Resumed:
    """End the cycle's pause; every open step moves by the pause's length in whole Bamako days."""
    cycle = get_cycle(session, cycle_id)
    pause = open_pause(session, cycle_id)
    if pause is None:
        raise NotPaused(
            f"Cycle {cycle_id} ({cycle.label}) is not paused; nothing to resume "
            f"('debates pause {cycle_id} --reason …' pauses it)"
        )
    days = max((_day(now) - _day(pause.started_at)).days, 0)
    pause.ended_at = now
    pause.ended_by = actor
    pause.days = days
    open_steps = [s for s in cycle.steps if s.status in OPEN_STEP]
    why = f"resumed after a pause of {days} day(s): {pause.reason}"
    moved = _shift(
        session,
        cycle,
        open_steps,
        timedelta(days=days),
        action="step.resumed",
        actor=actor,
        now=now,
        reason=why,
    )
    record(
        session,
        "cycle.resumed",
        "cycle",
        cycle_id,
        cycle_id,
        now=now,
        actor=actor,
        before={"pause_id": pause.id, "since": pause.started_at.isoformat()},
        after={"days": days, "moved": moved},
        reason=pause.reason,
    )
    session.flush()
    return Resumed(cycle_id, days, moved)


def region_cycles(session: Session, region: str, *, paused: bool) -> list[int]:
    """Ids of the active cycles of `region` (name or P-code) that are paused (or not)."""
    pcode = resolve_place(session, region, Level.REGION).pcode
    condition = ~not_paused() if paused else not_paused()
    return list(
        session.scalars(
            select(Cycle.id)
            .where(
                Cycle.region_pcode == pcode,
                Cycle.status == CycleStatus.ACTIVE.value,
                condition,
            )
            .order_by(Cycle.id)
        )
    )


@dataclass(frozen=True)
class Extended:
    cycle_id: int
    step: str
    days: int
    moved: list[str]


def extend_step(
    session: Session,
    cycle_id: int,
    step_name: str,
    *,
    days: int | None,
    to: date | None,
    reason: str,
    actor: str,
    now: datetime,
) -> Extended:
    """Move open step `step_name` by `days` (or to day `to`, Bamako) and the open steps after it
    by the same amount. Refuses a finished step, a zero or negative move, and a day past."""
    cycle = get_cycle(session, cycle_id)
    reason = _require_reason(reason, f"debates extend {cycle_id} {step_name} --days 7")
    if (days is None) == (to is None):
        raise InvalidInput("--days / --to: give exactly one, e.g. --days 14 or --to 2027-03-01")
    if cycle.status != CycleStatus.ACTIVE:
        raise InvalidInput(
            f"Cycle {cycle_id} ({cycle.label}) is {cycle.status}; it takes no change"
        )
    step = named_step(cycle, step_name)
    if step.status not in OPEN_STEP:
        raise InvalidInput(
            f"STEP: '{step_name}' of cycle {cycle.label} is {step.status}; only an open step can "
            f"be extended ('debates show {cycle_id}' lists them)"
        )
    if days is not None:
        if days <= 0:
            raise InvalidInput(f"--days: {days}; give a number of days of 1 or more")
        delta = timedelta(days=days)
    else:
        assert to is not None
        if to <= _day(now):
            raise InvalidInput(f"--to: {to.isoformat()} is not after today; give a later day")
        delta = timedelta(days=(to - _day(step.due_at)).days)
        if delta.days <= 0:
            raise InvalidInput(
                f"--to: {to.isoformat()} is not after the step's due day "
                f"{_day(step.due_at).isoformat()}; give a later day"
            )
    later = [s for s in cycle.steps if s.position >= step.position and s.status in OPEN_STEP]
    moved = _shift(
        session, cycle, later, delta, action="step.extended", actor=actor, now=now, reason=reason
    )
    return Extended(cycle_id, step_name, delta.days, moved)
