"""Debate sessions: when, where and in which language each facilitated meeting of a cycle is held."""

from __future__ import annotations

import enum
from datetime import datetime, time, timedelta
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.audit import record
from models.base import Base, IntPk, child_of, one_of
from models.clock import BAMAKO
from models.cycle.cycle import Cycle
from models.cycle.status import close_cycle, set_step_status
from models.cycle.steps import Stage, StepKind, StepName
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.errors import InvalidInput
from models.fields import LanguageCode, Moment, Short
from models.idempotent import insert_or_existing


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class DebateSession(Base):
    __tablename__ = "debate_sessions"
    __table_args__ = (
        UniqueConstraint("cycle_id", "number"),
        one_of("status", SessionStatus),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = child_of("cycles")
    number: Mapped[int]
    starts_at: Mapped[datetime]
    venue: Mapped[str] = mapped_column(String(200))
    commune_pcode: Mapped[str] = mapped_column(
        ForeignKey("communes.pcode"), doc="the commune the venue is in (models/stages/venues.py)"
    )
    language: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.SCHEDULED.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(
        default=0, doc="bumped at each postponement (iCal SEQUENCE)"
    )


class SessionPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: Moment = Field(
        description="Date et heure, avec fuseau / date and time with timezone"
    )
    venue: Short = Field(description="Lieu / venue")
    commune: Short | None = Field(
        default=None,
        description="Commune du lieu, pour un cycle intercommunal (nom ou P-code) / "
        "the venue's commune, for an intercommunal cycle",
    )
    language: LanguageCode = Field(
        description="Langue du débat (bm, son, taq, ff, ar, fr) / language"
    )


class ScheduleSubmission(BaseModel):
    """The debate sessions of a cycle / Programme des débats."""

    model_config = ConfigDict(extra="forbid")

    sessions: Annotated[list[SessionPlan], Field(min_length=1, max_length=12)] = Field(
        description="Un débat par ligne, dans l'ordre / one session each, in order"
    )

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        for number, (earlier, later) in enumerate(
            zip(self.sessions, self.sessions[1:], strict=False), start=2
        ):
            if later.starts_at <= earlier.starts_at:
                raise ValueError(
                    f"session {number} starts before or with session {number - 1}; list them in order"
                )
        return self


class SessionOutcome(BaseModel):
    """What happened to a scheduled session / Suite donnée au débat."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["held", "postponed", "cancelled"] = Field(
        description="held (tenu), postponed (reporté) or cancelled (annulé)"
    )
    reason: Short | None = Field(
        default=None, description="Motif, obligatoire si reporté ou annulé / reason if not held"
    )
    new_starts_at: Moment | None = Field(
        default=None, description="Nouvelle date si reporté / new date and time if postponed"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.outcome != "held" and not self.reason:
            raise ValueError(f"a {self.outcome} session needs a reason")
        if self.outcome == "postponed" and self.new_starts_at is None:
            raise ValueError("a postponed session needs new_starts_at, the new date and time")
        if self.outcome != "postponed" and self.new_starts_at is not None:
            raise ValueError("new_starts_at is only for a postponed session")
        return self


def schedule_sessions(
    session: Session, cycle: Cycle, submission: ScheduleSubmission, *, actor: str, now: datetime
) -> bool:
    """Record the planned sessions once; a session later than planned moves what depends on it."""
    from models.stages.venues import place_sessions, session_commune

    submission = place_sessions(session, cycle, submission)
    planned = [s for s in cycle.steps if s.step_name.kind is StepKind.SESSION]
    if len(submission.sessions) != len(planned):
        raise InvalidInput(
            f"cycle {cycle.label} plans {len(planned)} debate session(s)",
            [("field sessions", f"give {len(planned)} session(s), not {len(submission.sessions)}")],
        )
    start = datetime.combine(cycle.start_on, time(0, 0), tzinfo=BAMAKO)
    for number, item in enumerate(submission.sessions, start=1):
        if item.starts_at < start:
            raise InvalidInput(
                f"cycle {cycle.label} started on {cycle.start_on}",
                [(f"field sessions.{number - 1}.starts_at", "is before the cycle started")],
            )
    created_any = False
    for number, item in enumerate(submission.sessions, start=1):
        row, created = insert_or_existing(
            session,
            DebateSession,
            {"cycle_id": cycle.id, "number": number},
            lambda item=item: DebateSession(  # type: ignore[misc]
                starts_at=item.starts_at,
                venue=item.venue,
                commune_pcode=session_commune(cycle, item.commune),
                language=item.language,
                status=SessionStatus.SCHEDULED.value,
                revision=0,
            ),
        )
        if not created:
            continue
        created_any = True
        shift_session(cycle, number, item.starts_at)
        record(
            session,
            "session.scheduled",
            "debate_session",
            row.id,
            cycle.id,
            now=now,
            actor=actor,
            after={"number": number, "starts_at": item.starts_at.isoformat(), "venue": item.venue},
        )
    return created_any


def shift_session(cycle: Cycle, number: int, new_start: datetime) -> None:
    """Move session `number`'s step to `new_start`'s day and every later open step by the same delay.

    The one postponement rule, used when sessions are scheduled and when one is postponed. Only
    ever later: a session held earlier than planned keeps the planned due dates. The baseline and
    scheduling steps never move, and neither does a finished step. Due times keep their time of day.
    """
    step = cycle.step(StepName.session(number))
    due_local = step.due_at.astimezone(BAMAKO)
    new_due = datetime.combine(new_start.astimezone(BAMAKO).date(), due_local.timetz())
    delay = new_due - due_local
    if delay <= timedelta(0):
        return
    threshold = step.due_at
    for other in cycle.steps:
        later = other.due_at >= threshold and other.stage not in (Stage.BASELINE, Stage.SCHEDULING)
        if later and other.status in OPEN_STEP:
            other.due_at = other.due_at + delay


def record_session_outcome(
    session: Session,
    cycle: Cycle,
    number: int,
    outcome: SessionOutcome,
    *,
    revision: int | None,
    actor: str,
    now: datetime,
) -> bool:
    """Held, postponed (new date, later steps move) or cancelled (its minutes are skipped).

    `revision` is the session's revision the input was given for: a replay of an older input finds
    a newer revision and changes nothing.
    """
    row = session.scalar(
        select(DebateSession).where(
            DebateSession.cycle_id == cycle.id, DebateSession.number == number
        )
    )
    if row is None:
        raise InvalidInput(f"session {number} of cycle {cycle.label} was never scheduled")
    if revision is not None and row.revision != revision:
        return False
    if row.status in (SessionStatus.HELD, SessionStatus.CANCELLED):
        return False
    before = {"status": row.status, "starts_at": row.starts_at.isoformat()}
    if outcome.outcome == "held":
        row.status = SessionStatus.HELD.value
    elif outcome.outcome == "postponed":
        assert outcome.new_starts_at is not None
        if outcome.new_starts_at <= row.starts_at:
            raise InvalidInput(
                f"session {number} is set for {row.starts_at.isoformat()}",
                [("field new_starts_at", "a postponed session needs a later date")],
            )
        row.status = SessionStatus.POSTPONED.value
        row.starts_at = outcome.new_starts_at
        row.revision += 1
        shift_session(cycle, number, outcome.new_starts_at)
    else:
        row.status = SessionStatus.CANCELLED.value
        for name in (StepName.session(number), StepName.minutes(number)):
            step = cycle.step(name)
            if step.status in OPEN_STEP:
                set_step_status(
                    session, step, StepStatus.SKIPPED, actor=actor, now=now, reason=outcome.reason
                )
    row.status_reason = outcome.reason
    record(
        session,
        f"session.{outcome.outcome}",
        "debate_session",
        row.id,
        cycle.id,
        now=now,
        actor=actor,
        before=before,
        after={"status": row.status, "starts_at": row.starts_at.isoformat()},
        reason=outcome.reason,
    )
    if outcome.outcome == "cancelled":
        live = [
            s for s in cycle.steps if s.step_name.kind is StepKind.SESSION and s.status != "skipped"
        ]
        if not live:
            close_cycle(
                session,
                cycle,
                CycleStatus.CANCELLED,
                actor=actor,
                now=now,
                reason=f"every debate session was cancelled ({outcome.reason})",
            )
    return True
