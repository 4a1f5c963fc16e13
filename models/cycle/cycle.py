"""A cycle: the stages, baseline to follow-up, for one commune (or one cercle), made of steps with
owners and due dates.

The tables and the look-ups; launching is models/cycle/launch.py, status changes
models/cycle/status.py.

One active cycle per area at a time is a partial unique index, not a Python check: two
coordinators launching at once cannot both succeed. The area is a commune's P-code (ML060205) or,
for an intercommunal cycle, its cercle's (ML0603): a cercle has at most one active intercommunal
cycle, beside its communes' own cycles.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TypeVarTuple

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Select,
    String,
    Text,
    UniqueConstraint,
    exists,
    false,
    select,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column, relationship, validates
from sqlalchemy.sql.elements import ColumnElement

from models.base import Base, IntPk, child_of, index_where, one_of, unique_where
from models.cycle.steps import Stage, StepName
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.errors import NotFound
from models.geography.places import Cercle, Commune, Region
from models.people.facilitator import Facilitator
from models.text import slug

ACTIVE_ONLY = "status = 'active'"
UNTOLD = "facilitator_id IS NOT NULL AND facilitator_told = false"
"""Steps whose facilitator is not known to be told of the cycle (`Step.facilitator_told`); as the
sweep's query writes it, for SQLite to use the partial index (`false` is 0 there)."""

Columns = TypeVarTuple("Columns")


def area_label(commune: str | None, cercle: str) -> str:
    """What a cycle's place is called wherever it is shown: its commune, or for an intercommunal
    cycle 'Cercle de Goundam (intercommunal)' (the cercle's own name, in French as on a map)."""
    return commune if commune is not None else f"Cercle de {cercle} (intercommunal)"


def area_slug(commune: str | None, cercle: str) -> str:
    """The place in run names and artifact keys: `dire`, or `cercle-goundam` for a cercle."""
    return slug(commune) if commune is not None else f"cercle-{slug(cercle)}"


class Cycle(Base):
    __tablename__ = "cycles"
    __table_args__ = (
        UniqueConstraint("area_pcode", "sequence"),
        CheckConstraint("level IN ('commune', 'cercle')", name="level"),
        one_of("status", CycleStatus),
        CheckConstraint(
            "(level = 'commune' AND commune_pcode = area_pcode)"
            " OR (level = 'cercle' AND commune_pcode IS NULL AND cercle_pcode = area_pcode)",
            name="area",
        ),
        CheckConstraint("sequence >= 1", name="sequence"),
        unique_where("uq_cycles_one_active_per_area", "area_pcode", where=ACTIVE_ONLY),
    )

    id: Mapped[IntPk]
    level: Mapped[str] = mapped_column(String(7), default="commune")
    area_pcode: Mapped[str] = mapped_column(String(8))
    commune_pcode: Mapped[str | None] = mapped_column(ForeignKey("communes.pcode"), index=True)
    cercle_pcode: Mapped[str] = mapped_column(ForeignKey("cercles.pcode"), index=True)
    region_pcode: Mapped[str] = mapped_column(ForeignKey("regions.pcode"), index=True)
    sequence: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=CycleStatus.ACTIVE.value, index=True)
    start_on: Mapped[date] = mapped_column(Date)
    launched_by: Mapped[str] = mapped_column(String(120))
    launched_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(Text)
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    funder: Mapped[str | None] = mapped_column(String(120), index=True)
    """The funder or programme the cycle is reported under (`debates launch --funder`,
    `debates funder`); None when untagged."""

    commune: Mapped[Commune | None] = relationship()
    cercle: Mapped[Cercle] = relationship()
    steps: Mapped[list[Step]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="Step.position"
    )

    @property
    def intercommunal(self) -> bool:
        """A cycle for a whole cercle: sessions in any of its communes, no member from it."""
        return self.commune_pcode is None

    @property
    def area_name(self) -> str:
        return area_label(self.commune.name if self.commune else None, self.cercle.name)

    @property
    def area_slug(self) -> str:
        return area_slug(self.commune.name if self.commune else None, self.cercle.name)

    @property
    def label(self) -> str:
        return f"{self.area_name} #{self.sequence}"

    def step(self, name: str | StepName) -> Step:
        text = str(name)
        for step in self.steps:
            if step.name == text:
                return step
        raise KeyError(name)

    def waiting_step(self) -> Step | None:
        """The first open step: the one the cycle waits on."""
        return next((s for s in self.steps if s.status in OPEN_STEP), None)


