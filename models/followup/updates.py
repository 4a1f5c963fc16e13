"""An update of a tracked item: one dated row of its timeline, at a visit or between two visits.

`apply_item_update` is the one write of an item update: a monitoring visit calls it for each item it
saw (models/followup/visits.py), and `debates actions update` for one item between visits. Each
records a dated `item_updates` row with its note, audits the change with its actor, and cancels the
item's unsent reminders when its deadline moved (the sweep makes fresh ones for the new date) or it
is done or dropped.

An update between visits never closes the cycle: a cycle closes at a visit (the last, or the first
one after every item is done or dropped), because a visit measures the risk of violence and the trust
in local institutions the programme reports. Once every item is finished, the next visit closes it.
A paused cycle takes updates too: a pause stops the chasing, not the news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from models.audit import record
from models.clock import BAMAKO
from models.csvfile import said
from models.cycle.cycle import Cycle, get_cycle
from models.cycle.steps import StepKind
from models.cycle.transitions import OPEN_STEP, CycleStatus
from models.errors import InvalidInput
from models.fields import Short
from models.fields import Text as LongText
from models.followup.items import (
    OPEN_ITEM,
    ItemStatus,
    ItemUpdate,
    TrackedItem,
    current_people,
    find_owner,
    items_of,
)
from models.reminders.ledger import cancel_item_reminders
from models.stages.follow_up import ItemUpdateIn


def apply_item_update(
    session: Session,
    cycle: Cycle,
    item: TrackedItem,
    update: ItemUpdateIn,
    *,
    on: date,
    visit_id: int | None,
    refused: tuple[str, str],
    actor: str,
    now: datetime,
) -> None:
    """Apply one item's update, dated `on` (at visit `visit_id`, or between visits: None).

    `refused` is (headline, where the owner was given) for an owner who holds no office.
    """
    before = {"status": item.status, "progress": item.progress, "deadline": str(item.deadline)}
    if update.owner is not None:
        owner = find_owner(current_people(session, cycle.commune_pcode), update.owner)
        if owner is None:
            headline, where = refused
            problem = (
                f"'{update.owner}' is no current office holder of {cycle.area_name}; "
                "give a name or an office 'debates roster list' shows"
            )
            raise InvalidInput(headline, [(where, problem)])
        item.owner_id = owner.id
    moved = update.deadline is not None and update.deadline != item.deadline
    item.status = update.status.value
    item.progress = 100 if update.status == ItemStatus.DONE else update.progress
    item.drop_reason = update.reason if update.status == ItemStatus.DROPPED else None
    if update.deadline is not None:
        item.deadline = update.deadline
    item.updated_at = now
    item.updates.append(
        ItemUpdate(
            visit_id=visit_id,
            on=on,
            status=item.status,
            progress=item.progress,
            deadline=item.deadline,
            note=update.note or update.reason,
            actor=actor,
            recorded_at=now,
        )
    )
    if moved or item.status not in OPEN_ITEM:
        cancel_item_reminders(session, [item.id])  # a new date gets its own; a closed item none
    record(
        session,
        "item.updated",
        "tracked_item",
        item.id,
        cycle.id,
        now=now,
        actor=actor,
        before=before,
        after={
            "status": item.status,
            "progress": item.progress,
            "deadline": str(item.deadline),
            "visit": visit_id is not None,
        },
        reason=item.drop_reason,
    )


class ItemChange(BaseModel):
    """An item's update between visits / Mise à jour d'une action entre deux visites.

    What is not given stays as it is; the note says what happened.
    """

    model_config = ConfigDict(extra="forbid")

    status: ItemStatus | None = Field(
        default=None, description="planned, in_progress, done, dropped (unchanged when not given)"
    )
    progress: Annotated[int, Field(ge=0, le=100)] | None = Field(
        default=None, description="Avancement en % / progress 0-100"
    )
    deadline: date | None = Field(default=None, description="Nouvelle échéance / new deadline")
    owner: Short | None = Field(
        default=None, description="Responsable: nom ou fonction dans la commune / owner"
    )
    note: LongText = Field(description="Ce qui s'est passé / what happened")
    reason: LongText | None = Field(
        default=None, description="Pourquoi abandonnée (obligatoire) / why dropped (required)"
    )

    @model_validator(mode="after")
    def _dropped_says_why(self) -> Self:
        if self.status == ItemStatus.DROPPED and self.reason is None:
            raise ValueError(
                'a dropped item needs a reason; give --reason "…" (why it was dropped)'
            )
        if self.status not in (ItemStatus.DROPPED, None) and self.reason is not None:
            raise ValueError("--reason is for --status dropped only; say the rest in --note")
        return self


def parse_item_change(data: dict[str, object]) -> ItemChange:
    """The options of `debates actions update` as an ItemChange; InvalidInput naming each option
    (`--progress`, or `--reason` for a dropped item without one)."""
    given = {name: value for name, value in data.items() if value is not None}
    try:
        return ItemChange.model_validate(given)
    except ValidationError as exc:
        problems = [
            (f"--{error['loc'][0] if error['loc'] else 'reason'}", said(error))
            for error in exc.errors()
        ]
        raise InvalidInput("the item update is not valid", problems) from exc


@dataclass(frozen=True)
class ItemUpdated:
    cycle_id: int
    item: int
    status: str
    progress: int
    deadline: date
    every_item_finished: bool
    """No item is planned or in progress any more: the next visit closes the cycle."""
    next_visit: str | None
    """The visit step still to come (its name), if any."""


def update_item(
    session: Session, cycle_id: int, number: int, change: ItemChange, *, actor: str, now: datetime
) -> ItemUpdated:
    """Record one update of item `number` of the cycle, dated today (Bamako), between visits."""
    cycle = get_cycle(session, cycle_id)
    items = {item.number: item for item in items_of(session, cycle.id)}
    if number not in items:
        listed = (
            f"its items are {', '.join(map(str, items))} (debates actions --cycle {cycle.id})"
            if items
            else "it has none until its plan is handed over"
        )
        raise InvalidInput(f"cycle {cycle.label} has no item {number}; {listed}")
    if cycle.status != CycleStatus.ACTIVE:
        raise InvalidInput(f"Cycle {cycle.label} is {cycle.status}; its items take no more updates")
    item = items[number]
    status = change.status or ItemStatus(item.status)
    if change.status is None and status == ItemStatus.DONE and change.progress not in (None, 100):
        raise InvalidInput(
            f"item {number} of cycle {cycle.label} is done (100 %)",
            [("--progress", "give --status in_progress with it to reopen the item")],
        )
    update = ItemUpdateIn(
        item=number,
        status=status,
        progress=item.progress if change.progress is None else change.progress,
        note=change.note,
        reason=(change.reason or item.drop_reason) if status == ItemStatus.DROPPED else None,
        deadline=change.deadline,
        owner=change.owner,
    )
    apply_item_update(
        session,
        cycle,
        item,
        update,
        on=now.astimezone(BAMAKO).date(),
        visit_id=None,
        refused=(f"item {number} of cycle {cycle.label} was not updated", "--owner"),
        actor=actor,
        now=now,
    )
    session.flush()
    visits = [s for s in cycle.steps if s.step_name.kind is StepKind.VISIT]
    return ItemUpdated(
        cycle_id=cycle.id,
        item=number,
        status=item.status,
        progress=item.progress,
        deadline=item.deadline,
        every_item_finished=all(i.status not in OPEN_ITEM for i in items.values()),
        next_visit=next((s.name for s in visits if s.status in OPEN_STEP), None),
    )
