"""Launching cycles for many communes at once, and what a flow run of a cycle is called and tagged.

A commune with an active cycle is skipped with the reason, never an error: a second launch for a
region launches nothing and says why for each commune.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.audit import record
from models.cycle.cycle import Cycle, Step, active_cycle, next_sequence
from models.cycle.plan import PlannedStep, plan_cycle
from models.cycle.transitions import CycleStatus, StepStatus
from models.errors import ActiveCycleExists, InvalidInput
from models.geography.places import Commune, communes_in, resolve_commune
from models.policy import CyclePolicy
from models.text import slug


class LaunchRequest(BaseModel):
    """Où lancer un cycle / where to launch cycles: communes by name, or one cercle, or one region."""

    model_config = ConfigDict(extra="forbid")

    communes: list[str] = Field(
        default_factory=list,
        description="Communes (nom, toute orthographe, ou P-code) / commune names or P-codes",
    )
    cercle: str | None = Field(
        default=None, description="Tout un cercle / every commune of a cercle"
    )
    region: str | None = Field(
        default=None, description="Toute une région / every commune of a region"
    )
    start_on: date | None = Field(
        default=None, description="Date de lancement (défaut: aujourd'hui) / launch date"
    )


@dataclass(frozen=True)
class CycleRun:
    """What Prefect needs to start (or restart) the flow run of one cycle."""

    cycle_id: int
    commune_pcode: str
    commune: str
    run_name: str
    tags: list[str]
    flow_run_id: str | None = None
    waiting_step: str | None = None
    """The step the database says the cycle waits on; a run suspended elsewhere is stale."""
    launch_key: str = ""
    """Unique to this cycle even across domain databases sharing one Prefect server (ids restart
    when a database is recreated; the launch moment does not): the flow run idempotency key."""


@dataclass(frozen=True)
class LaunchReport:
    launched: list[CycleRun] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(commune label, reason) for each commune that was not launched."""


def run_name(cycle: Cycle) -> str:
    """`cycle-<commune-slug>-<n>`: the Prefect flow run name of a cycle."""
    return f"cycle-{slug(cycle.area_name)}-{cycle.sequence}"


def run_tags(cycle: Cycle) -> list[str]:
    """Region, cercle and commune P-codes, so a manager can filter the Prefect UI by place."""
    tags = [cycle.region_pcode, cycle.cercle_pcode]
    if cycle.commune_pcode:
        tags.append(cycle.commune_pcode)
    return tags


def cycle_run(cycle: Cycle) -> CycleRun:
    waiting = cycle.waiting_step()
    return CycleRun(
        cycle_id=cycle.id,
        commune_pcode=cycle.area_pcode,
        commune=cycle.area_name,
        run_name=run_name(cycle),
        tags=run_tags(cycle),
        flow_run_id=cycle.flow_run_id,
        waiting_step=waiting.name if waiting else None,
        launch_key=f"cycle-{cycle.id}-{cycle.area_pcode}-{cycle.sequence}-"
        f"{cycle.launched_at.strftime('%Y%m%dT%H%M%S%f')}",
    )


def select_communes(
    session: Session,
    *,
    communes: list[str] | None = None,
    cercle: str | None = None,
    region: str | None = None,
) -> list[Commune]:
    """The communes a launch is for: named ones (any spelling or P-code), a cercle's or a region's."""
    chosen = [bool(communes), cercle is not None, region is not None]
    if sum(chosen) != 1:
        raise InvalidInput("name the communes, or one cercle, or one region to launch (only one)")
    if communes:
        found = {c.pcode: c for c in (resolve_commune(session, name) for name in communes)}
        return list(found.values())
    return communes_in(session, cercle=cercle, region=region)


def launch_cycles_for(
    session: Session,
    communes: list[Commune],
    *,
    start_on: date,
    policy: CyclePolicy,
    actor: str,
    now: datetime,
) -> LaunchReport:
    """Launch a cycle for each commune that has no active one; skip the others with the reason."""
    report = LaunchReport()
    for commune in communes:
        existing = active_cycle(session, commune.pcode)
        if existing is not None:
            report.skipped.append(
                (commune.label(), f"active cycle #{existing.sequence} (id {existing.id})")
            )
            continue
        try:
            cycle = launch_cycle(
                session, commune, start_on=start_on, policy=policy, actor=actor, now=now
            )
        except ActiveCycleExists as exc:
            report.skipped.append((commune.label(), str(exc)))
            continue
        report.launched.append(cycle_run(cycle))
    return report


def set_flow_run(
    session: Session, cycle_id: int, flow_run_id: str, *, actor: str, now: datetime
) -> bool:
    """Remember the Prefect flow run that carries a cycle; False when it is that run already."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or cycle.flow_run_id == flow_run_id:
        return False
    before = {"flow_run_id": cycle.flow_run_id}
    cycle.flow_run_id = flow_run_id
    record(
        session,
        "cycle.flow_run",
        "cycle",
        cycle.id,
        cycle.id,
        now=now,
        actor=actor,
        before=before,
        after={"flow_run_id": flow_run_id},
    )
    return True


def active_cycle_runs(session: Session) -> list[CycleRun]:
    """Every active cycle with the flow run it should have: what reconcile checks against Prefect."""
    cycles = session.scalars(
        select(Cycle).where(Cycle.status == CycleStatus.ACTIVE).order_by(Cycle.id)
    )
    return [cycle_run(c) for c in cycles]


def launch_cycle(
    session: Session,
    commune: Commune,
    *,
    start_on: date,
    policy: CyclePolicy,
    actor: str,
    now: datetime,
) -> Cycle:
    """Create a cycle and its planned steps; refuse when the commune already has an active one."""
    existing = active_cycle(session, commune.pcode)
    if existing is not None:
        raise ActiveCycleExists(
            f"{commune.label()} already has an active cycle (#{existing.sequence}, id {existing.id}); "
            "finish or cancel it before launching another"
        )
    cycle = Cycle(
        level="commune",
        area_pcode=commune.pcode,
        commune_pcode=commune.pcode,
        cercle_pcode=commune.cercle_pcode,
        region_pcode=commune.cercle.region_pcode,
        sequence=next_sequence(session, commune.pcode),
        start_on=start_on,
        launched_by=actor,
        launched_at=now,
        status=CycleStatus.ACTIVE.value,
    )
    cycle.steps = [_step(planned) for planned in plan_cycle(start_on, policy)]
    try:
        with session.begin_nested():
            session.add(cycle)
            session.flush()
    except IntegrityError as exc:
        raise ActiveCycleExists(
            f"{commune.label()} already has an active cycle (launched at the same moment); "
            "nothing was launched"
        ) from exc
    record(
        session,
        "cycle.launched",
        "cycle",
        cycle.id,
        cycle.id,
        now=now,
        actor=actor,
        after={"commune": commune.pcode, "sequence": cycle.sequence, "start_on": str(start_on)},
    )
    return cycle


def _step(planned: PlannedStep) -> Step:
    return Step(
        position=planned.position,
        stage=planned.stage.value,
        name=planned.name,
        title=planned.title,
        owner_role=planned.owner_role.value,
        session_number=planned.session_number,
        due_at=planned.due_at,
        status=StepStatus.PENDING.value,
    )
