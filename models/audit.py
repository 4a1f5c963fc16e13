"""The audit trail: who changed what, when, from what to what, and why. Every state change writes one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, IntPk


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[IntPk]
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


def record(
    session: Session,
    action: str,
    entity: str,
    entity_id: object,
    cycle_id: int | None = None,
    *,
    now: datetime,
    actor: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """One event: `action` (`step.done`, `team.assigned` …) on `entity` `entity_id`, filed under
    `cycle_id` when it concerns a cycle."""
    event = AuditEvent(
        at=now,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        cycle_id=cycle_id,
        before=before,
        after=after,
        reason=reason,
    )
    session.add(event)
    return event


CHANNELS = {
    "prefect-ui": "prefect-ui",
    "flow": "flow",
    "reminder-sweep": "sweep",
    "import": "import",
}
"""The prefix of an actor (`prefect-ui:awa`) -> the channel it acted through; no prefix: the CLI."""


def channel_of(actor: str) -> str:
    """Through what a change came: cli, prefect-ui, flow (a run on its own), sweep or import."""
    prefix, sep, _ = actor.partition(":")
    return CHANNELS.get(prefix, "other") if sep else "cli"


def cycle_history(session: Session, cycle_id: int) -> list[AuditEvent]:
    """A cycle's audit trail, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.cycle_id == cycle_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )
