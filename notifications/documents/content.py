"""What a document says, gathered from the database into plain frozen records the templates read.

Templates never see ORM rows: a record holds only what may be printed. A sensitive grievance keeps
neither its theme nor its summary here, so no template can leak it by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.clock import in_bamako
from models.cycle.cycle import Cycle, Step, get_cycle
from models.cycle.steps import StepName
from models.errors import NotFound
from models.fields import AgeBand, Group, Sex
from models.geography.places import Commune
from models.stages.answers import GrievanceShown, answered, shown_grievances
from models.stages.minutes import Minutes
from models.stages.safety_plan import SafetyPlan
from models.stages.sessions import DebateSession, SessionStatus

SESSION_LENGTH = timedelta(hours=3)
"""How long a debate session is announced for in the calendar invitation."""


@dataclass(frozen=True)
class PlaceView:
    commune: str
    """The cycle's commune, or 'Cercle de Goundam (intercommunal)' (`Cycle.area_name`)."""
    cercle: str
    region: str
    pcode: str
    intercommunal: bool = False


@dataclass(frozen=True)
class InvitationView:
    place: PlaceView
    cycle_sequence: int
    session_number: int
    starts_at: datetime  # Africa/Bamako
    ends_at: datetime  # Africa/Bamako
    venue: str
    venue_commune: str
    """The commune the venue is in: the cycle's, or for an intercommunal cycle one of its cercle."""
    language: str  # ISO 639 code of the debate
    facilitators: tuple[str, ...]
    revision: int
    cancelled: bool
    change_reason: str | None
    uid: str

    @property
    def sequence(self) -> int:
        """iCal SEQUENCE: the revision, one more for the cancellation that ends the event."""
        return self.revision + 1 if self.cancelled else self.revision


@dataclass(frozen=True)
class AttendanceRow:
    group: str
    counts: tuple[int, ...]  # one per column of MinutesView.columns
    total: int


@dataclass(frozen=True)
class GrievanceView:
    number: int
    sensitive: bool
    theme: str | None  # None when sensitive
    summary: str | None  # None when sensitive


@dataclass(frozen=True)
class CommitmentView:
    party: str
    action: str
    deadline: date


@dataclass(frozen=True)
class MinutesView:
    place: PlaceView
    cycle_sequence: int
    session_number: int
    held_at: datetime | None  # Africa/Bamako
    venue: str | None
    language: str | None
    total_participants: int
    columns: tuple[tuple[str, str], ...]  # (sex, age band)
    attendance: tuple[AttendanceRow, ...]
    column_totals: tuple[int, ...]
    grievances: tuple[GrievanceView, ...]
    agreements: tuple[str, ...]
    commitments: tuple[CommitmentView, ...]
    validated_by: str
    validated_on: date


@dataclass(frozen=True)
class PlanActionView:
    priority: int
    risk: str
    action: str
    responsible_party: str
    deadline: date
    resources: str
    indicator: str
    answers: tuple[GrievanceShown, ...] = ()
    """The grievances it answers ('1.2'); a sensitive one has no theme here."""


@dataclass(frozen=True)
class SafetyPlanView:
    place: PlaceView
    cycle_sequence: int
    status: str
    validated_by: str
    validated_on: date
    handed_over_at: datetime | None  # Africa/Bamako
    received_by: str | None
    actions: tuple[PlanActionView, ...]
    annexed_minutes: tuple[MinutesView, ...]


ATTENDANCE_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (sex.value, band.value) for sex in Sex for band in AgeBand
)


def session_uid(cycle: Cycle, session_number: int) -> str:
    """The iCalendar UID of a debate session: stable across postponements (only SEQUENCE moves)."""
    return f"debate-{cycle.area_pcode}-{cycle.sequence}-{session_number}@debates.amm.ml"


def place_of(cycle: Cycle) -> PlaceView:
    cercle = cycle.cercle
    return PlaceView(
        commune=cycle.area_name,
        cercle=cercle.name,
        region=cercle.region.name,
        pcode=cycle.area_pcode,
        intercommunal=cycle.intercommunal,
    )


def _debate_session(session: Session, cycle_id: int, number: int) -> DebateSession | None:
    return session.scalar(
        select(DebateSession).where(
            DebateSession.cycle_id == cycle_id, DebateSession.number == number
        )
    )


def session_facilitators(session: Session, cycle_id: int, number: int) -> tuple[str, ...]:
    """Names of the facilitators assigned to the steps of session `number`, in step order."""
    steps = session.scalars(
        select(Step)
        .where(
            Step.cycle_id == cycle_id,
            Step.session_number == number,
            Step.facilitator_id.is_not(None),
        )
        .order_by(Step.position)
    )
    names = [step.facilitator.name for step in steps if step.facilitator is not None]
    return tuple(dict.fromkeys(names))


