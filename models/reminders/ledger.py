"""The notification ledger: one row per message per recipient channel, so a reminder goes out once.

The idempotency key is (step, rule, recipient, due date) under a UNIQUE constraint. A sweep claims a
row by inserting it (or, for a retry, by moving it from failed back to claimed in one UPDATE) before
it sends, and marks it sent or failed after. Two sweeps cannot both claim one key. The due date is
part of the key, so a step whose due date moves gets fresh reminders for the new date, while the
rows of the old date are cancelled.

Recipients are contact channels, never their Apprise URLs: 'contact:12' a facilitator's (or a
coordinator's, a manager's) contact, 'roster:12' a commune office holder's; the ledger holds no secret,
and `last_error` is redacted before it is stored (notifications.dispatch). The person is
`facilitator_id` or `commune_person_id`, never both.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    or_,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from models.base import Base, IntPk, one_of
from models.query import in_chunks
from models.reminders.rules import (
    DUE_TODAY,
    ESCALATION_COORDINATOR,
    ESCALATION_MANAGER,
    Before,
    Overdue,
)

ESCALATIONS = (ESCALATION_COORDINATOR, ESCALATION_MANAGER)


class NotificationStatus(enum.StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("step_id", "rule", "recipient", "due_at"),
        one_of("status", NotificationStatus),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("facilitator_id IS NULL OR commune_person_id IS NULL", name="one_person"),
        # Later sweeps look for retries and stale claims by status and time.
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
        # Who was told of which cycle: the assignment rows only, without reading the history.
        Index("ix_notifications_rule_step_id", "rule", "step_id"),
    )

    id: Mapped[IntPk]
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime]
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitator_contacts.id", ondelete="SET NULL")
    )
    commune_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("commune_people.id", ondelete="SET NULL"), index=True
    )
    """The recipient when it is one of the commune's office holders (models.people.roster)."""
    commune_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("commune_person_contacts.id", ondelete="SET NULL")
    )
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracked_items.id", ondelete="CASCADE"), index=True
    )
    """The tracked item an item rule chases (models.reminders.items); its step is the cycle's
    handover, and its due date the item's deadline."""
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=NotificationStatus.CLAIMED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(String(40))
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return (
            f"Notification(id={self.id!r}, step_id={self.step_id!r}, rule={self.rule!r}, "
            f"recipient={self.recipient!r}, status={self.status!r})"
        )


CHASES = (Before.sql_like(), str(DUE_TODAY), Overdue.sql_like(), *map(str, ESCALATIONS))
"""The rules that chase a step (reminders, overdue notices, escalations), as LIKE patterns."""


def cancel_item_reminders(session: Session, item_ids: Sequence[int]) -> int:
    """Cancel the not yet sent notifications of these tracked items (claimed or failed): the item
    was rescheduled (its new deadline gets its own), done or dropped. Returns how many."""
    return _cancel_unsent_of(session, Notification.item_id, item_ids)


def cancel_unsent(session: Session, step_ids: Sequence[int]) -> int:
    """Cancel the chasing notifications of these steps not yet sent (claimed or failed): a
    re-plan moved the steps, or they are not chased yet. Invitations and team notices filed under
    a step are left alone. Returns how many were cancelled."""
    chasing = or_(*(Notification.rule.like(pattern) for pattern in CHASES))
    return _cancel_unsent_of(session, Notification.step_id, step_ids, chasing)


def _cancel_unsent_of(
    session: Session,
    owner: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
    ids: Sequence[int],
    *also: ColumnElement[bool],
) -> int:
    """Cancel the claimed or failed notifications whose `owner` column is in `ids` (and `also`
    holds), chunk by chunk; how many."""
    cancelled = 0
    for chunk in in_chunks(sorted(ids)):
        result = session.execute(
            update(Notification)
            .where(
                owner.in_(chunk),
                Notification.status.in_(
                    [NotificationStatus.CLAIMED.value, NotificationStatus.FAILED.value]
                ),
                *also,
            )
            .values(status=NotificationStatus.CANCELLED.value, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
        cancelled += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return cancelled
