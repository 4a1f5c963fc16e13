"""The baseline study (étude de base): who must be at the table, in which language, on what grievances."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Date, ForeignKey, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.audit import record
from models.base import Base, IntPk
from models.cycle.cycle import Cycle
from models.fields import Group, LanguageCode, Short
from models.fields import Text as LongText
from models.idempotent import insert_or_existing


class BaselineStudy(Base):
    __tablename__ = "baseline_studies"

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), unique=True)
    completed_on: Mapped[date] = mapped_column(Date)
    risk_themes: Mapped[list[str]] = mapped_column(JSON)
    communities: Mapped[list[str]] = mapped_column(JSON)
    languages: Mapped[list[str]] = mapped_column(JSON)
    participant_groups: Mapped[list[str]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text)
    risk_of_violence: Mapped[int | None]
    trust_in_institutions: Mapped[int | None]
    """The two ratings (1-5) the monitoring visits give again: the change is measured against
    them. NULL for a study recorded before they were asked."""
    recorded_at: Mapped[datetime]


class BaselineSubmission(BaseModel):
    """Findings of the baseline study / Conclusions de l'étude de base."""

    model_config = ConfigDict(extra="forbid")

    completed_on: date = Field(description="Date de fin de l'étude / date the study was completed")
    risk_themes: Annotated[list[Short], Field(min_length=1)] = Field(
        description="Thèmes de risque (foncier, transhumance, …) / risk themes"
    )
    communities: Annotated[list[Short], Field(min_length=1)] = Field(
        description="Communautés et parties concernées / communities and parties involved"
    )
    languages: Annotated[list[LanguageCode], Field(min_length=1)] = Field(
        description="Langues nécessaires (bm, son, taq, ff, ar, fr) / languages needed"
    )
    participant_groups: Annotated[list[Group], Field(min_length=1)] = Field(
        description="Groupes à inviter / participant groups to invite"
    )
    summary: LongText = Field(description="Résumé des conclusions / summary of findings")
    risk_of_violence: Annotated[int, Field(ge=1, le=5)] | None = Field(
        default=None,
        description="Risque de violence, 1 (faible) à 5 (très élevé) / risk of violence 1-5",
    )
    trust_in_institutions: Annotated[int, Field(ge=1, le=5)] | None = Field(
        default=None,
        description="Confiance dans les institutions locales, 1 (nulle) à 5 (forte) / trust 1-5",
    )


def record_baseline(
    session: Session, cycle: Cycle, submission: BaselineSubmission, *, actor: str, now: datetime
) -> bool:
    """Record the study's findings once per cycle; False when they were recorded already."""
    study, created = insert_or_existing(
        session,
        BaselineStudy,
        {"cycle_id": cycle.id},
        lambda: BaselineStudy(
            completed_on=submission.completed_on,
            risk_themes=list(submission.risk_themes),
            communities=list(submission.communities),
            languages=list(submission.languages),
            participant_groups=[g.value for g in submission.participant_groups],
            summary=submission.summary,
            risk_of_violence=submission.risk_of_violence,
            trust_in_institutions=submission.trust_in_institutions,
            recorded_at=now,
        ),
    )
    if created:
        record(
            session,
            "baseline.recorded",
            "baseline_study",
            study.id,
            cycle.id,
            now=now,
            actor=actor,
            after={"completed_on": str(submission.completed_on), "languages": study.languages},
        )
    return created
