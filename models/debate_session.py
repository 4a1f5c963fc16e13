"""Debate sessions: when, where and in which language each facilitated meeting of a cycle is held."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.fields import LanguageCode, Moment, Short


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class DebateSession(Base):
    __tablename__ = "debate_sessions"
    __table_args__ = (
        UniqueConstraint("cycle_id", "number"),
        CheckConstraint("status IN ('scheduled', 'held', 'postponed', 'cancelled')", name="status"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    starts_at: Mapped[datetime]
    venue: Mapped[str] = mapped_column(String(200))
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
