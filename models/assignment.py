"""Facilitator assignment, the simple rule: who covers the region, speaks the session's language,
is available that day, is not affiliated with a community of the cycle (do no harm), has room under
max_cycles, and carries the fewest other active cycles. (models/matching.py replaces it.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models.audit import record
from models.baseline import BaselineStudy
from models.clock import BAMAKO
from models.cycle import Cycle, Step
from models.debate_session import DebateSession
from models.facilitator import Facilitator, Role, facilitator_regions
from models.text import name_key
from models.transitions import CycleStatus


@dataclass(frozen=True)
class Assignment:
    session_number: int
    facilitator_id: int | None
    facilitator: str | None


def _load(session: Session, facilitator_id: int, cycle_id: int) -> int:
    """Other active cycles a facilitator carries (this one does not count: one face per cycle)."""
    return int(
        session.scalar(
            select(func.count(func.distinct(Step.cycle_id)))
            .join(Cycle, Cycle.id == Step.cycle_id)
            .where(
                Step.facilitator_id == facilitator_id,
                Cycle.status == CycleStatus.ACTIVE,
                Cycle.id != cycle_id,
            )
        )
        or 0
    )


def assign_facilitators(
    session: Session, cycle_id: int, *, actor: str, now: datetime
) -> list[Assignment]:
    """Give each scheduled session (and its minutes) a facilitator; keeps earlier assignments."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        return []
    candidates = list(
        session.scalars(
            select(Facilitator)
            .join(facilitator_regions, facilitator_regions.c.facilitator_id == Facilitator.id)
            .where(
                facilitator_regions.c.region_pcode == cycle.region_pcode,
                Facilitator.role == Role.FACILITATOR.value,
            )
            .options(selectinload(Facilitator.unavailable))
            .order_by(Facilitator.id)
        )
    )
    study = session.scalar(select(BaselineStudy).where(BaselineStudy.cycle_id == cycle_id))
    parties = {name_key(c) for c in (study.communities if study else [])}
    sessions = session.scalars(
        select(DebateSession)
        .where(DebateSession.cycle_id == cycle_id)
        .order_by(DebateSession.number)
    )
    result = []
    for debate in sessions:
        steps = [
            s for s in cycle.steps if s.session_number == debate.number and s.stage != "handover"
        ]
        current = next((s.facilitator for s in steps if s.facilitator is not None), None)
        if current is None:
            day = debate.starts_at.astimezone(BAMAKO).date()
            loads = {f.id: _load(session, f.id, cycle_id) for f in candidates}
            fitting = [
                f
                for f in candidates
                if debate.language in f.languages
                and not any(u.starts_on <= day <= u.ends_on for u in f.unavailable)
                and not parties & {name_key(a) for a in f.affiliations}
                and loads[f.id] < f.max_cycles
            ]
            current = min(fitting, key=lambda f: (loads[f.id], f.id), default=None)
            if current is not None:
                for step in steps:
                    step.facilitator_id = current.id
                    step.facilitator = current
                session.flush()
                record(
                    session,
                    now=now,
                    actor=actor,
                    action="facilitator.assigned",
                    entity="debate_session",
                    entity_id=debate.id,
                    cycle_id=cycle_id,
                    after={"session": debate.number, "facilitator_id": current.id},
                )
        result.append(
            Assignment(
                debate.number,
                current.id if current else None,
                current.name if current else None,
            )
        )
    return result
