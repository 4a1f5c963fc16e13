"""Tracked items: every safety-plan action and every session commitment, followed after the handover.

An item has an owner (one of the commune's people, models.people.roster; unset until known), a
deadline, a status (planned, in progress, done, dropped with a reason) and a progress 0-100; each
update is a dated row of `item_updates`, so the item keeps its timeline. A plan's progress is the
mean of its items' progress, a done item counting 100 and a dropped one not at all.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, foreign, mapped_column, relationship

from models.base import Base, IntPk, child_of, one_of
from models.cycle.cycle import Cycle
from models.people.roster import CommunePerson, OfficeRole, office_holders
from models.stages.minutes import Commitment, Grievance, Minutes
from models.stages.safety_plan import SafetyPlan, plan_action_grievances
from models.text import name_key


class ItemStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


OPEN_ITEM = frozenset({ItemStatus.PLANNED, ItemStatus.IN_PROGRESS})


class ItemSource(enum.StrEnum):
    PLAN_ACTION = "plan_action"
    COMMITMENT = "commitment"


class TrackedItem(Base):
    __tablename__ = "tracked_items"
    __table_args__ = (
        UniqueConstraint("cycle_id", "number"),
        one_of("status", ItemStatus),
        one_of("source", ItemSource),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        CheckConstraint("status <> 'dropped' OR drop_reason IS NOT NULL", name="drop_reason"),
        CheckConstraint(
            "(source = 'plan_action' AND plan_action_id IS NOT NULL)"
            " OR (source = 'commitment' AND commitment_id IS NOT NULL)",
            name="answers",
        ),
    )

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = child_of("cycles")
    number: Mapped[int]
    """1, 2 … within the cycle: the plan's actions by priority, then the commitments."""
    source: Mapped[str] = mapped_column(String(12))
    plan_action_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_actions.id", ondelete="CASCADE"), unique=True
    )
    commitment_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), unique=True
    )
    """The session commitment the item is, or answers."""
    title: Mapped[str] = mapped_column(Text)
    party: Mapped[str] = mapped_column(String(200))
    """The responsible party as the plan or the minutes wrote it."""
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("commune_people.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=ItemStatus.PLANNED.value)
    progress: Mapped[int] = mapped_column(default=0)
    drop_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    """The last update (the handover at first): an item idle too long is nudged."""
    created_at: Mapped[datetime]

    owner: Mapped[CommunePerson | None] = relationship()
    answers: Mapped[list[Grievance]] = relationship(
        secondary=plan_action_grievances,
        primaryjoin=lambda: (
            TrackedItem.plan_action_id == foreign(plan_action_grievances.c.plan_action_id)
        ),
        secondaryjoin=lambda: foreign(plan_action_grievances.c.grievance_id) == Grievance.id,
        order_by=Grievance.id,
        viewonly=True,
    )
    """The grievances the item answers: those of its plan action (none for a commitment)."""
    updates: Mapped[list[ItemUpdate]] = relationship(
        cascade="all, delete-orphan", order_by="ItemUpdate.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ITEM


class ItemUpdate(Base):
    """One dated entry of an item's timeline: what it became, and the note that says why."""

    __tablename__ = "item_updates"
    __table_args__ = (
        one_of("status", ItemStatus),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
    )

    id: Mapped[IntPk]
    item_id: Mapped[int] = child_of("tracked_items")
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_visits.id", ondelete="CASCADE"), index=True
    )
    on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    progress: Mapped[int]
    deadline: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime]


def rolled_up(items: Iterable[tuple[str, int]]) -> int | None:
    """A plan's progress from its items' (status, progress): the mean, done = 100, dropped left
    out; None when no item counts."""
    counted = [
        100 if status == ItemStatus.DONE else progress
        for status, progress in items
        if status != ItemStatus.DROPPED
    ]
    return round(sum(counted) / len(counted)) if counted else None


_ROLE_WORDS: dict[str, OfficeRole] = {
    "maire": OfficeRole.MAYOR,
    "mairie": OfficeRole.MAYOR,
    "mayor": OfficeRole.MAYOR,
    "point focal": OfficeRole.SECURITY_FOCAL_POINT,
    "focal point": OfficeRole.SECURITY_FOCAL_POINT,
    "association des femmes": OfficeRole.WOMEN_LEAD,
    "women": OfficeRole.WOMEN_LEAD,
    "association des jeunes": OfficeRole.YOUTH_LEAD,
    "youth": OfficeRole.YOUTH_LEAD,
}


