"""Tracked items' reminders: who is told (the item's owner, one of the commune's office holders;
the region's coordinators for an escalation) and what the message says.

The rules due come from models.reminders.items; the claims go through the same ledger as a step's
(exactly once per rule, recipient channel and deadline), filed under the cycle's handover step
with the item's id.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from models.followup.items import TrackedItem
from models.policy import Policy
from models.reminders.due import Audience, quiet_schemes_now
from models.reminders.items import item_ledger_keys, item_rules, open_items, reminders_so_far
from models.reminders.ledger import Notification
from models.reminders.rules import message_for
from notifications.dispatch import Delivery
from notifications.ledger import Claim
from notifications.recipients import Directory, Person, channels_to_try
from notifications.render import MessageContext, render
from notifications.sms import SmsOptions, render_sms


def item_claims(
    session: Session, policy: Policy, now: datetime, directory: Directory
) -> tuple[list[Claim], int, int]:
    """The items' claims due now and not yet in the ledger; with how many wait for quiet hours
    to end, and how many recipients have no channel (or an item no owner yet)."""
    quiet = quiet_schemes_now(now, policy.reminders)
    items = open_items(session)
    keys = item_ledger_keys(session, items, policy)
    claims: list[Claim] = []
    deferred = without = 0
    for item in items:
        already = keys.get(item.item_id, set())
        for due in item_rules(item, policy, now, reminders_so_far=reminders_so_far(already)):
            people: list[Person]
            if due.audience == Audience.COORDINATOR:
                people = directory.coordinators.get(item.region_pcode, [])
            else:
                owner = directory.office_holders.get(item.owner_id or -1)
                people = [owner] if owner else []
            without += 0 if people else 1
            for person in people:
                without += 0 if person.channels else 1
                for channel in channels_to_try(person, policy.reminders.channel_fallback):
                    if (due.rule, channel.recipient) in already:
                        continue
                    if channel.scheme.lower() in quiet:
                        deferred += 1
                        continue
                    claims.append(
                        Claim.to(
                            person,
                            channel,
                            step_id=item.step_id,
                            rule=due.rule,
                            due_at=due.due_at,
                            item_id=item.item_id,
                        )
                    )
    return claims, deferred, without


def item_delivery(
    note: Notification,
    item: TrackedItem,
    person: Person,
    url: str,
    context: MessageContext,
    short: SmsOptions | None = None,
) -> Delivery:
    """The message of an item rule: `context` (the place, dates, link) with the item's own; the
    short variant when `short` is given (an SMS-type channel)."""
    filled = replace(
        context,
        recipient=person.name,
        owner=item.owner.name if item.owner else None,
        item=item.title,
        item_number=item.number,
        item_commitment=item.source == "commitment",
        progress=item.progress,
        cycle_id=item.cycle_id,
    )
    if short is not None:
        text = render_sms(message_for(note.rule).value, person.locale, link=short.link, c=filled)
        return Delivery(note.id, note.channel, "", text, url=url)
    rendered = render(message_for(note.rule), person.locale, filled)
    return Delivery(note.id, note.channel, rendered.title, rendered.body, url=url)
