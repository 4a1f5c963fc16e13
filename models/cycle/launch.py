"""Launching cycles for many communes at once (or one intercommunal cycle for a cercle), and what
a flow run of a cycle is called and tagged.

A commune with an active cycle is skipped with the reason, never an error: a second launch for a
region launches nothing and says why for each commune. A cercle's intercommunal cycle is an area of
its own: its communes' cycles neither block it nor are blocked by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.audit import record
from models.cycle.cycle import Cycle, Step, active_cycle, next_sequence
from models.cycle.funder import Funder
from models.cycle.plan import PlannedStep, plan_cycle
from models.cycle.transitions import CycleStatus, StepStatus
from models.errors import ActiveCycleExists, InvalidInput
from models.geography.places import Cercle, Commune, communes_in, resolve_cercle, resolve_commune
from models.policy import CyclePolicy


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
    intercommunal: bool = Field(
        default=False,
        description="Un seul cycle intercommunal pour le cercle / one cycle for the whole cercle",
    )
    start_on: date | None = Field(
        default=None, description="Date de lancement (défaut: aujourd'hui) / launch date"
    )
    funder: Funder | None = Field(
        default=None,
        description="Bailleur ou programme des cycles (pour le rapport) / funder or programme "
        "the cycles are reported under",
    )

    @field_validator("intercommunal")
    @classmethod
    def _for_one_cercle(cls, intercommunal: bool, info: ValidationInfo) -> bool:
        named = info.data
        if intercommunal and (
            named.get("cercle") is None or named.get("communes") or named.get("region")
        ):
            raise ValueError(
                "an intercommunal cycle is for one cercle: give the cercle (--cercle Goundam) "
                "and no commune or region"
            )
        return intercommunal


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
    moved_at: datetime | None = None
    """When the cycle's last step was done: a run suspended on that step may be being resumed."""


@dataclass(frozen=True)
class LaunchReport:
    launched: list[CycleRun] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(commune label, reason) for each commune that was not launched."""


def run_name(cycle: Cycle) -> str:
    """`cycle-<commune-slug>-<n>` (`cycle-cercle-<cercle-slug>-<n>` for an intercommunal cycle):
    the Prefect flow run name of a cycle."""
    return f"cycle-{cycle.area_slug}-{cycle.sequence}"


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
        moved_at=max((s.completed_at for s in cycle.steps if s.completed_at), default=None),
        launch_key=f"cycle-{cycle.id}-{cycle.area_pcode}-{cycle.sequence}-"
        f"{cycle.launched_at.strftime('%Y%m%dT%H%M%S%f')}",
    )


Area = Commune | Cercle
"""Where a cycle is held: a commune, or a whole cercle for an intercommunal cycle."""


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


def select_areas(session: Session, request: LaunchRequest) -> list[Area]:
    """The areas a launch request is for: its cercle alone when intercommunal, else its communes."""
    if request.intercommunal:
        assert request.cercle is not None  # LaunchRequest checks it
        return [resolve_cercle(session, request.cercle)]
    return list(
        select_communes(
            session, communes=request.communes, cercle=request.cercle, region=request.region
        )
    )


def area_label_of(area: Area) -> str:
    """'Diré (Dire, Tombouctou) ML060205', 'Cercle de Goundam (intercommunal) ML0603'."""
    if isinstance(area, Commune):
        return area.label()
    return f"Cercle de {area.name} (intercommunal) {area.pcode}"


def launch_cycles_for(
    session: Session,
    areas: Sequence[Area],
    *,
    start_on: date,
    policy: CyclePolicy,
    actor: str,
    now: datetime,
    funder: str | None = None,
) -> LaunchReport:
    """Launch a cycle for each area that has no active one; skip the others with the reason."""
    report = LaunchReport()
    for area in areas:
        existing = active_cycle(session, area.pcode)
        if existing is not None:
            report.skipped.append((area_label_of(area), _still_active(existing)))
            continue
        try:
            cycle = launch_cycle(
                session,
                area,
                start_on=start_on,
                policy=policy,
                actor=actor,
                now=now,
                funder=funder,
            )
        except ActiveCycleExists as exc:
            report.skipped.append((area_label_of(area), str(exc)))
            continue
        report.launched.append(cycle_run(cycle))
    return report


def set_flow_run(
    session: Session, cycle_id: int, flow_run_id: str, *, actor: str, now: datetime
) -> bool:
    """Remember the Prefect flow run that carries a cycle; False when it is that run already. Read
    locked and fresh: a launch and a reconcile that both got it (one key) audit it once."""
    cycle = session.get(Cycle, cycle_id, with_for_update=True, populate_existing=True)
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


def _still_active(existing: Cycle) -> str:
    what = "intercommunal cycle" if existing.intercommunal else "cycle"
    return f"active {what} #{existing.sequence} (id {existing.id})"


def launch_cycle(
    session: Session,
    area: Area,
    *,
    start_on: date,
    policy: CyclePolicy,
    actor: str,
    now: datetime,
    funder: str | None = None,
) -> Cycle:
    """Create a cycle and its planned steps for a commune (or a cercle); refused if one is active."""
    existing = active_cycle(session, area.pcode)
    if existing is not None:
        beside = " (its communes' own cycles are not affected)" if existing.intercommunal else ""
        raise ActiveCycleExists(
            f"{area_label_of(area)} already has an {_still_active(existing)}; "
            f"finish or cancel it before launching another{beside}"
        )
    cercle = area.cercle if isinstance(area, Commune) else area
    cycle = Cycle(
        level="commune" if isinstance(area, Commune) else "cercle",
        area_pcode=area.pcode,
        commune_pcode=area.pcode if isinstance(area, Commune) else None,
        cercle_pcode=cercle.pcode,
        region_pcode=cercle.region_pcode,
        sequence=next_sequence(session, area.pcode),
        start_on=start_on,
        launched_by=actor,
        launched_at=now,
        status=CycleStatus.ACTIVE.value,
        funder=funder,
    )
    cycle.steps = [_step(planned) for planned in plan_cycle(start_on, policy)]
    try:
        with session.begin_nested():
            session.add(cycle)
            session.flush()
    except IntegrityError as exc:
        raise ActiveCycleExists(
            f"{area_label_of(area)} already has an active cycle (launched at the same moment); "
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
        after={
            cycle.level: area.pcode,
            "sequence": cycle.sequence,
            "start_on": str(start_on),
            "funder": funder,
        },
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
