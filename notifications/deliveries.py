"""Claimed notifications -> rendered messages -> Apprise -> outcomes in the ledger.

Outcomes are written in small batches while the rest are still being sent (see dispatch.deliver):
a sweep killed mid-dispatch can only repeat what was in flight or not yet recorded.
A notification that fails `retry_limit` times is reported to the region's coordinators
("could not reach X") in the same transaction that gives up on it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from models.audit import AuditEvent
from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step, with_place_names
from models.cycle.plan import plan_cycle
from models.db import session_scope
from models.followup.items import TrackedItem
from models.geography.places import Cercle, Commune, Region
from models.people.facilitator import Contact
from models.people.roster import CommunePersonContact
from models.policy import CyclePolicy, ReminderPolicy, current_policy
from models.query import in_chunks
from models.reminders.ledger import Notification
from models.reminders.rules import (
    Unreachable,
    invited_session,
    message_for,
    sent_plan,
    team_event_id,
    unreachable_about,
)
from models.settings import flow_run_url, get_settings
from notifications import ledger
from notifications.dispatch import Delivery, Outcome, deliver
from notifications.invitations import invitation_delivery
from notifications.items import item_delivery
from notifications.ledger import Claim, Exhausted
from notifications.phrases import worded
from notifications.plan_handout import plan_delivery
from notifications.recipients import Directory, channels_to_try, next_channel
from notifications.render import MessageContext, Moved, render
from notifications.sms import SmsOptions, is_sms, render_sms, who_to_call

log = logging.getLogger("debates.notifications")

RECORD_EVERY = 8

_T = TypeVar("_T")

RECORD_PATIENCE = 30.0
"""Seconds the outcomes of messages already sent wait for the database to answer again (a
PostgreSQL restart takes a few): unrecorded, they would stay claimed and go out twice."""


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    unreachable_reported: int = 0
    fell_back: int = 0  # messages moved on to the person's next channel
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.gave_up += other.gave_up
        self.unreachable_reported += other.unreachable_reported
        self.fell_back += other.fell_back
        self.cancelled += other.cancelled
        self.errors.extend(other.errors)


def load_deliveries(
    session: Session,
    ids: list[int],
    *,
    now: datetime,
    ui_url: str,
    policy: ReminderPolicy | None = None,
) -> tuple[list[Delivery], list[int]]:
    """Render each claimed notification (the short variant on an SMS-type channel); also return
    the ids that can no longer be sent."""
    directory = Directory.load(session)
    policy = policy or current_policy().reminders
    sms_base = get_settings().ui_url  # an SMS links only to an address set for phones
    deliveries: list[Delivery] = []
    orphans: list[int] = []
    for chunk in in_chunks(ids):
        query = with_place_names(
            select(
                Notification,
                Cycle.id,
                Step.name,
                Step.title,
                Step.session_number,
                Step.facilitator_id,
                Cycle.flow_run_id,
                Cycle.start_on,
                Commune.name,
                Cercle.name,
                Region.name,
                Cycle.region_pcode,
                func.coalesce(Contact.url, CommunePersonContact.url),
            )
            .join(Step, Step.id == Notification.step_id)
            .join(Cycle, Cycle.id == Step.cycle_id)
        )
        rows = session.execute(
            query.outerjoin(Contact, Contact.id == Notification.contact_id)
            .outerjoin(
                CommunePersonContact, CommunePersonContact.id == Notification.commune_contact_id
            )
            .where(Notification.id.in_(chunk))
            .order_by(Notification.id)
        ).all()
        about_ids = [i for n, *_ in rows if (i := unreachable_about(n.rule)) is not None]
        about = {
            n.id: n
            for n in session.scalars(select(Notification).where(Notification.id.in_(about_ids)))
        }
        items = {
            i.id: i
            for i in session.scalars(
                select(TrackedItem)
                .options(selectinload(TrackedItem.owner))
                .where(TrackedItem.id.in_([n.item_id for n, *_ in rows if n.item_id]))
            )
        }
        team_ids = [i for n, *_ in rows if (i := team_event_id(n.rule)) is not None]
        changes = {
            e.id: e for e in session.scalars(select(AuditEvent).where(AuditEvent.id.in_(team_ids)))
        }
        for row in rows:
            values: tuple[Any, ...] = tuple(row)
            (
                note,
                cycle_id,
                name,
                title,
                number,
                owner_id,
                run_id,
                start_on,
                commune,
                cercle,
                region,
                region_pcode,
                url,
            ) = values
            person = directory.recipient(note.facilitator_id, note.commune_person_id)
            if url is None or person is None:
                orphans.append(note.id)
                continue
            sms = is_sms(note.channel, policy)
            short = (
                SmsOptions(
                    link=flow_run_url(sms_base, run_id, or_runs_page=True),
                    contact=who_to_call(directory, person, region_pcode),
                )
                if sms
                else None
            )
            if sent_plan(note.rule) is not None:
                deliveries.append(plan_delivery(session, note, cycle_id, person, url, now, short))
                continue
            if invited_session(note.rule) is not None:
                invitation = invitation_delivery(session, note, cycle_id, person, url, now, short)
                if invitation is None:
                    orphans.append(note.id)  # an earlier revision's retry: superseded
                else:
                    deliveries.append(invitation)
                continue
            owner = directory.people.get(owner_id or -1)
            unreachable = about.get(unreachable_about(note.rule) or -1)
            unreachable_person = (
                directory.recipient(unreachable.facilitator_id, unreachable.commune_person_id)
                if unreachable
                else None
            )
            change = changes.get(team_event_id(note.rule) or -1)
            context = MessageContext(
                recipient=person.name,
                step_name=name,
                step_title=title,
                session_number=number,
                area=commune or cercle,
                commune=commune,
                cercle=cercle,
                region=region,
                due_at=note.due_at,
                days_left=_days_left(note.due_at, now),
                days_overdue=_days_overdue(note.due_at, now),
                slip_days=_slip_days(start_on, name, note.due_at, now),
                owner=owner.name if owner else None,
                link=flow_run_url(ui_url, run_id, or_runs_page=True),
                ref=note.id,
                unreachable=unreachable_person.name if unreachable_person else "",
                unreachable_channel=unreachable.channel if unreachable else "",
                attempts=unreachable.attempts if unreachable else 0,
                team_role=str((change.after or {}).get("role") or "") if change else "",
                reason=_reason(change, person.locale),
                moved=_moved(change),
                contact=short.contact if short else "",
            )
            item = items.get(note.item_id or -1)
            if item is not None:
                deliveries.append(item_delivery(note, item, person, url, context, short))
                continue
            if short is not None:
                text = render_sms(
                    message_for(note.rule).value, person.locale, link=short.link, c=context
                )
                deliveries.append(Delivery(note.id, note.channel, "", text, url=url))
                continue
            rendered = render(message_for(note.rule), person.locale, context)
            deliveries.append(
                Delivery(note.id, note.channel, rendered.title, rendered.body, url=url)
            )
    return deliveries, orphans


def _days_left(due_at: datetime, now: datetime) -> int:
    return (due_at.astimezone(BAMAKO).date() - now.astimezone(BAMAKO).date()).days


def _days_overdue(due_at: datetime, now: datetime) -> int:
    late = now - due_at
    return max(1, math.ceil(late / timedelta(days=1))) if late > timedelta(0) else 0


def _slip_days(start_on: date, step_name: str, due_at: datetime, now: datetime) -> int:
    """How far the cycle has slipped: days the step is behind the date its launch planned for it
    (a re-plan after a step done late moved its due date; the slip counts from the first one)."""
    planned = _launch_plan(start_on, current_policy().cycle).get(step_name, due_at)
    return max(_days_overdue(planned, now), _days_overdue(due_at, now))


@lru_cache(maxsize=512)
def _launch_plan(start_on: date, policy: CyclePolicy) -> dict[str, datetime]:
    return {step.name: step.due_at for step in plan_cycle(start_on, policy)}


def _reason(change: AuditEvent | None, locale: str) -> str:
    """Why a team changed, in the recipient's language, the baseline's communities and parties
    counted, not named (an event from before phrases, with only the matcher's English text, says
    no reason); an extension says the reason the coordinator gave."""
    if change is None:
        return ""
    after = change.after or {}
    if "to" in after:  # an extension: the coordinator's own words (`debates extend --reason`)
        return change.reason or ""
    return worded(after.get("reason"), locale, discreet=True) or ""


def _moved(change: AuditEvent | None) -> Moved | None:
    """The step an extension moved ('team.notify.extended'), from the event's record."""
    after = change.after or {} if change is not None else {}
    if "to" not in after:
        return None
    return Moved(
        step_name=str(after["step"]),
        step_title=str(after["title"]),
        session_number=after.get("session_number"),
        from_at=datetime.fromisoformat(after["from"]),
        to_at=datetime.fromisoformat(after["to"]),
        days=int(after["days"]),
    )


