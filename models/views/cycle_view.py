"""Where a cycle stands, as plain data: what `debates cycles` / `debates show` print (and --json)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from models.clock import show
from models.cycle.cycle import Cycle, Step
from models.cycle.pause import CyclePause, open_pause
from models.cycle.transitions import CycleStatus
from models.geography.places import Level, resolve_place
from models.matching.assignment import team_summary
from models.stages.minutes_form import to_record


def cycle_summary(
    cycle: Cycle, *, with_steps: bool = False, pauses: dict[int, CyclePause] | None = None
) -> dict[str, Any]:
    """A stable mapping (documented in docs/cycle-flow.md); datetimes in ISO 8601 UTC.

    `pauses` (from `open_pauses`) spares a listing one query per cycle."""
    waiting = cycle.waiting_step()
    facilitators = sorted({s.facilitator.name for s in cycle.steps if s.facilitator is not None})
    summary: dict[str, Any] = {
        "id": cycle.id,
        "commune": cycle.area_name,
        "commune_pcode": cycle.commune_pcode,
        "intercommunal": cycle.intercommunal,
        "cercle_pcode": cycle.cercle_pcode,
        "region_pcode": cycle.region_pcode,
        "sequence": cycle.sequence,
        "status": cycle.status,
        "start_on": cycle.start_on.isoformat(),
        "funder": cycle.funder,
        "stage": waiting.stage if waiting and cycle.status == CycleStatus.ACTIVE else None,
        "waiting_step": waiting.name if waiting and cycle.status == CycleStatus.ACTIVE else None,
        "due_at": waiting.due_at.isoformat() if waiting else None,
        "due_bamako": show(waiting.due_at) if waiting else None,
        "facilitators": facilitators,
        "flow_run_id": cycle.flow_run_id,
        "close_reason": cycle.close_reason,
        "paused": None,
    }
    session = object_session(cycle)
    if pauses is not None:
        pause = pauses.get(cycle.id)
    else:
        pause = open_pause(session, cycle.id) if session is not None else None
    if pause is not None:
        summary["paused"] = {
            "reason": pause.reason,
            "since": pause.started_at.isoformat(),
            "since_bamako": show(pause.started_at),
        }
    if with_steps:
        assert session is not None, "a cycle read from the database"
        summary["team"] = team_summary(session, cycle.id)
        summary["sensitive_to_record"] = to_record(session, cycle.id)
        summary["steps"] = [
            {
                "name": s.name,
                "stage": s.stage,
                "title": s.title,
                "status": s.status,
                "due_at": s.due_at.isoformat(),
                "owner_role": s.owner_role,
                "facilitator": s.facilitator.name if s.facilitator else None,
            }
            for s in cycle.steps
        ]
    return summary


def list_cycles(
    session: Session, *, region: str | None = None, active: bool = False
) -> list[Cycle]:
    stmt = (
        select(Cycle)
        .options(
            selectinload(Cycle.steps).selectinload(Step.facilitator),
            selectinload(Cycle.commune),
            selectinload(Cycle.cercle),
        )
        .order_by(Cycle.id)
    )
    if region is not None:
        stmt = stmt.where(Cycle.region_pcode == resolve_place(session, region, Level.REGION).pcode)
    if active:
        stmt = stmt.where(Cycle.status == CycleStatus.ACTIVE)
    return list(session.scalars(stmt))
