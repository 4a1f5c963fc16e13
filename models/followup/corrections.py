"""Tracked items follow the corrections of what they were made from: an amendment of the minutes
or of the safety plan after the handover (models/cycle/amend.py) reaches the items in its
transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.followup.items import (
    Source,
    TrackedItem,
    add_items,
    current_people,
    find_owner,
    item_sources,
    items_of,
)
from models.people.roster import CommunePerson
from models.reminders.ledger import cancel_item_reminders


def follow_corrections(session: Session, cycle: Cycle, *, now: datetime) -> list[TrackedItem]:
    """After an amendment of the minutes or the plan, once the follow-up has started: each item
    says what its corrected action or commitment now says (title, party, deadline; the office
    holder a new party names becomes its owner where one fits; a moved deadline cancels its unsent
    reminders, and the sweep makes fresh ones for the new date), and an action or commitment the
    amendment added becomes a new item, numbered after the others. Returns the new items."""
    items = {
        (i.source, i.plan_action_id or i.commitment_id): i for i in items_of(session, cycle.id)
    }
    if not items:  # the handover makes them from the record as it then stands
        return []
    people: list[CommunePerson] | None = None
    added: list[Source] = []
    moved: list[int] = []
    for source in item_sources(session, cycle):
        kind, source_id, title, party, deadline = source
        item = items.get((kind.value, source_id))
        if item is None:
            added.append(source)
            continue
        if party != item.party:
            people = current_people(session, cycle.commune_pcode) if people is None else people
            owner = find_owner(people, party)
            item.owner_id = owner.id if owner else item.owner_id
        if deadline != item.deadline:
            moved.append(item.id)
        item.title, item.party, item.deadline = title, party, deadline
    cancel_item_reminders(session, moved)
    return add_items(
        session, cycle, added, first=1 + max(i.number for i in items.values()), now=now
    )
