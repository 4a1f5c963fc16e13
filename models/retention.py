"""Retention: what `debates purge` removes once it is no longer needed (policy `[retention]`).

- The contacts (sealed Apprise URLs: tokens, phone numbers) of people inactive for
  `inactive_contact_months`: a facilitator, coordinator or manager with no team assignment, no
  notification and no creation in that time; an office holder whose term (`until`) ended that long
  ago. The person stays (names are in the audit trail and the minutes' commitments).
- The theme and summary of sensitive grievances `sensitive_text_days` after the cycle's safety plan
  was handed over; the rows stay, so every count (grievances, sensitive ones) does.

One transaction, one audit event `retention.purged` with the counts; a dry run counts the same
and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from models.audit import record
from models.clock import BAMAKO
from models.matching.assignment import TeamAssignment
from models.people.facilitator import Contact, Facilitator
from models.people.roster import CommunePerson, CommunePersonContact
from models.policy import RetentionPolicy
from models.reminders.ledger import Notification
from models.stages.minutes import Grievance, Minutes
from models.stages.safety_plan import SafetyPlan

PURGED_THEME = "sensible"
PURGED_SUMMARY = "texte effacé après la remise du plan / text removed after the handover"


@dataclass(frozen=True)
class PurgeReport:
    contacts: int
    people: int
    grievances: int
    dry_run: bool


def _months_ago(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * 30.44))


def inactive_facilitators(session: Session, cutoff: datetime) -> list[int]:
    """Facilitators, coordinators and managers with a contact and no activity since `cutoff`."""
    last_team = (
        select(TeamAssignment.facilitator_id, func.max(TeamAssignment.assigned_at).label("at"))
        .group_by(TeamAssignment.facilitator_id)
        .subquery()
    )
    last_note = (
        select(Notification.facilitator_id, func.max(Notification.created_at).label("at"))
        .where(Notification.facilitator_id.is_not(None))
        .group_by(Notification.facilitator_id)
        .subquery()
    )
    with_contact = select(Contact.facilitator_id).distinct()
    query = (
        select(Facilitator.id)
        .outerjoin(last_team, last_team.c.facilitator_id == Facilitator.id)
        .outerjoin(last_note, last_note.c.facilitator_id == Facilitator.id)
        .where(
            Facilitator.id.in_(with_contact),
            Facilitator.created_at < cutoff,
            (last_team.c.at.is_(None)) | (last_team.c.at < cutoff),
            (last_note.c.at.is_(None)) | (last_note.c.at < cutoff),
        )
        .order_by(Facilitator.id)
    )
    return list(session.scalars(query))


def former_office_holders(session: Session, cutoff: datetime) -> list[int]:
    """Office holders with a contact whose term ended before `cutoff`."""
    day = cutoff.astimezone(BAMAKO).date()
    with_contact = select(CommunePersonContact.person_id).distinct()
    query = select(CommunePerson.id).where(
        CommunePerson.id.in_(with_contact),
        CommunePerson.until.is_not(None),
        CommunePerson.until < day,
    )
    return list(session.scalars(query.order_by(CommunePerson.id)))


def sensitive_to_clear(session: Session, cutoff: datetime) -> list[int]:
    """Sensitive grievances still holding text, of cycles whose plan was handed over before
    `cutoff`."""
    query = (
        select(Grievance.id)
        .join(Minutes, Minutes.id == Grievance.minutes_id)
        .join(SafetyPlan, SafetyPlan.cycle_id == Minutes.cycle_id)
        .where(
            Grievance.sensitive.is_(True),
            Grievance.summary != PURGED_SUMMARY,
            SafetyPlan.handed_over_at.is_not(None),
            SafetyPlan.handed_over_at < cutoff,
        )
    )
    return list(session.scalars(query.order_by(Grievance.id)))


def purge(
    session: Session, policy: RetentionPolicy, *, now: datetime, actor: str, dry_run: bool
) -> PurgeReport:
    """Apply the retention policy in the caller's transaction (nothing written on a dry run)."""
    people = inactive_facilitators(session, _months_ago(now, policy.inactive_contact_months))
    holders = former_office_holders(session, _months_ago(now, policy.inactive_contact_months))
    grievances = sensitive_to_clear(session, now - timedelta(days=policy.sensitive_text_days))
    contacts = int(
        session.scalar(
            select(func.count()).select_from(Contact).where(Contact.facilitator_id.in_(people))
        )
        or 0
    ) + int(
        session.scalar(
            select(func.count())
            .select_from(CommunePersonContact)
            .where(CommunePersonContact.person_id.in_(holders))
        )
        or 0
    )
    report = PurgeReport(contacts, len(people) + len(holders), len(grievances), dry_run)
    if dry_run or not (contacts or grievances):
        return report
    session.execute(delete(Contact).where(Contact.facilitator_id.in_(people)))
    session.execute(delete(CommunePersonContact).where(CommunePersonContact.person_id.in_(holders)))
    session.execute(
        update(Grievance)
        .where(Grievance.id.in_(grievances))
        .values(theme=PURGED_THEME, summary=PURGED_SUMMARY)
        .execution_options(synchronize_session=False)
    )
    record(
        session,
        "retention.purged",
        "retention",
        "policy",
        now=now,
        actor=actor,
        after={
            "contacts": contacts,
            "people": report.people,
            "sensitive_grievances": len(grievances),
            "inactive_contact_months": policy.inactive_contact_months,
            "sensitive_text_days": policy.sensitive_text_days,
        },
    )
    return report
