"""A facilitator becomes unavailable: record the period, release them from the cycles whose future
sessions fall in it, and repair those teams under the same rules, as one batch.

Returns exactly who must be told: the person released, each newcomer (or a member whose role
changed), and the coordinators of a cycle left waiting without a full team. Each is also an audit
event ('team.notify.*') for the notifications room to deliver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import record
from models.clock import BAMAKO
from models.cycle.cycle import Cycle
from models.cycle.transitions import CycleStatus
from models.errors import InvalidInput
from models.idempotent import insert_or_existing
from models.matching.assignment import TeamAssignment
from models.matching.candidates import session_days
from models.matching.notices import AssignmentResult, Notice
from models.matching.phrase import Key, say
from models.matching.team import assign_cycles, own_steps, release
from models.people.facilitator import Facilitator, Role, Unavailability
from models.policy import MatchingPolicy
from models.text import name_key


@dataclass
class UnavailabilityReport:
    facilitator: str
    starts_on: date
    ends_on: date
    recorded: bool
    """False when this exact period was recorded already (a repeated command)."""
    results: list[AssignmentResult] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def find_facilitator(session: Session, name: str) -> Facilitator:
    key = name_key(name)
    people = list(
        session.scalars(
            select(Facilitator)
            .where(Facilitator.role == Role.FACILITATOR.value)
            .order_by(Facilitator.id)
        )
    )
    exact = [p for p in people if p.name_key == key]
    found = exact or [p for p in people if key and key in p.name_key]
    if len(found) == 1:
        return found[0]
    if not found:
        raise InvalidInput(
            f"No facilitator is called '{name}'; 'debates facilitators list' shows their names"
        )
    listed = ", ".join(f"{p.name} ({p.home_commune_pcode})" for p in found)
    raise InvalidInput(f"Facilitator '{name}' is ambiguous: {listed}; give the full name")


def mark_unavailable(
    session: Session,
    person: Facilitator,
    starts_on: date,
    ends_on: date,
    *,
    reason: str | None,
    policy: MatchingPolicy,
    actor: str,
    now: datetime,
) -> UnavailabilityReport:
    """Record the period and reassign every affected future session of `person`'s cycles."""
    if ends_on < starts_on:
        raise InvalidInput(
            f"the period ends ({ends_on}) before it starts ({starts_on})",
            [("--to", f"give a date on or after {starts_on}")],
        )
    _period, created = insert_or_existing(
        session,
        Unavailability,
        {"facilitator_id": person.id, "starts_on": starts_on, "ends_on": ends_on},
        lambda: Unavailability(reason=reason),
    )
    period = {"name": person.name, "start": starts_on.isoformat(), "end": ends_on.isoformat()}
    why = say(Key.UNAVAILABLE, **period, **({"note": reason} if reason else {}))
    if created:
        record(
            session,
            "facilitator.unavailable",
            "facilitator",
            person.id,
            now=now,
            actor=actor,
            after={"starts_on": str(starts_on), "ends_on": str(ends_on)},
            reason=reason,
        )
    session.expire(person, ["unavailable"])
    report = UnavailabilityReport(person.name, starts_on, ends_on, created)
    today = now.astimezone(BAMAKO).date()
    rows = session.scalars(
        select(TeamAssignment)
        .join(Cycle, Cycle.id == TeamAssignment.cycle_id)
        .where(
            TeamAssignment.facilitator_id == person.id,
            TeamAssignment.superseded_at.is_(None),
            Cycle.status == CycleStatus.ACTIVE,
        )
        .order_by(TeamAssignment.cycle_id)
    )
    affected: list[int] = []
    for row in rows:
        cycle = session.get(Cycle, row.cycle_id)
        assert cycle is not None
        days = session_days(session, cycle, today=today)
        if not any(starts_on <= d <= ends_on for d in days):
            continue
        report.notices.append(
            release(session, row, why, "team.member_unavailable", now=now, actor=actor)
        )
        remaining = session.scalars(
            select(TeamAssignment.facilitator_id).where(
                TeamAssignment.cycle_id == cycle.id,
                TeamAssignment.superseded_at.is_(None),
                TeamAssignment.id != row.id,
            )
        ).first()
        own_steps(cycle, remaining)
        affected.append(cycle.id)
    session.flush()
    if affected:
        report.results = assign_cycles(
            session, affected, policy=policy, now=now, actor=actor, reason=why
        )
        for result in report.results:
            report.notices.extend(result.notices)
    return report