def fallback_claims(
    exhausted: list[Exhausted], directory: Directory
) -> tuple[list[Claim], list[Exhausted]]:
    """For each message given up on: the same message to the person's next listed channel (the
    same ledger key but the recipient, so it goes once), or, after the last channel, the message
    left for 'could not reach X'."""
    claims: list[Claim] = []
    unreached: list[Exhausted] = []
    for gone in exhausted:
        person = directory.recipient(gone.facilitator_id, gone.commune_person_id)
        following = next_channel(person, gone.recipient) if person else None
        if person is None or following is None:
            unreached.append(gone)
            continue
        claims.append(
            Claim.to(
                person,
                following,
                step_id=gone.step_id,
                rule=gone.rule,
                due_at=gone.due_at,
                item_id=gone.item_id,
            )
        )
    return claims, unreached


def unreachable_claims(
    session: Session, exhausted: list[Exhausted], directory: Directory, *, fallback: bool = True
) -> list[Claim]:
    """'Could not reach X' for each notification given up on (not for such notices themselves),
    to the region's coordinators, on their first channel (every one without `fallback`)."""
    claims: list[Claim] = []
    regions = dict(
        session.execute(
            select(Step.id, Cycle.region_pcode)
            .join(Cycle, Cycle.id == Step.cycle_id)
            .where(Step.id.in_([e.step_id for e in exhausted]))
        ).all()
    )
    for gone in exhausted:
        if unreachable_about(gone.rule) is not None:
            continue
        for person in directory.told_about(gone.facilitator_id, regions[gone.step_id]):
            for channel in channels_to_try(person, fallback):
                claims.append(
                    Claim.to(
                        person,
                        channel,
                        step_id=gone.step_id,
                        rule=str(Unreachable(gone.notification_id)),
                        due_at=gone.due_at,
                    )
                )
    return claims