class Step(Base):
    __tablename__ = "steps"
    __table_args__ = (
        UniqueConstraint("cycle_id", "name"),
        UniqueConstraint("cycle_id", "position"),
        one_of("status", StepStatus),
        one_of("stage", Stage),
        CheckConstraint("escalation_level >= 0", name="escalation_level"),
        # The reminder sweep's query: open steps by due date.
        Index("ix_steps_status_due_at", "status", "due_at"),
        # Its assignment notices: the few steps whose facilitator is not yet known to be told.
        index_where("ix_steps_untold", "cycle_id", where=UNTOLD),
    )

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = child_of("cycles")
    position: Mapped[int]
    stage: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    owner_role: Mapped[str] = mapped_column(String(12))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id"), index=True)
    session_number: Mapped[int | None]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=StepStatus.PENDING.value)
    completed_at: Mapped[datetime | None]
    overdue_since: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(default=0)
    facilitator_told: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The ledger holds the notice that told this step's facilitator of the cycle (the step's or
    the team's). Set by the reminder sweep once it has checked the ledger, cleared when the step
    goes to someone else; so the sweep looks in the ledger only for the steps not marked (the
    `ix_steps_untold` index), not for every assigned open step."""

    cycle: Mapped[Cycle] = relationship(back_populates="steps")
    facilitator: Mapped[Facilitator | None] = relationship()

    @validates("facilitator_id")
    def _owner_changed(self, _key: str, person: int | None) -> int | None:
        """A step given to someone else: its new owner is not known to be told yet."""
        if person != self.facilitator_id:
            self.facilitator_told = False
        return person

    @property
    def step_name(self) -> StepName:
        """`name` read as the domain's StepName (the column holds its text form)."""
        return StepName.parse(self.name)


def waited_on() -> ColumnElement[bool]:
    """SQL for `Cycle.waiting_step`: no open step of the same cycle comes before this one.

    Only such a step can be done now (the flow accepts no other submission), so it is the only one
    the sweep flags, reminds and escalates. A probe of the (cycle_id, position) unique index per row.
    """
    earlier = aliased(Step)
    return ~exists().where(
        earlier.cycle_id == Step.cycle_id,
        earlier.position < Step.position,
        earlier.status.in_([s.value for s in OPEN_STEP]),
    )


def with_place_names(query: Select[*Columns]) -> Select[*Columns]:
    """`query` (which selects from Cycle) joined to its commune, cercle and region, so it can select
    their names; the commune is an outer join because a cercle's cycle has none."""
    return (
        query.outerjoin(Commune, Commune.pcode == Cycle.commune_pcode)
        .join(Cercle, Cercle.pcode == Cycle.cercle_pcode)
        .join(Region, Region.pcode == Cycle.region_pcode)
    )


def get_cycle(session: Session, cycle_id: int) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"No cycle with id {cycle_id}; 'debates cycles' lists them")
    return cycle


def lock_cycles(session: Session, cycle_ids: Sequence[int]) -> None:
    """Hold the cycles' rows until the transaction ends, taken in id order (two writers locking
    overlapping sets never wait on each other in a circle). A writer that checks a cycle, then
    changes it, locks it first: a concurrent one that changed it meanwhile is seen. SQLite needs
    none: every write session holds the database's write lock from its start."""
    if cycle_ids:
        session.execute(
            select(Cycle.id).where(Cycle.id.in_(cycle_ids)).order_by(Cycle.id).with_for_update()
        )


def named_step(cycle: Cycle, step_name: str) -> Step:
    """The cycle's step of that name, or an error that lists the steps it has."""
    try:
        return cycle.step(step_name)
    except KeyError:
        names = ", ".join(s.name for s in cycle.steps)
        raise NotFound(
            f"STEP: cycle {cycle.label} has no step '{step_name}'; its steps: {names}"
        ) from None


def next_sequence(session: Session, area_pcode: str) -> int:
    last = session.scalar(
        select(Cycle.sequence).where(Cycle.area_pcode == area_pcode).order_by(Cycle.sequence.desc())
    )
    return (last or 0) + 1


def active_cycle(session: Session, area_pcode: str) -> Cycle | None:
    return session.scalar(
        select(Cycle).where(Cycle.area_pcode == area_pcode, Cycle.status == CycleStatus.ACTIVE)
    )
