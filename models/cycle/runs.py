"""The flow runs the database expects: each active cycle needs a live run, and a cancelled or
completed cycle's run should be over. Reconcile (services/reconcile.py) checks both against Prefect:
it restarts a lost run, and cancels a closed cycle's run that is still live (a `debates cancel`
while the Prefect server was away orphans a Suspended run)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.cycle.cycle import Cycle
from models.cycle.launch import CycleRun, cycle_run
from models.cycle.transitions import CycleStatus


@dataclass(frozen=True)
class ClosedRun:
    """The last flow run of a cycle that is over."""

    run: CycleRun
    status: CycleStatus
    """completed or cancelled"""


_WITH_PLACE_AND_STEPS = (
    selectinload(Cycle.steps),
    selectinload(Cycle.commune),
    selectinload(Cycle.cercle),
)


def active_cycle_runs(session: Session) -> list[CycleRun]:
    """Every active cycle with the flow run it should have: what reconcile checks against Prefect."""
    cycles = session.scalars(
        select(Cycle)
        .where(Cycle.status == CycleStatus.ACTIVE)
        .options(*_WITH_PLACE_AND_STEPS)
        .order_by(Cycle.id)
    )
    return [cycle_run(c) for c in cycles]


def closed_cycle_runs(session: Session) -> list[ClosedRun]:
    """Every cancelled or completed cycle that had a flow run, with that run: it should be over."""
    cycles = session.scalars(
        select(Cycle)
        .where(Cycle.status != CycleStatus.ACTIVE, Cycle.flow_run_id.is_not(None))
        .options(*_WITH_PLACE_AND_STEPS)
        .order_by(Cycle.id)
    )
    return [ClosedRun(cycle_run(c), CycleStatus(c.status)) for c in cycles]