def current_people(session: Session, commune_pcode: str | None) -> list[CommunePerson]:
    """The commune's current office holders (none for an intercommunal cycle's cercle)."""
    return [] if commune_pcode is None else office_holders(session, [commune_pcode])


def find_owner(people: list[CommunePerson], party: str) -> CommunePerson | None:
    """The office holder a party names: by name (any spelling), else by office ('Mairie', 'le
    maire' -> the mayor). None when nobody or several fit: the owner is set at a visit."""
    key = name_key(party)
    by_name = [p for p in people if p.name_key == key or name_key(p.name) == key]
    if len(by_name) == 1:
        return by_name[0]
    roles = {role for word, role in _ROLE_WORDS.items() if f" {word} " in f" {key} "}
    by_role = [p for p in people if p.role in roles]
    return by_role[0] if len(roles) == 1 and len(by_role) == 1 else None


Source = tuple[
    ItemSource, int, str, str, date
]  # kind, action/commitment id, title, party, deadline


def item_sources(session: Session, cycle: Cycle) -> list[Source]:
    """The plan's actions by priority, then every session's commitments in session order."""
    plan = session.scalar(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle.id))
    commitments = session.scalars(
        select(Commitment)
        .join(Minutes, Minutes.id == Commitment.minutes_id)
        .where(Minutes.cycle_id == cycle.id)
        .order_by(Minutes.session_number, Commitment.id)
    ).all()
    sources: list[Source] = [
        (ItemSource.PLAN_ACTION, a.id, a.action, a.responsible_party, a.deadline)
        for a in (plan.actions if plan else [])
    ]
    return sources + [
        (ItemSource.COMMITMENT, c.id, c.action, c.party, c.deadline) for c in commitments
    ]


def add_items(
    session: Session, cycle: Cycle, sources: list[Source], *, first: int, now: datetime
) -> list[TrackedItem]:
    people = current_people(session, cycle.commune_pcode) if sources else []
    items = []
    for number, (source, source_id, title, party, deadline) in enumerate(sources, start=first):
        owner = find_owner(people, party)
        item = TrackedItem(
            cycle_id=cycle.id,
            number=number,
            source=source.value,
            plan_action_id=source_id if source == ItemSource.PLAN_ACTION else None,
            commitment_id=source_id if source == ItemSource.COMMITMENT else None,
            title=title,
            party=party,
            owner_id=owner.id if owner else None,
            deadline=deadline,
            status=ItemStatus.PLANNED.value,
            progress=0,
            updated_at=now,
            created_at=now,
        )
        session.add(item)
        items.append(item)
    session.flush()
    return items


def create_items(session: Session, cycle: Cycle, *, now: datetime) -> list[TrackedItem]:
    """The cycle's tracked items, created once: the plan's actions by priority, then every
    session's commitments in session order. A replay returns the existing items."""
    existing = items_of(session, cycle.id)
    if existing:
        return existing
    return add_items(session, cycle, item_sources(session, cycle), first=1, now=now)


def items_of(session: Session, cycle_id: int) -> list[TrackedItem]:
    return list(
        session.scalars(
            select(TrackedItem).where(TrackedItem.cycle_id == cycle_id).order_by(TrackedItem.number)
        )
    )


@dataclass(frozen=True)
class ItemState:
    """An item as it stands, as plain data: what a visit's form and template start from."""

    number: int
    title: str
    owner: str | None
    deadline: date
    status: str
    progress: int
    drop_reason: str | None = None

    def as_update(self) -> dict[str, object]:
        """The item as a visit's `items` entry that changes nothing (a form's starting value): a
        valid entry as it stands, so a dropped item keeps its reason."""
        entry: dict[str, object] = {
            "item": self.number,
            "status": self.status,
            "progress": self.progress,
        }
        if self.drop_reason is not None:
            entry["reason"] = self.drop_reason
        return entry


def item_states(session: Session, cycle_id: int) -> tuple[ItemState, ...]:
    return tuple(
        ItemState(
            i.number,
            i.title,
            i.owner.name if i.owner else None,
            i.deadline,
            i.status,
            i.progress,
            i.drop_reason,
        )
        for i in items_of(session, cycle_id)
    )
