"""A monitoring visit (visite de suivi): the tracked items' progress, incidents, risk and trust.

A visit updates each item it saw (status, progress, a note; a new deadline or owner when they
changed), counts the incidents since the last visit by type (never names), and rates the risk of
violence and the trust in local institutions 1-5, the two ratings the baseline study also gives.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, CheckConstraint, Date, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IntPk, child_of
from models.fields import Short
from models.fields import Text as LongText
from models.followup.items import ItemStatus

Rating = Annotated[int, Field(ge=1, le=5)]


class IncidentType(enum.StrEnum):
    """Kinds of incidents counted between visits (counts only, never who)."""

    ARMED_ATTACK = "armed_attack"
    INTERCOMMUNAL_CLASH = "intercommunal_clash"
    LAND_DISPUTE = "land_dispute"
    LIVESTOCK_THEFT = "livestock_theft"
    KIDNAPPING = "kidnapping"
    GENDER_BASED_VIOLENCE = "gender_based_violence"
    EXPLOSIVE_DEVICE = "explosive_device"
    THREAT = "threat"
    OTHER = "other"


class MonitoringVisit(Base):
    __tablename__ = "monitoring_visits"
    __table_args__ = (
        UniqueConstraint("cycle_id", "number"),
        CheckConstraint("risk_of_violence BETWEEN 1 AND 5", name="risk_of_violence"),
        CheckConstraint("trust_in_institutions BETWEEN 1 AND 5", name="trust_in_institutions"),
    )

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = child_of("cycles")
    number: Mapped[int]
    visited_on: Mapped[date] = mapped_column(Date)
    incidents: Mapped[dict[str, int]] = mapped_column(JSON)
    risk_of_violence: Mapped[int]
    trust_in_institutions: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]


class ItemUpdateIn(BaseModel):
    """One tracked item as the visit found it."""

    model_config = ConfigDict(extra="forbid")

    item: Annotated[int, Field(ge=1)] = Field(
        description="Numéro de l'action (debates actions) / the item's number in the cycle"
    )
    status: ItemStatus = Field(
        description="prévue, en cours, faite, abandonnée / planned, in_progress, done, dropped"
    )
    progress: Annotated[int, Field(ge=0, le=100)] = Field(
        description="Avancement en % / progress 0-100"
    )
    note: LongText | None = Field(default=None, description="Ce qui a été constaté / note")
    reason: LongText | None = Field(
        default=None, description="Pourquoi abandonnée (obligatoire) / why dropped (required)"
    )
    deadline: date | None = Field(default=None, description="Nouvelle échéance / new deadline")
    owner: Short | None = Field(
        default=None,
        description="Responsable: nom ou fonction (maire …) dans la commune / owner: name or office",
    )

    @model_validator(mode="after")
    def _dropped_says_why(self) -> Self:
        if self.status == ItemStatus.DROPPED and self.reason is None:
            raise ValueError(
                f"item {self.item} is dropped without a reason; give 'reason: …' (why it was dropped)"
            )
        if self.status != ItemStatus.DROPPED and self.reason is not None:
            raise ValueError(f"item {self.item}: 'reason' is for a dropped item only; use 'note'")
        return self


class VisitSubmission(BaseModel):
    """A monitoring visit / Visite de suivi: items, incidents since the last visit, risk and trust."""

    model_config = ConfigDict(extra="forbid")

    visited_on: date = Field(description="Date de la visite / date of the visit")
    items: list[ItemUpdateIn] = Field(
        default_factory=list,
        description="Actions et engagements suivis / tracked items, as found at the visit",
    )
    incidents: dict[IncidentType, Annotated[int, Field(ge=0, le=10_000)]] = Field(
        default_factory=dict,
        description="Incidents depuis la dernière visite, par type, sans noms / counts by type",
    )
    risk_of_violence: Rating = Field(
        description="Risque de violence, 1 (faible) à 5 (très élevé) / risk of violence 1-5"
    )
    trust_in_institutions: Rating = Field(
        description="Confiance dans les institutions locales, 1 (nulle) à 5 (forte) / trust 1-5"
    )
    note: LongText | None = Field(default=None, description="Observations / notes")

    @model_validator(mode="after")
    def _each_item_once(self) -> Self:
        seen: set[int] = set()
        for update in self.items:
            if update.item in seen:
                raise ValueError(f"item {update.item} is listed twice; give each item once")
            seen.add(update.item)
        return self
