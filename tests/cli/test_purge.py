"""`debates purge [--dry-run]`: the contacts of people inactive for the policy's months and the text
of sensitive grievances the policy's days after the handover are removed, counts kept, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.clock import utcnow
from models.people.facilitator import Contact
from models.people.roster import CommunePersonContact
from models.stages.minutes import Grievance
from models.stages.safety_plan import SafetyPlan
from tests.models.test_follow_up import add_office_holder, through_handover
from tests.notifications.conftest import add_person

LONG_AGO = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)


def _count(session: Session, table: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_purge_removes_old_contacts_and_sensitive_text_keeps_counts_and_is_audited(
    debates, session: Session
) -> None:
    old = add_person(session, "Ancien Facilitateur", contacts=["json://127.0.0.1:9/old-TOKEN"])
    old.created_at = LONG_AGO
    recent = add_person(session, "Facilitatrice Active", contacts=["json://127.0.0.1:9/new"])
    recent.created_at = utcnow()
    former = add_office_holder(session, "Tombouctou", "mayor", "Ancien Maire")
    former.until = date(2021, 5, 1)
    former.contacts = [CommunePersonContact(url="mailto://ancien.maire@example.org")]
    session.flush()
    cycle = through_handover(session)  # a sensitive grievance in its minutes
    plan = session.scalars(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle.id)).one()
    plan.handed_over_at = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)  # long past 180 days
    session.flush()
    sensitive_before = [g for g in session.scalars(select(Grievance)) if g.sensitive]
    assert sensitive_before and all(g.summary == "Champs occupés" for g in sensitive_before)
    grievances = _count(session, Grievance)

    dry = debates("purge", "--dry-run")
    assert dry.code == 0, dry.err
    assert "Would remove 2 contact(s) of 2 person(s)" in dry.out
    assert f"the text of {len(sensitive_before)} sensitive grievance(s)" in dry.out
    assert _count(session, Contact) == 2 and _count(session, CommunePersonContact) == 1

    done = debates("purge")
    assert done.code == 0, done.err
    session.expire_all()
    assert [c.facilitator_id for c in session.scalars(select(Contact))] == [recent.id]
    assert _count(session, CommunePersonContact) == 0
    assert _count(session, Grievance) == grievances  # the counts stay
    cleared = [g for g in session.scalars(select(Grievance)) if g.sensitive]
    assert all("Champs occupés" not in g.summary for g in cleared)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.purged")).one()
    assert event.after is not None and event.after["contacts"] == 2
    assert event.after["sensitive_grievances"] == len(sensitive_before)
    assert event.actor == "test-coordinator"
    assert cycle.id  # the cycle itself is untouched

    again = debates("purge")
    assert "Removed 0 contact(s) of 0 person(s)" in again.out  # nothing left to remove
