"""Minutes (procès-verbal) of a debate session: attendance counts, grievances, agreements, commitments.

Attendance is counts by sex x age band x group, never names. A grievance can be marked sensitive:
it is kept for the coordinator and never goes into a notification, nor into Prefect: the Prefect
UI's form (`MinutesForm`) counts sensitive grievances without their text, and the minutes are
recorded with a row "to record" for each, filled later by `debates amend` or the field form
(models/stages/minutes_form.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.audit import record
from models.base import Base, IntPk, child_of
from models.cycle.cycle import Cycle
from models.fields import AgeBand, Group, Name, Sex, Short
from models.fields import Text as LongText
from models.idempotent import insert_or_existing


class Minutes(Base):
    __tablename__ = "minutes"
    __table_args__ = (
        UniqueConstraint("cycle_id", "session_number"),
        CheckConstraint("total_participants >= 0", name="total_participants"),
    )

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = child_of("cycles")
    session_number: Mapped[int]
    total_participants: Mapped[int]
    validated_by: Mapped[str] = mapped_column(String(120))
    validated_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime]

    attendance: Mapped[list[AttendanceCount]] = relationship(cascade="all, delete-orphan")
    grievances: Mapped[list[Grievance]] = relationship(
        cascade="all, delete-orphan", order_by="Grievance.id"
    )
    """In the order the minutes list them: a grievance's position is its number ('1.2')."""
    agreements: Mapped[list[Agreement]] = relationship(cascade="all, delete-orphan")
    commitments: Mapped[list[Commitment]] = relationship(
        cascade="all, delete-orphan", order_by="Commitment.id"
    )


class PartOfMinutes:
    """A row of one of the minutes' lists (attendance counts, grievances, agreements, commitments):
    its own id, and the minutes it belongs to (deleted with them). `sort_order`: these columns
    come first, as in the tables the migrations created."""

    id: Mapped[IntPk] = mapped_column(sort_order=-1)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("minutes.id", ondelete="CASCADE"), index=True, sort_order=-1
    )


class AttendanceCount(PartOfMinutes, Base):
    __tablename__ = "attendance_counts"
    __table_args__ = (
        UniqueConstraint("minutes_id", "sex", "age_band", "group"),
        CheckConstraint("count >= 0", name="count"),
    )

    sex: Mapped[str] = mapped_column(String(1))
    age_band: Mapped[str] = mapped_column(String(5))
    group: Mapped[str] = mapped_column(String(30))
    count: Mapped[int]


class Grievance(PartOfMinutes, Base):
    __tablename__ = "grievances"

    theme: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)


class Agreement(PartOfMinutes, Base):
    __tablename__ = "agreements"

    text: Mapped[str] = mapped_column(Text)


class Commitment(PartOfMinutes, Base):
    __tablename__ = "commitments"

    party: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sex: Sex
    age_band: AgeBand
    group: Group
    count: Annotated[int, Field(ge=0, le=10_000)]


class GrievanceText(BaseModel):
    """Grief non sensible / a grievance that is not sensitive."""

    # The Prefect UI's form takes grievances in this shape (minutes_form.py); the docstring is
    # the description the form shows.

    model_config = ConfigDict(extra="forbid")

    theme: Short = Field(description="Thème (foncier, accès à l'eau, …) / theme")
    summary: LongText = Field(description="Résumé / summary")


class GrievanceIn(GrievanceText):
    sensitive: bool = Field(
        default=False, description="Sensible: jamais dans un message / sensitive: never notified"
    )


class CommitmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party: Short = Field(description="Qui s'engage / the party that commits")
    action: LongText = Field(description="Quoi / what")
    deadline: date = Field(description="Pour quand / by when")


class MinutesFields(BaseModel):
    """The fields and rules the minutes' two shapes share (the CLI's file, the Prefect UI's form);
    each shape declares its own `grievances`, in this place."""

    model_config = ConfigDict(extra="forbid")

    total_participants: Annotated[int, Field(ge=1, le=10_000)] = Field(
        description="Nombre total de participants / total participants"
    )
    attendance: Annotated[list[AttendanceIn], Field(min_length=1)] = Field(
        description="Présence par sexe x âge x groupe, sans noms / counts, never names"
    )
    grievances: Sequence[GrievanceText]
    agreements: list[LongText] = Field(default_factory=list, description="Accords / agreements")
    commitments: list[CommitmentIn] = Field(
        default_factory=list, description="Engagements (qui, quoi, quand) / commitments"
    )
    validated_by: Name = Field(description="Validé par / validated by (name and role)")
    validated_on: date = Field(description="Date de validation / date validated")

    @model_validator(mode="after")
    def _counts_add_up(self) -> Self:
        seen: set[tuple[str, str, str]] = set()
        for row in self.attendance:
            key = (row.sex.value, row.age_band.value, row.group.value)
            if key in seen:
                raise ValueError(
                    f"attendance lists {'/'.join(key)} twice; give each combination once"
                )
            seen.add(key)
        counted = sum(row.count for row in self.attendance)
        if counted != self.total_participants:
            raise ValueError(
                f"attendance counts add up to {counted}, not total_participants "
                f"{self.total_participants}; correct one of them"
            )
        for number, commitment in enumerate(self.commitments, start=1):
            if commitment.deadline < self.validated_on:
                raise ValueError(
                    f"commitment {number} ({commitment.party}) is due {commitment.deadline}, "
                    f"before the minutes were validated on {self.validated_on}"
                )
        return self


class MinutesSubmission(MinutesFields):
    """Procès-verbal of one debate session / minutes of one session."""

    grievances: list[GrievanceIn] = Field(default_factory=list, description="Griefs / grievances")


def record_minutes(
    session: Session,
    cycle: Cycle,
    number: int,
    submission: MinutesSubmission,
    *,
    actor: str,
    now: datetime,
) -> bool:
    """Record a session's validated minutes once, with their counts, grievances and commitments."""

    def build() -> Minutes:
        return Minutes(
            total_participants=submission.total_participants,
            validated_by=submission.validated_by,
            validated_on=submission.validated_on,
            recorded_at=now,
            attendance=[
                AttendanceCount(
                    sex=a.sex.value, age_band=a.age_band.value, group=a.group.value, count=a.count
                )
                for a in submission.attendance
            ],
            grievances=[
                Grievance(theme=g.theme, summary=g.summary, sensitive=g.sensitive)
                for g in submission.grievances
            ],
            agreements=[Agreement(text=text) for text in submission.agreements],
            commitments=[
                Commitment(party=c.party, action=c.action, deadline=c.deadline)
                for c in submission.commitments
            ],
        )

    row, created = insert_or_existing(
        session, Minutes, {"cycle_id": cycle.id, "session_number": number}, build
    )
    if created:
        # Counts only: grievance text may be sensitive and stays out of the audit trail.
        record(
            session,
            "minutes.recorded",
            "minutes",
            row.id,
            cycle.id,
            now=now,
            actor=actor,
            after={
                "session": number,
                "participants": submission.total_participants,
                "grievances": len(submission.grievances),
                "commitments": len(submission.commitments),
            },
        )
    return created
