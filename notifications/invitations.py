"""Invitations to debate sessions as notifications: who gets which, claimed once, rendered per person.

Two senders share one ledger key per (session step, rule, recipient channel, due date), so a person
hears of a session's revision once, whichever sender gets there first:

- the cycle flow, right after the sessions are scheduled, a session postponed or cancelled
  (`claim_invitations` for that cycle, then `deliveries.deliver_claimed`: tasks/invitations.py);
- the hourly reminder sweep, for every cycle (notifications/sweep.py `plan`), which also sends what
  the flow deferred (quiet hours) and retries what failed.

The rule names the revision (`invite-c<cycle>-s<n>-r<revision>`, `invite-c<cycle>-s<n>-cancel`), so a
postponed session is a new rule: one updated invitation per person, while the earlier revision's
unsent rows are cancelled (`cancel_superseded`) and never sent (`invitation_delivery` refuses a rule
that is not the session's current one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from models.cycle.cycle import Step
from models.db import session_scope
from models.policy import ReminderPolicy
from models.reminders.due import quiet_schemes_now
from models.reminders.ledger import Notification, NotificationStatus
from models.reminders.plans import select_plans_to_send
from models.reminders.rules import INVITATION_PREFIX, invitation_rule, invited_session
from models.reminders.selection import claimed_pairs, select_invitations
from models.settings import get_settings
from models.stages.sessions import DebateSession, SessionStatus
from notifications import ledger
from notifications.dispatch import Delivery
from notifications.documents.build import build_invitation
from notifications.documents.content import invitation_view
from notifications.plan_handout import EMAIL_SCHEMES, document_locale
from notifications.reach import Reach
from notifications.recipients import Directory, Person
from notifications.sms import INVITATION, SmsOptions, render_sms
from notifications.sweep import Plan, expand_invitations, expand_plans

SUPERSEDED = "superseded: the session was postponed or cancelled since"


@dataclass(frozen=True)
class InvitationClaims:
    """What claiming one cycle's invitations did: the ledger ids won (to send now), the earlier
    revisions' rows cancelled, and what waits for the sweep (quiet hours) or cannot go (no channel).
    """

    ids: list[int]
    superseded: int
    deferred_quiet: int
    without_channel: int


def current_rules(session: Session, cycle_id: int) -> dict[int, str]:
    """Session number -> the rule of its current invitation (or cancellation)."""
    rows = session.execute(
        select(DebateSession.number, DebateSession.revision, DebateSession.status).where(
            DebateSession.cycle_id == cycle_id
        )
    )
    return {
        number: str(invitation_rule(cycle_id, number, revision, status == SessionStatus.CANCELLED))
        for number, revision, status in rows
    }


def cancel_superseded(session: Session, cycle_id: int) -> int:
    """Cancel the cycle's invitations still to send (claimed, or failed and waiting for a retry)
    whose session has moved on to another revision or was cancelled since."""
    current = list(current_rules(session, cycle_id).values())
    result = session.execute(
        update(Notification)
        .where(
            Notification.step_id.in_(select(Step.id).where(Step.cycle_id == cycle_id)),
            Notification.rule.like(f"{INVITATION_PREFIX}%"),
            Notification.rule.not_in(current),
            or_(
                Notification.status == NotificationStatus.CLAIMED.value,
                and_(
                    Notification.status == NotificationStatus.FAILED.value,
                    Notification.next_attempt_at.is_not(None),  # one given up on stays failed
                ),
            ),
        )
        .values(
            status=NotificationStatus.CANCELLED.value, next_attempt_at=None, last_error=SUPERSEDED
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def plan_invitations(
    session: Session, cycle_id: int, *, now: datetime, policy: ReminderPolicy
) -> Plan:
    """The claims for cycle `cycle_id`'s sessions to come, and for its validated safety plan, that
    the ledger does not hold yet: its team, the region's coordinators and the commune's office
    holders (the plan: the office holders), each on every channel (SMS-type ones wait out quiet
    hours for the sweep). Read only."""
    directory = Directory.load(session)
    quiet = quiet_schemes_now(now, policy)
    due = select_invitations(session, now, cycle_id)
    plans = select_plans_to_send(session, None, cycle_id)
    already = claimed_pairs(session, [i.rule for i in due] + [p.rule for p in plans])
    result = Plan()
    reach = Reach(directory, quiet, fallback=policy.channel_fallback)
    expand_invitations(result, due, reach, already)
    expand_plans(result, plans, reach, already)
    return result


def claim_invitations(
    cycle_id: int, *, now: datetime, policy: ReminderPolicy, sweep_id: str
) -> InvitationClaims:
    """Cancel what a postponement or a cancellation superseded, then claim what is new. Each its
    own short transaction, writes first (SQLite takes the write lock at once)."""
    with session_scope() as session:
        superseded = cancel_superseded(session, cycle_id)
    with session_scope(readonly=True) as session:
        planned = plan_invitations(session, cycle_id, now=now, policy=policy)
    with session_scope() as session:
        won = ledger.insert_claims(session, planned.claims, now=now, sweep_id=sweep_id)
    return InvitationClaims(won, superseded, planned.deferred_quiet, planned.without_channel)


def invitation_delivery(
    session: Session,
    note: Notification,
    cycle_id: int,
    person: Person,
    url: str,
    now: datetime,
    short: SmsOptions | None = None,
) -> Delivery | None:
    """The session's invitation (or cancellation) in the person's language; e-mail carries the
    .ics (same UID for the session's whole life, SEQUENCE = its revision), other channels the text
    (an SMS-type one, `short`, the short variant). None when the rule is no longer the session's
    current one (a retry of an earlier revision)."""
    number = invited_session(note.rule)
    if number is None or current_rules(session, cycle_id).get(number) != note.rule:
        return None
    data_dir = get_settings().data_dir
    invitation = build_invitation(
        session, cycle_id, number, locale=document_locale(person.locale), data_dir=data_dir, now=now
    )
    if short is not None:
        view = invitation_view(session, cycle_id, number)
        locale = document_locale(person.locale)
        text = render_sms(INVITATION, locale, link=short.link, doc=view, contact=short.contact)
        return Delivery(note.id, note.channel, "", text, url=url)
    calendar = [str(data_dir / f.path) for f in invitation.files if f.format == "ics"]
    email = note.channel.lower() in EMAIL_SCHEMES
    return Delivery(
        note.id,
        note.channel,
        invitation.subject,
        invitation.text,
        url=url,
        attachments=tuple(calendar) if email else (),
    )
