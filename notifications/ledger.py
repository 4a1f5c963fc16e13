"""The ledger's operations: claim before sending, record after, retry with backoff, cancel.

Every write here starts its transaction with the write itself (INSERT or UPDATE), so on SQLite a
sweep takes the write lock at once and waits its turn (busy_timeout) instead of failing to upgrade
a read snapshot; on PostgreSQL the claim INSERTs go in key order, so two sweeps never deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle, Step
from models.cycle.pause import not_paused
from models.cycle.transitions import CycleStatus
from models.followup.items import OPEN_ITEM, TrackedItem
from models.policy import ReminderPolicy
from models.query import among_ids, in_chunks
from models.reminders.due import OpenStep, in_quiet_hours
from models.reminders.ledger import Notification, NotificationStatus
from models.reminders.rules import DUE_TODAY, Before, PlanSent, is_owner_reminder
from models.reminders.selection import OPEN
from notifications.recipients import Channel, Person, PersonKind


class Addressee(NamedTuple):
    """Who a claim goes to: one channel of a person, in the ledger's columns of the person's kind
    (the same for every claim to that channel: the sweep makes it once per person)."""

    recipient: str
    facilitator_id: int | None
    contact_id: int | None
    channel: str
    """The channel's scheme, cut to the ledger's 20 characters."""
    commune_person_id: int | None
    commune_contact_id: int | None

    @classmethod
    def of(cls, person: Person, channel: Channel) -> Addressee:
        holder = person.kind is PersonKind.OFFICE_HOLDER
        return cls(
            channel.recipient,
            None if holder else person.id,
            None if holder else channel.contact_id,
            channel.scheme[:20],
            person.id if holder else None,
            channel.contact_id if holder else None,
        )


class Claim(NamedTuple):
    """A notification to claim: the idempotency key plus who and on which channel. A named tuple:
    the sweep makes one per claim (20,000 in the backlog benchmark), a frozen dataclass cost 5×."""

    step_id: int
    rule: str
    due_at: datetime
    recipient: str
    facilitator_id: int | None
    contact_id: int | None
    channel: str
    commune_person_id: int | None = None
    commune_contact_id: int | None = None
    item_id: int | None = None
    """The tracked item an item rule chases (None for a step's rules)."""

    @property
    def key(self) -> tuple[int, str, str, datetime]:
        return (self.step_id, self.rule, self.recipient, self.due_at)

    @classmethod
    def to(
        cls,
        person: Person,
        channel: Channel,
        *,
        step_id: int,
        rule: str,
        due_at: datetime,
        item_id: int | None = None,
    ) -> Claim:
        """The claim of `rule` for one person's channel."""
        return cls(step_id, rule, due_at, *Addressee.of(person, channel), item_id)


@dataclass(frozen=True)
class Exhausted:
    """A notification that failed `retry_limit` times: its person is reported unreachable."""

    notification_id: int
    step_id: int
    due_at: datetime
    facilitator_id: int | None
    rule: str
    recipient: str = ""
    commune_person_id: int | None = None
    item_id: int | None = None


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(Notification)


def insert_claims(
    session: Session, claims: Iterable[Claim], *, now: datetime, sweep_id: str
) -> list[int]:
    """Insert claims under the UNIQUE key; return the ids this call won (existing keys are skipped)."""
    rows = [
        {
            "step_id": c.step_id,
            "rule": c.rule,
            "recipient": c.recipient,
            "due_at": c.due_at,
            "facilitator_id": c.facilitator_id,
            "contact_id": c.contact_id,
            "commune_person_id": c.commune_person_id,
            "commune_contact_id": c.commune_contact_id,
            "item_id": c.item_id,
            "channel": c.channel,
            "status": NotificationStatus.CLAIMED.value,
            "attempts": 0,
            "created_at": now,
            "claimed_at": now,
            "claimed_by": sweep_id,
        }
        for c in sorted(claims, key=lambda c: (c.step_id, c.rule, c.recipient, c.due_at))
    ]
    won: list[int] = []
    for chunk in in_chunks(rows):
        stmt = (
            _insert(session)
            .values(list(chunk))
            .on_conflict_do_nothing(index_elements=["step_id", "rule", "recipient", "due_at"])
            .returning(Notification.id)
        )
        won.extend(session.scalars(stmt))
    return sorted(won)


def existing_keys(session: Session, steps: Sequence[OpenStep]) -> dict[int, set[tuple[str, str]]]:
    """(rule, recipient) already in the ledger for the current due date of each step: one
    lookup of the ledger's unique key (step first) for all the steps (`among_ids`), not the
    steps' query again."""
    due = {step.step_id: step.due_at for step in steps}
    keys: dict[int, set[tuple[str, str]]] = defaultdict(set)
    if not due:
        return keys
    connection = session.connection()
    rows = connection.execute(
        select(
            Notification.step_id, Notification.rule, Notification.recipient, Notification.due_at
        ).where(among_ids(Notification.step_id, list(due), connection.dialect.name))
    )
    for step_id, rule, recipient, due_at in rows.all():
        if due_at == due[step_id]:
            keys[step_id].add((rule, recipient))
    return keys


def owner_reminders_so_far(keys: AbstractSet[tuple[str, str]]) -> int:
    return len({rule for rule, _recipient in keys if is_owner_reminder(rule)})


def cancel_obsolete(session: Session, now: datetime, policy: ReminderPolicy) -> int:
    """Cancel retries and stale claims that must not go out any more: the step is closed, its
    cycle is not active or is paused, its due date moved (a postponed session), or a reminder *before* the
    due date would now arrive after it. An item's rows follow the item (open, in an active cycle
    not paused; a rescheduled item's rows are cancelled when it moves: models.followup.visits)."""
    cutoff = now - timedelta(minutes=policy.claim_lease_minutes)
    step_valid = exists(
        select(Step.id)
        .join(Cycle, Cycle.id == Step.cycle_id)
        .where(
            Step.id == Notification.step_id,
            Step.due_at == Notification.due_at,
            Step.status.in_(OPEN),
            Cycle.status == CycleStatus.ACTIVE.value,
            not_paused(),
        )
    )
    item_valid = exists(
        select(TrackedItem.id)
        .join(Cycle, Cycle.id == TrackedItem.cycle_id)
        .where(
            TrackedItem.id == Notification.item_id,
            TrackedItem.status.in_([s.value for s in OPEN_ITEM]),
            Cycle.status == CycleStatus.ACTIVE.value,
            not_paused(),
        )
    )
    still_valid = or_(
        and_(Notification.item_id.is_(None), step_valid),
        and_(Notification.item_id.is_not(None), item_valid),
    )
    late_before = and_(
        or_(
            Notification.rule.like(Before.sql_like()),
            Notification.rule == str(DUE_TODAY),
            Notification.rule.like(f"item-%-{Before.prefix()}%"),
        ),
        Notification.due_at <= now,
    )
    result = session.execute(
        update(Notification)
        .where(
            or_(
                and_(
                    Notification.status == NotificationStatus.FAILED.value,
                    Notification.next_attempt_at.is_not(None),
                ),
                and_(
                    Notification.status == NotificationStatus.CLAIMED.value,
                    Notification.claimed_at < cutoff,
                ),
            ),
            # A plan is sent after its step is done, and after the handover closed the cycle.
            Notification.rule.not_like(PlanSent.sql_like()),
            or_(~still_valid, late_before),
        )
        .values(status=NotificationStatus.CANCELLED.value, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reclaim(session: Session, now: datetime, policy: ReminderPolicy, sweep_id: str) -> list[int]:
    """Take over failed notifications whose backoff has passed, and claims whose sweep died
    (older than the lease). One UPDATE that re-checks the status: two sweeps cannot both win.
    In quiet hours, SMS-type channels wait."""
    cutoff = now - timedelta(minutes=policy.claim_lease_minutes)
    quiet = policy.quiet_schemes if in_quiet_hours(now, policy) else []
    ids = session.scalars(
        update(Notification)
        .where(
            Notification.channel.not_in(quiet),
            or_(
                and_(
                    Notification.status == NotificationStatus.FAILED.value,
                    Notification.next_attempt_at <= now,
                ),
                and_(
                    Notification.status == NotificationStatus.CLAIMED.value,
                    Notification.claimed_at < cutoff,
                ),
            ),
        )
        .values(status=NotificationStatus.CLAIMED.value, claimed_at=now, claimed_by=sweep_id)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(ids)


def backoff(attempts: int, policy: ReminderPolicy) -> timedelta:
    """The delay before attempt `attempts + 1`; the last listed delay repeats."""
    delays = policy.retry_backoff_minutes
    return timedelta(minutes=delays[min(attempts, len(delays)) - 1])


def record_sent(session: Session, ids: Sequence[int], *, now: datetime) -> None:
    for chunk in in_chunks(ids):
        session.execute(
            update(Notification)
            .where(Notification.id.in_(chunk))
            .values(
                status=NotificationStatus.SENT.value,
                sent_at=now,
                attempts=Notification.attempts + 1,
                next_attempt_at=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )


def record_failed(
    session: Session,
    failures: Sequence[tuple[int, str]],
    *,
    now: datetime,
    policy: ReminderPolicy,
) -> list[Exhausted]:
    """Record failed sends (error already redacted); schedule a retry, or give up at the limit."""
    exhausted: list[Exhausted] = []
    for notification_id, error in failures:
        row = session.execute(
            update(Notification)
            .where(Notification.id == notification_id)
            .values(
                status=NotificationStatus.FAILED.value,
                attempts=Notification.attempts + 1,
                last_error=error,
            )
            .returning(
                Notification.attempts,
                Notification.step_id,
                Notification.due_at,
                Notification.facilitator_id,
                Notification.rule,
                Notification.recipient,
                Notification.commune_person_id,
                Notification.item_id,
            )
            .execution_options(synchronize_session=False)
        ).one()
        values: tuple[Any, ...] = tuple(row)
        attempts, step_id, due_at, facilitator_id, rule, recipient, holder, item_id = values
        retry_at = now + backoff(attempts, policy) if attempts < policy.retry_limit else None
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id)
            .values(next_attempt_at=retry_at)
            .execution_options(synchronize_session=False)
        )
        if retry_at is None:
            exhausted.append(
                Exhausted(
                    notification_id,
                    step_id,
                    due_at,
                    facilitator_id,
                    rule,
                    recipient,
                    holder,
                    item_id,
                )
            )
    return exhausted


def cancel(session: Session, ids: Sequence[int], reason: str) -> None:
    """Give up on claimed notifications that cannot be sent at all (their contact is gone)."""
    for chunk in in_chunks(ids):
        session.execute(
            update(Notification)
            .where(Notification.id.in_(chunk))
            .values(status=NotificationStatus.CANCELLED.value, last_error=reason)
            .execution_options(synchronize_session=False)
        )
