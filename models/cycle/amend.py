"""Correcting a recorded step: the recorded input read back, the new input diffed against it, the
record changed in place and the change audited (who, when, which fields, from what to what, why).

The new input goes through the step's own schema, as a submission does. A session moved to another
day or venue gets a new revision, as a postponement does, so its invitation goes out again with the
same UID and a higher SEQUENCE. Grievance text is sensitive: the audit trail keeps the names of the
grievance fields that changed, never their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import record
from models.cycle.amend_lists import correct_actions, correct_commitments, correct_grievances
from models.cycle.cycle import Cycle, Step, get_cycle, named_step
from models.cycle.recorded import minutes_of, plan_of, recorded_input, sessions_of
from models.cycle.steps import StepKind, StepName
from models.cycle.transitions import StepStatus
from models.errors import DomainError, InvalidInput
from models.followup.corrections import follow_corrections
from models.stages.baseline import BaselineStudy, BaselineSubmission
from models.stages.chronology import check_chronology
from models.stages.minutes import Agreement, AttendanceCount, MinutesSubmission
from models.stages.safety_plan import HandoverSubmission, SafetyPlanSubmission, plan_actions
from models.stages.sessions import DebateSession, ScheduleSubmission, SessionStatus, shift_session
from models.stages.venues import place_sessions, session_commune

MAX_REASON = 1000
WITHHELD = "(sensible)"
"""What the audit trail keeps instead of a grievance's text."""


class StepNotRecorded(DomainError):
    """An amendment for a step that has no recorded input yet."""


@dataclass(frozen=True)
class Amended:
    """What an amendment changed: `changes` maps a field path to (before, after); empty: nothing."""

    cycle_id: int
    step: str
    changes: dict[str, tuple[Any, Any]]
    moved_sessions: tuple[int, ...] = ()
    """Sessions whose date or venue changed: their invitation goes out again."""


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"sessions.0.venue": "Mairie", …}: one entry per leaf, lists by index."""
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = [(str(index), item) for index, item in enumerate(value)]
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, item in items:
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    if not items and prefix:
        flat[prefix] = [] if isinstance(value, list) else {}
    return flat


def diff_inputs(old: BaseModel, new: BaseModel) -> dict[str, tuple[Any, Any]]:
    """The fields whose value differs, old -> new (None for a field one side lacks)."""
    before, after = flatten(old.model_dump(mode="json")), flatten(new.model_dump(mode="json"))
    return {
        path: (before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    }


def redacted(changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """The changes as the audit trail keeps them: grievance values withheld, field names kept."""
    return {
        path: (WITHHELD, WITHHELD) if path.startswith("grievances") else change
        for path, change in changes.items()
    }


def _write(session: Session, cycle: Cycle, step: Step, new: BaseModel) -> tuple[int, ...]:
    """Put `new` in the step's record; the sessions moved in date or venue."""
    match new:
        case BaselineSubmission():
            study = session.scalar(select(BaselineStudy).where(BaselineStudy.cycle_id == cycle.id))
            assert study is not None
            for name, value in new.model_dump(mode="json").items():
                setattr(study, name, new.completed_on if name == "completed_on" else value)
        case ScheduleSubmission():
            return _reschedule(cycle, sessions_of(session, cycle.id), new)
        case MinutesSubmission():
            assert step.session_number is not None
            minutes = minutes_of(session, cycle.id, step.session_number)
            assert minutes is not None
            minutes.total_participants = new.total_participants
            minutes.validated_by = new.validated_by
            minutes.validated_on = new.validated_on
            # Grievances and commitments keep their rows: a plan action or an item points at them.
            correct_grievances(session, minutes, new)
            correct_commitments(session, cycle, minutes, new)
            # The old rows go first: the unit of work would insert the new ones before deleting
            # the old, and (minutes, sex, age band, group) is unique.
            minutes.attendance, minutes.agreements = [], []
            session.flush()
            minutes.attendance = [
                AttendanceCount(
                    sex=a.sex.value, age_band=a.age_band.value, group=a.group.value, count=a.count
                )
                for a in new.attendance
            ]
            minutes.agreements = [Agreement(text=text) for text in new.agreements]
        case SafetyPlanSubmission():
            plan = plan_of(session, cycle.id)
            assert plan is not None
            plan.validated_by = new.validated_by
            plan.validated_on = new.validated_on
            # In place: a tracked item points at its action.
            correct_actions(session, cycle, plan, plan_actions(session, cycle, new, step=step.name))
        case HandoverSubmission():
            plan = plan_of(session, cycle.id)
            assert plan is not None
            plan.handed_over_at = new.handed_over_at
            plan.received_by = new.received_by
    session.flush()
    return ()


