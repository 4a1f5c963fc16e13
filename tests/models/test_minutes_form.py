"""Minutes entered in the Prefect UI's form (models/stages/minutes_form.py), on SQLite and
PostgreSQL: the sensitive grievances it counted are recorded as rows to record, numbered after the
typed ones, told to the coordinator, and filled in in place by `debates amend`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.amend import amend_step
from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.stepflow import apply_submission
from models.geography.places import resolve_commune
from models.policy import CyclePolicy
from models.stages.minutes import Grievance, Minutes, MinutesSubmission
from models.stages.minutes_form import SENSITIVE_TO_RECORD, MinutesForm, fills_to_record, to_record
from models.views.cycle_state import cycle_state
from models.views.cycle_view import cycle_summary
from tests.flows import inputs

START = date(2026, 3, 2)
LATER = START + timedelta(days=120)
NOW = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)
WATER = {"theme": "eau", "summary": "Puits du quartier partagé", "sensitive": False}
SECRETS = [
    {"theme": "exactions de 2013", "summary": "Un nom cité", "sensitive": True},
    {"theme": "foncier", "summary": "Champs occupés", "sensitive": True},
]


def _waiting_on_minutes(session: Session) -> Cycle:
    cycle = launch_cycle(
        session,
        resolve_commune(session, "Tombouctou"),
        start_on=START,
        policy=CyclePolicy(),
        actor="coord",
        now=NOW,
    )
    for step in ("baseline", "schedule", "session-1"):
        apply_submission(
            session, cycle.id, step, inputs.for_step(step, START), actor="coord", now=NOW
        )
    return cycle


def _from_the_form(sensitive: int) -> MinutesSubmission:
    """What the flow records from the form (flows/inputs.submission_of)."""
    return MinutesForm.model_validate(inputs.minutes_form(LATER, sensitive)).as_submission()


def _grievances(session: Session, cycle: Cycle) -> list[tuple[int, str, str, bool]]:
    session.flush()  # expire_all would drop what is not flushed
    session.expire_all()
    rows = session.scalars(
        select(Grievance)
        .join(Minutes, Minutes.id == Grievance.minutes_id)
        .where(Minutes.cycle_id == cycle.id)
        .order_by(Grievance.id)
    )
    return [(g.id, g.theme, g.summary, g.sensitive) for g in rows]


def _full(grievances: list[dict[str, Any]]) -> MinutesSubmission:
    return MinutesSubmission.model_validate(inputs.minutes(LATER) | {"grievances": grievances})


def test_counted_sensitive_grievances_are_recorded_once_as_rows_to_record_and_told(
    session: Session,
) -> None:
    cycle = _waiting_on_minutes(session)
    done = apply_submission(
        session, cycle.id, "minutes-1", _from_the_form(2), actor="prefect-ui:x", now=NOW
    )
    assert done.created
    recorded = _grievances(session, cycle)
    assert [(t, s, sens) for _id, t, s, sens in recorded] == [
        ("eau", "Puits du quartier partagé", False),
        ("sensible / sensitive", SENSITIVE_TO_RECORD, True),
        ("sensible / sensitive", SENSITIVE_TO_RECORD, True),
    ]
    # The replay of the same input (a restarted run is handed it again) records nothing.
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    again = apply_submission(
        session, cycle.id, "minutes-1", _from_the_form(2), actor="prefect-ui:x", now=NOW
    )
    assert not again.created
    assert _grievances(session, cycle) == recorded
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events

    assert to_record(session, cycle.id) == ["1.2", "1.3"]
    assert cycle_summary(cycle, with_steps=True)["sensitive_to_record"] == ["1.2", "1.3"]
    assert cycle_summary(cycle)["stage"] == "facilitation"  # the listing's keys are unchanged
    assert "sensitive_to_record" not in cycle_summary(cycle)
    assert cycle_state(session, cycle.id, now=NOW).sensitive_to_record == ("1.2", "1.3")


def test_amend_fills_the_rows_to_record_in_place_and_keeps_the_text_out_of_the_audit(
    session: Session,
) -> None:
    cycle = _waiting_on_minutes(session)
    apply_submission(
        session, cycle.id, "minutes-1", _from_the_form(2), actor="prefect-ui:x", now=NOW
    )
    before = _grievances(session, cycle)
    amended = amend_step(
        session,
        cycle.id,
        "minutes-1",
        _full([WATER, *SECRETS]),
        reason="griefs sensibles saisis",
        actor="coord",
        now=NOW,
    )
    assert amended.changes
    after = _grievances(session, cycle)
    assert [row[0] for row in after] == [row[0] for row in before]  # the same rows: '1.2' stays
    assert [(t, s, sens) for _id, t, s, sens in after] == [
        ("eau", "Puits du quartier partagé", False),
        ("exactions de 2013", "Un nom cité", True),
        ("foncier", "Champs occupés", True),
    ]
    assert to_record(session, cycle.id) == []
    assert cycle_state(session, cycle.id, now=NOW).sensitive_to_record == ()
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "step.amended")).one()
    assert "Un nom cité" not in str(audit.after) and "Champs occupés" not in str(audit.before)


def test_only_a_submission_that_fills_rows_to_record_counts_as_filling_them() -> None:
    recorded = _from_the_form(2)
    assert fills_to_record(recorded, _full([WATER, *SECRETS]))
    one_of_two = _full([WATER, SECRETS[0], recorded.grievances[2].model_dump()])
    assert fills_to_record(recorded, one_of_two)
    assert not fills_to_record(recorded, recorded)  # nothing to fill
    not_sensitive = _full([WATER, SECRETS[0], SECRETS[1] | {"sensitive": False}])
    assert not fills_to_record(recorded, not_sensitive)
    typed_changed = _full([WATER | {"summary": "Autre"}, *SECRETS])
    assert not fills_to_record(recorded, typed_changed)
    reordered = _full([SECRETS[0], WATER, SECRETS[1]])
    assert not fills_to_record(recorded, reordered)
    other_day = MinutesSubmission.model_validate(
        inputs.minutes(LATER) | {"grievances": [WATER, *SECRETS], "validated_by": "Un autre"}
    )
    assert not fills_to_record(recorded, other_day)
    assert not fills_to_record(recorded, _full([WATER, *SECRETS, SECRETS[0]]))
