"""Pause cycles, resume them, extend a step: one transaction each, whatever the number of cycles.

The flow runs stay suspended as they are (they wait for input, which a paused cycle refuses);
the database changes, and the sweep reads it. The cycles' state and history artifacts are then
published again when a Prefect server answers (services/refresh.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from models.clock import utcnow
from models.cycle.pause import (
    Extended,
    Resumed,
    extend_step,
    pause_cycle,
    region_cycles,
    resume_cycle,
)
from models.db import session_scope
from models.errors import InvalidInput
from services.refresh import refresh_cycle_views


@dataclass(frozen=True)
class Target:
    """A cycle, or every active cycle of a region: exactly one of the two."""

    cycle_id: int | None = None
    region: str | None = None

    def check(self, command: str) -> None:
        if (self.cycle_id is None) == (self.region is None):
            raise InvalidInput(
                f"CYCLE / --region: give one, e.g. 'debates {command} 12' or "
                f"'debates {command} --region Gao'"
            )

    def cycle_ids(self, session: Session, *, paused: bool) -> list[int]:
        """The cycle, or the region's active cycles that are (or are not) paused."""
        if self.cycle_id is not None:
            return [self.cycle_id]
        assert self.region is not None
        return region_cycles(session, self.region, paused=paused)


def pause(target: Target, reason: str, *, who: str) -> list[int]:
    """Pause the cycle, or every active cycle of the region not paused yet; their ids."""
    target.check("pause")
    now = utcnow()
    with session_scope() as session:
        ids = target.cycle_ids(session, paused=False)
        for cycle_id in ids:
            pause_cycle(session, cycle_id, reason, actor=who, now=now)
    refresh_cycle_views(ids)
    return ids


def resume(target: Target, *, who: str) -> list[Resumed]:
    """Resume the cycle, or every paused cycle of the region; what moved."""
    target.check("resume")
    now = utcnow()
    with session_scope() as session:
        ids = target.cycle_ids(session, paused=True)
        resumed = [resume_cycle(session, cycle_id, actor=who, now=now) for cycle_id in ids]
    refresh_cycle_views(ids)
    return resumed


def extend(
    cycle_id: int, step: str, *, days: int | None, to: date | None, reason: str, who: str
) -> Extended:
    with session_scope() as session:
        extended = extend_step(
            session, cycle_id, step, days=days, to=to, reason=reason, actor=who, now=utcnow()
        )
    refresh_cycle_views([cycle_id])
    return extended