def _reschedule(
    cycle: Cycle, rows: list[DebateSession], new: ScheduleSubmission
) -> tuple[int, ...]:
    if len(new.sessions) != len(rows):
        raise InvalidInput(
            f"cycle {cycle.label} has {len(rows)} debate session(s)",
            [("field sessions", f"give {len(rows)} session(s), not {len(new.sessions)}")],
        )
    moved = []
    for row, item in zip(rows, new.sessions, strict=True):
        commune = session_commune(cycle, item.commune)
        changed = (row.starts_at, row.venue, row.commune_pcode) != (
            item.starts_at,
            item.venue,
            commune,
        )
        if changed and row.status in (SessionStatus.HELD, SessionStatus.CANCELLED):
            raise InvalidInput(
                f"session {row.number} of cycle {cycle.label} is {row.status}",
                [(f"field sessions.{row.number - 1}", "a past session keeps its date and venue")],
            )
        if changed:
            row.revision += 1  # same UID, next SEQUENCE: the invitation goes out again
            moved.append(row.number)
            if item.starts_at > row.starts_at:
                shift_session(cycle, row.number, item.starts_at)
        row.starts_at, row.venue, row.language = item.starts_at, item.venue, item.language
        row.commune_pcode = commune
    return tuple(moved)


def recorded_step(session: Session, cycle: Cycle, step_name: str) -> tuple[Step, BaseModel]:
    """The step an amendment is for and its input as recorded; refused for an unknown step, a
    session's outcome (amend the schedule instead) and a step with nothing recorded yet."""
    step = named_step(cycle, step_name)
    if StepName.parse(step_name).kind is StepKind.SESSION:
        raise InvalidInput(
            f"step '{step_name}' records what happened to a session",
            [("STEP", "to move a session, amend 'schedule'; to postpone it, submit the outcome")],
        )
    old = recorded_input(session, cycle, step) if step.status != StepStatus.PENDING else None
    if old is None:
        raise StepNotRecorded(
            f"Cycle {cycle.label} has no recorded '{step_name}' yet; use 'debates submit' for it"
        )
    return step, old


def amend_step(
    session: Session,
    cycle_id: int,
    step_name: str,
    new: BaseModel,
    *,
    reason: str,
    actor: str,
    now: datetime,
) -> Amended:
    """Correct a recorded step's input (already parsed by the step's schema), with an audit entry.

    Input that changes nothing writes nothing and returns no changes.
    """
    if not reason.strip():
        raise InvalidInput("an amendment needs a reason", [("--reason", "say why")])
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            "the reason is too long", [("--reason", f"at most {MAX_REASON} characters")]
        )
    cycle = get_cycle(session, cycle_id)
    step, old = recorded_step(session, cycle, step_name)
    if isinstance(new, ScheduleSubmission):  # its communes as recorded: P-codes, checked
        new = place_sessions(session, cycle, new)
    changes = diff_inputs(old, new)
    if not changes:
        return Amended(cycle.id, step_name, {})
    check_chronology(session, cycle, step, new, now=now)
    moved = _write(session, cycle, step, new)
    if isinstance(new, MinutesSubmission | SafetyPlanSubmission):
        follow_corrections(session, cycle, now=now)
    kept = redacted(changes)
    record(
        session,
        "step.amended",
        "step",
        step.id,
        cycle.id,
        now=now,
        actor=actor,
        before={path: change[0] for path, change in kept.items()},
        after={path: change[1] for path, change in kept.items()},
        reason=reason.strip(),
    )
    return Amended(cycle.id, step_name, changes, moved)