def invitation_view(session: Session, cycle_id: int, number: int) -> InvitationView:
    cycle = get_cycle(session, cycle_id)
    debate = _debate_session(session, cycle_id, number)
    if debate is None:
        raise NotFound(
            f"cycle {cycle.label} has no debate session {number} scheduled; "
            "record the schedule (step 'schedule') first"
        )
    starts_at = in_bamako(debate.starts_at)
    return InvitationView(
        place=place_of(cycle),
        cycle_sequence=cycle.sequence,
        session_number=number,
        starts_at=starts_at,
        ends_at=starts_at + SESSION_LENGTH,
        venue=debate.venue,
        venue_commune=_commune_name(session, debate.commune_pcode),
        language=debate.language,
        facilitators=session_facilitators(session, cycle_id, number),
        revision=debate.revision,
        cancelled=debate.status == SessionStatus.CANCELLED.value,
        change_reason=debate.status_reason
        if debate.revision or debate.status == SessionStatus.CANCELLED.value
        else None,
        uid=session_uid(cycle, number),
    )


def _commune_name(session: Session, pcode: str) -> str:
    commune = session.get(Commune, pcode)
    return commune.name if commune is not None else pcode


def _minutes_view(session: Session, cycle: Cycle, minutes: Minutes) -> MinutesView:
    debate = _debate_session(session, cycle.id, minutes.session_number)
    by_group: dict[str, dict[tuple[str, str], int]] = {}
    for row in minutes.attendance:
        by_group.setdefault(row.group, {})[(row.sex, row.age_band)] = row.count
    group_order = [g.value for g in Group]
    rows = tuple(
        AttendanceRow(
            group=group,
            counts=tuple(by_group[group].get(column, 0) for column in ATTENDANCE_COLUMNS),
            total=sum(by_group[group].values()),
        )
        for group in sorted(
            by_group, key=lambda g: group_order.index(g) if g in group_order else len(group_order)
        )
    )
    column_totals = tuple(
        sum(row.counts[i] for row in rows) for i in range(len(ATTENDANCE_COLUMNS))
    )
    grievances = tuple(
        GrievanceView(
            number=number,
            sensitive=g.sensitive,
            theme=None if g.sensitive else g.theme,
            summary=None if g.sensitive else g.summary,
        )
        for number, g in enumerate(sorted(minutes.grievances, key=lambda g: g.id), start=1)
    )
    return MinutesView(
        place=place_of(cycle),
        cycle_sequence=cycle.sequence,
        session_number=minutes.session_number,
        held_at=in_bamako(debate.starts_at) if debate else None,
        venue=debate.venue if debate else None,
        language=debate.language if debate else None,
        total_participants=minutes.total_participants,
        columns=ATTENDANCE_COLUMNS,
        attendance=rows,
        column_totals=column_totals,
        grievances=grievances,
        agreements=tuple(a.text for a in sorted(minutes.agreements, key=lambda a: a.id)),
        commitments=tuple(
            CommitmentView(party=c.party, action=c.action, deadline=c.deadline)
            for c in sorted(minutes.commitments, key=lambda c: (c.deadline, c.id))
        ),
        validated_by=minutes.validated_by,
        validated_on=minutes.validated_on,
    )


def minutes_view(session: Session, cycle_id: int, number: int) -> MinutesView:
    cycle = get_cycle(session, cycle_id)
    minutes = session.scalar(
        select(Minutes).where(Minutes.cycle_id == cycle_id, Minutes.session_number == number)
    )
    if minutes is None:
        raise NotFound(
            f"cycle {cycle.label} has no minutes for debate session {number}; "
            f"submit them at step '{StepName.minutes(number)}' first"
        )
    return _minutes_view(session, cycle, minutes)


def safety_plan_view(session: Session, cycle_id: int) -> SafetyPlanView:
    cycle = get_cycle(session, cycle_id)
    plan = session.scalar(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle_id))
    if plan is None:
        raise NotFound(
            f"cycle {cycle.label} has no safety plan yet; submit it at step 'plan' first"
        )
    all_minutes = session.scalars(
        select(Minutes).where(Minutes.cycle_id == cycle_id).order_by(Minutes.session_number)
    )
    shown = shown_grievances(session, [cycle_id])
    return SafetyPlanView(
        place=place_of(cycle),
        cycle_sequence=cycle.sequence,
        status=plan.status,
        validated_by=plan.validated_by,
        validated_on=plan.validated_on,
        handed_over_at=in_bamako(plan.handed_over_at) if plan.handed_over_at else None,
        received_by=plan.received_by,
        actions=tuple(
            PlanActionView(
                priority=a.priority,
                risk=a.risk,
                action=a.action,
                responsible_party=a.responsible_party,
                deadline=a.deadline,
                resources=a.resources,
                indicator=a.indicator,
                answers=answered(a.grievances, shown),
            )
            for a in plan.actions
        ),
        annexed_minutes=tuple(_minutes_view(session, cycle, m) for m in all_minutes),
    )
