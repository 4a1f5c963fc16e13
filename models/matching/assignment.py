"""The assignment record: who is on a cycle's team, in which role, with what score and why.

A change never deletes: the old row is superseded (when, why) and a new one added, so the record
shows who was assigned when. A partial unique index keeps one current lead and one current co.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from models.audit import AuditEvent
from models.base import Base, IntPk, child_of, one_of, unique_where
from models.cycle.cycle import Cycle
from models.cycle.transitions import CycleStatus
from models.matching.phrase import Phrase, load_phrase, load_phrases
from models.people.facilitator import Facilitator

CURRENT_ONLY = "superseded_at IS NULL"


class TeamRole(enum.StrEnum):
    LEAD = "lead"
    CO = "co"


class TeamAssignment(Base):
    __tablename__ = "team_assignments"
    __table_args__ = (
        one_of("role", TeamRole),
        # One current lead and one current co per cycle: two writers cannot both assign.
        unique_where("uq_team_assignments_current_role", "cycle_id", "role", where=CURRENT_ONLY),
    )

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = child_of("cycles")
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id"), index=True)
    role: Mapped[str] = mapped_column(String(4))
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str | None] = mapped_column(Text)
    """English text of a row written before phrases (migration 0006); NULL since."""
    explanation_phrases: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    """The explanation as phrases (models/matching/phrase.py), worded per reader by notifications/."""
    assigned_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    superseded_reason: Mapped[str | None] = mapped_column(Text)
    """English text of an older row; new rows keep the reason in `superseded_phrase`."""
    superseded_phrase: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    @property
    def explained(self) -> list[Phrase] | str | None:
        """The explanation's phrases, or the English text a row from before phrases holds."""
        return load_phrases(self.explanation_phrases, self.explanation)

    facilitator: Mapped[Facilitator] = relationship()


def current_team(session: Session, cycle_id: int) -> dict[str, TeamAssignment]:
    rows = session.scalars(
        select(TeamAssignment)
        .where(TeamAssignment.cycle_id == cycle_id, TeamAssignment.superseded_at.is_(None))
        .options(selectinload(TeamAssignment.facilitator))
    )
    return {row.role: row for row in rows}


TEAM_EVENTS = ("team.assigned", "team.unassigned", "team.member_unavailable", "team.member_unfit")
"""What the matcher (or a member's leave) records on a cycle's audit trail."""


def last_team_event(session: Session, cycle_id: int) -> tuple[str, object] | None:
    """The latest team event of the cycle: its action and stored reason (a phrase's JSON, or the
    English text of an event from before phrases)."""
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.cycle_id == cycle_id, AuditEvent.action.in_(TEAM_EVENTS))
        .order_by(AuditEvent.id.desc())
    ).first()
    if event is None:
        return None
    return event.action, (event.after or {}).get("reason")


def never_matched(session: Session, among: list[int] | None = None) -> list[int]:
    """Active cycles (of `among`, when given) the matcher never saw: no team row and no team
    event. A launch interrupted between recording its cycles and matching them leaves these;
    reconcile matches them."""
    seen = select(AuditEvent.id).where(
        AuditEvent.cycle_id == Cycle.id, AuditEvent.action.in_(TEAM_EVENTS)
    )
    staffed = select(TeamAssignment.id).where(TeamAssignment.cycle_id == Cycle.id)
    return list(
        session.scalars(
            select(Cycle.id)
            .where(Cycle.status == CycleStatus.ACTIVE, ~seen.exists(), ~staffed.exists())
            .where(Cycle.id.in_(among) if among is not None else true())
            .order_by(Cycle.id)
        )
    )


def team_summary(session: Session, cycle_id: int) -> dict[str, Any]:
    """A cycle's team, for `debates show` and the cycle's artifact: lead, co, score, explanation
    (phrases), and when it has no full team, the last reason why nobody fits (a phrase). Rows and
    events from before phrases give their English text instead."""
    team = current_team(session, cycle_id)
    lead, co = team.get(TeamRole.LEAD), team.get(TeamRole.CO)
    reason: Phrase | str | None = None
    if lead is None or co is None:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.cycle_id == cycle_id, AuditEvent.action == "team.unassigned")
            .order_by(AuditEvent.id.desc())
        ).first()
        reason = load_phrase((event.after or {}).get("reason")) if event else None
    row = lead or co
    return {
        "lead": lead.facilitator.name if lead else None,
        "co": co.facilitator.name if co else None,
        "score": row.score if row else None,
        "explanation": row.explained if row else None,
        "unassigned_reason": reason,
    }
