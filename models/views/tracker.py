"""The item tracker: every tracked item with its owner, deadline, status, progress and last update,
and the grievances it answers (`debates actions`, and the table artifact of each cycle)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.cycle.cycle import Cycle
from models.followup.items import OPEN_ITEM, TrackedItem
from models.geography.places import Level, resolve_commune, resolve_place
from models.people.roster import CommunePerson
from models.stages.answers import GrievanceShown, answered, shown_grievances

SOURCES = {"plan_action": "plan", "commitment": "engagement / commitment"}


def is_overdue(item: TrackedItem, today: date) -> bool:
    return item.status in OPEN_ITEM and item.deadline < today


def tracked_items(
    session: Session,
    *,
    today: date,
    cycle_id: int | None = None,
    commune: str | None = None,
    region: str | None = None,
    overdue: bool = False,
) -> list[TrackedItem]:
    """The items of one cycle, or of a commune's or a region's cycles (every cycle when none is
    named); with `overdue`, only the open ones past their deadline (`today`, Bamako)."""
    query = (
        select(TrackedItem)
        .join(Cycle, Cycle.id == TrackedItem.cycle_id)
        .options(selectinload(TrackedItem.updates), selectinload(TrackedItem.answers))
        .order_by(Cycle.region_pcode, Cycle.area_pcode, Cycle.id, TrackedItem.number)
    )
    if cycle_id is not None:
        query = query.where(TrackedItem.cycle_id == cycle_id)
    if commune is not None:
        query = query.where(Cycle.commune_pcode == resolve_commune(session, commune).pcode)
    if region is not None:
        query = query.where(
            Cycle.region_pcode == resolve_place(session, region, Level.REGION).pcode
        )
    if overdue:
        query = query.where(
            TrackedItem.status.in_([s.value for s in OPEN_ITEM]), TrackedItem.deadline < today
        )
    return list(session.scalars(query))


def answers_text(answers: Iterable[Mapping[str, str | None]]) -> str:
    """'1.1 foncier · 1.2 (sensible)': a row's answers on one line (a table cell)."""
    return " · ".join(
        f"{a['grievance']} {a['theme']}" if a["theme"] else f"{a['grievance']} (sensible)"
        for a in answers
    )


def item_row(
    item: TrackedItem,
    cycle: Cycle,
    owner: CommunePerson | None,
    today: date,
    answers: tuple[GrievanceShown, ...] = (),
) -> dict[str, Any]:
    """One item as plain data: the CLI's table and JSON, and the artifact's row. `answers`: the
    grievances it answers, a sensitive one by its number only (theme None)."""
    last = item.updates[-1] if item.updates else None
    return {
        "cycle": cycle.id,
        "commune": cycle.area_name,
        "item": item.number,
        "what": item.title,
        "source": SOURCES.get(item.source, item.source),
        "party": item.party,
        "owner": owner.name if owner else None,
        "deadline": item.deadline.isoformat(),
        "status": item.status,
        "progress": item.progress,
        "overdue": is_overdue(item, today),
        "last_update": last.on.isoformat() if last else None,
        "last_note": last.note if last else None,
        "drop_reason": item.drop_reason,
        "answers": [a.as_record() for a in answers],
    }


def tracker_rows(session: Session, items: list[TrackedItem], today: date) -> list[dict[str, Any]]:
    cycles = {
        c.id: c
        for c in session.scalars(select(Cycle).where(Cycle.id.in_({i.cycle_id for i in items})))
    }
    shown = shown_grievances(session, cycles.keys()) if any(i.answers for i in items) else {}
    return [
        item_row(i, cycles[i.cycle_id], i.owner, today, answered(i.answers, shown)) for i in items
    ]