def deliver_claimed(
    ids: list[int],
    *,
    now: datetime,
    policy: ReminderPolicy,
    ui_url: str,
    sweep_id: str,
) -> DeliveryReport:
    """Send the claimed notifications; record every outcome; report the unreachable."""
    report = DeliveryReport()
    round_ids = ids
    while round_ids:
        follow_up: list[int] = []
        report.add(_deliver_round(round_ids, now, policy, ui_url, sweep_id, follow_up))
        round_ids = follow_up
    log.info(
        "sent %d, failed %d (gave up on %d: %d to a next channel; %d unreachable notices), "
        "cancelled %d",
        report.sent,
        report.failed,
        report.gave_up,
        report.fell_back,
        report.unreachable_reported,
        report.cancelled,
    )
    return report


def _patiently(write: Callable[[], _T]) -> _T:
    """Run one transaction, again while the database does not answer (one transaction each time:
    a write that failed changed nothing), for RECORD_PATIENCE seconds at most.

    Sending stops meanwhile: the dispatcher waits on the outcomes it hands over."""
    deadline = time.monotonic() + RECORD_PATIENCE
    delay = 0.5
    while True:
        try:
            return write()
        except OperationalError as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning(
                "the database did not answer while recording outcomes (%s); again in %.1f s",
                str(exc.orig or exc).splitlines()[0],
                delay,
            )
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _deliver_round(
    ids: list[int],
    now: datetime,
    policy: ReminderPolicy,
    ui_url: str,
    sweep_id: str,
    follow_up: list[int],
) -> DeliveryReport:
    report = DeliveryReport()
    with session_scope() as session:
        deliveries, orphans = load_deliveries(session, ids, now=now, ui_url=ui_url, policy=policy)
        directory = Directory.load(session)
    if orphans:
        with session_scope() as session:
            ledger.cancel(
                session,
                orphans,
                "the recipient or their contact was removed, or the invitation superseded",
            )
        report.cancelled += len(orphans)

    def write(
        sent: list[int], failed: list[tuple[int, str]]
    ) -> tuple[list[Exhausted], list[int], list[int]]:
        with session_scope() as session:
            ledger.record_sent(session, sent, now=now)
            exhausted = ledger.record_failed(session, failed, now=now, policy=policy)
            unreached = exhausted
            onward: list[Claim] = []
            if exhausted and policy.channel_fallback:
                onward, unreached = fallback_claims(exhausted, directory)
            notices = (
                unreachable_claims(session, unreached, directory, fallback=policy.channel_fallback)
                if unreached
                else []
            )
            moved = ledger.insert_claims(session, onward, now=now, sweep_id=sweep_id)
            told = ledger.insert_claims(session, notices, now=now, sweep_id=sweep_id)
            return exhausted, moved, told

    def record(outcomes: list[Outcome]) -> None:
        sent = [o.notification_id for o in outcomes if o.ok]
        failed = [(o.notification_id, o.error or "failed") for o in outcomes if not o.ok]
        exhausted, moved, won = _patiently(lambda: write(sent, failed))
        follow_up.extend(moved + won)
        report.fell_back += len(moved)
        report.sent += len(sent)
        report.failed += len(failed)
        report.gave_up += len(exhausted)
        report.unreachable_reported += len(won)
        for notification_id, error in failed:
            log.warning("notification %d not delivered: %s", notification_id, error)
            report.errors.append(f"{notification_id}: {error}")

    deliver(deliveries, concurrency=policy.concurrency, record=record, record_every=RECORD_EVERY)
    return report
