"""What an assignment returns and who must be told: `AssignmentResult` with its `Notice`s, and
`notify`, which records each notice as a 'team.notify.*' audit event for notifications/ to deliver;
`announce_extension`, the same for a step moved by `debates extend` (one event per team member)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models.audit import record
from models.cycle.cycle import get_cycle, named_step
from models.matching.assignment import current_team
from models.matching.phrase import Phrase, dump_all, dump_optional


@dataclass(frozen=True)
class Notice:
    """Someone who must be told: a facilitator (assigned, released) or the coordinators of the
    cycle's region (facilitator_id None) when a cycle waits without a team."""

    cycle_id: int
    kind: str
    """'assigned', 'released' or 'unassigned'."""
    facilitator_id: int | None
    name: str | None
    role: str | None = None
    reason: Phrase | None = None


@dataclass
class AssignmentResult:
    cycle_id: int
    cycle: str
    lead: str | None = None
    co: str | None = None
    lead_id: int | None = None
    co_id: int | None = None
    score: float | None = None
    explanation: list[Phrase] | str | None = None
    """Phrases; the English text of a team row from before phrases."""
    unassigned_reason: Phrase | None = None
    changed: bool = False
    notices: list[Notice] = field(default_factory=list)

    @property
    def assigned(self) -> bool:
        return self.lead_id is not None and self.co_id is not None

    def as_data(self) -> dict[str, Any]:
        """Plain JSON-ready data (phrases as their JSON), what the assignment tasks return."""
        data = asdict(self)
        data["explanation"] = (
            dump_all(self.explanation) if isinstance(self.explanation, list) else self.explanation
        )
        data["unassigned_reason"] = dump_optional(self.unassigned_reason)
        for notice, original in zip(data["notices"], self.notices, strict=True):
            notice["reason"] = dump_optional(original.reason)
        return data


def notify(session: Session, notices: list[Notice], *, now: datetime, actor: str) -> None:
    """Record who must be told (delivery is notifications/'s job: it reads these events)."""
    for notice in notices:
        record(
            session,
            f"team.notify.{notice.kind}",
            "facilitator" if notice.facilitator_id else "coordinators",
            notice.facilitator_id or "region",
            notice.cycle_id,
            now=now,
            actor=actor,
            after={
                "role": notice.role,
                "facilitator_id": notice.facilitator_id,
                "reason": dump_optional(notice.reason),
            },
        )


def announce_extension(
    session: Session,
    cycle_id: int,
    step_name: str,
    days: int,
    *,
    reason: str,
    now: datetime,
    actor: str,
) -> int:
    """Record that the cycle's team (lead and co-facilitator) must be told that `step_name` moved
    by `days` (already moved): one 'team.notify.extended' event per member, whose id keys the
    ledger, so the sweep tells each member once. The number of members to tell."""
    step = named_step(get_cycle(session, cycle_id), step_name)
    moved_to = step.due_at
    team = current_team(session, cycle_id)
    for role, member in sorted(team.items(), reverse=True):  # lead, then co
        record(
            session,
            "team.notify.extended",
            "facilitator",
            member.facilitator_id,
            cycle_id,
            now=now,
            actor=actor,
            after={
                "role": role,
                "facilitator_id": member.facilitator_id,
                "step": step.name,
                "title": step.title,
                "session_number": step.session_number,
                "from": (moved_to - timedelta(days=days)).isoformat(),
                "to": moved_to.isoformat(),
                "days": days,
            },
            reason=reason,
        )
    return len(team)
