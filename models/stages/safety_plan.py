"""The local safety plan (plan local de sécurité): prioritised risks, each with an action and an owner."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.audit import record
from models.base import Base, IntPk, child_of
from models.cycle.cycle import Cycle
from models.errors import InvalidInput
from models.fields import Moment, Short
from models.fields import Text as LongText
from models.idempotent import insert_or_existing
from models.stages.answers import GrievanceReference, resolve_answers
from models.stages.minutes import Grievance


class SafetyPlan(Base):
    __tablename__ = "safety_plans"
    __table_args__ = (CheckConstraint("status IN ('validated', 'handed_over')", name="status"),)

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="validated")
    validated_by: Mapped[str] = mapped_column(String(200))
    validated_on: Mapped[date] = mapped_column(Date)
    handed_over_at: Mapped[datetime | None]
    received_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime]

    actions: Mapped[list[PlanAction]] = relationship(
        cascade="all, delete-orphan", order_by="PlanAction.priority"
    )


plan_action_grievances = Table(
    "plan_action_grievances",
    Base.metadata,
    Column("plan_action_id", ForeignKey("plan_actions.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "grievance_id",
        ForeignKey("grievances.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)
"""The grievances of the cycle's minutes a plan action answers (models/stages/answers.py)."""


class PlanAction(Base):
    __tablename__ = "plan_actions"
    __table_args__ = (
        UniqueConstraint("plan_id", "priority"),
        CheckConstraint("priority >= 1", name="priority"),
    )

    id: Mapped[IntPk]
    plan_id: Mapped[int] = child_of("safety_plans")
    priority: Mapped[int]
    risk: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    responsible_party: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[date] = mapped_column(Date)
    resources: Mapped[str] = mapped_column(Text)
    indicator: Mapped[str] = mapped_column(Text)

    grievances: Mapped[list[Grievance]] = relationship(
        secondary=plan_action_grievances, order_by=Grievance.id
    )
    """What the action answers; a tracked item reads it through its action."""


class PlanActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    risk: LongText = Field(description="Risque / risk")
    action: LongText = Field(description="Action")
    responsible_party: Short = Field(description="Responsable / responsible party")
    deadline: date = Field(description="Échéance / deadline")
    resources: LongText = Field(description="Ressources / resources")
    indicator: LongText = Field(description="Indicateur / indicator")
    answers: Annotated[list[GrievanceReference], Field(max_length=20)] = Field(
        default_factory=list,
        description=(
            "Griefs auxquels l'action répond, numérotés comme au procès-verbal: « 1.2 » = "
            "séance 1, grief 2 / grievances it answers, 'session.grievance' as the minutes "
            "number them: '1.2' = session 1, grievance 2"
        ),
    )

    @model_validator(mode="after")
    def _each_grievance_once(self) -> Self:
        seen: set[str] = set()
        for reference in self.answers:
            if reference in seen:
                raise ValueError(f"grievance {reference} is listed twice; give it once")
            seen.add(reference)
        return self


class SafetyPlanSubmission(BaseModel):
    """The safety plan as validated with the commune's security committee."""

    model_config = ConfigDict(extra="forbid")

    actions: Annotated[list[PlanActionIn], Field(min_length=1, max_length=50)] = Field(
        description="Risques par ordre de priorité / risks, highest priority first"
    )
    validated_by: Short = Field(
        description="Validé par (comité communal de sécurité) / validated by the security committee"
    )
    validated_on: date = Field(description="Date de validation / date validated")

    @model_validator(mode="after")
    def _deadlines_after_validation(self) -> Self:
        for number, item in enumerate(self.actions, start=1):
            if item.deadline < self.validated_on:
                raise ValueError(
                    f"action {number} is due {item.deadline}, before the plan was validated "
                    f"on {self.validated_on}"
                )
        return self


class HandoverSubmission(BaseModel):
    """The handover of the plan to the mayor / Remise du plan."""

    model_config = ConfigDict(extra="forbid")

    handed_over_at: Moment = Field(
        description="Date et heure de la remise / when it was handed over"
    )
    received_by: Short = Field(description="Reçu par (nom et fonction) / received by (name, role)")


def plan_actions(
    session: Session, cycle: Cycle, submission: SafetyPlanSubmission, *, step: str = "plan"
) -> list[PlanAction]:
    """The plan's actions numbered by priority, each with the grievances it answers (checked
    against the cycle's recorded minutes: InvalidInput naming `actions[i].answers`)."""
    answers = resolve_answers(session, cycle, [a.answers for a in submission.actions], step=step)
    return [
        PlanAction(priority=priority, **item.model_dump(exclude={"answers"}), grievances=answered)
        for priority, (item, answered) in enumerate(
            zip(submission.actions, answers, strict=True), start=1
        )
    ]


def record_safety_plan(
    session: Session,
    cycle: Cycle,
    submission: SafetyPlanSubmission,
    *,
    actor: str,
    now: datetime,
) -> bool:
    """Record the validated plan once, its actions numbered by priority."""
    plan, created = insert_or_existing(
        session,
        SafetyPlan,
        {"cycle_id": cycle.id},
        lambda: SafetyPlan(
            status="validated",
            validated_by=submission.validated_by,
            validated_on=submission.validated_on,
            recorded_at=now,
            actions=plan_actions(session, cycle, submission),
        ),
    )
    if created:
        record(
            session,
            "plan.validated",
            "safety_plan",
            plan.id,
            cycle.id,
            now=now,
            actor=actor,
            after={
                "actions": len(submission.actions),
                "answers": sum(len(a.answers) for a in submission.actions),
                "validated_on": str(plan.validated_on),
            },
        )
    return created


def record_handover(
    session: Session,
    cycle: Cycle,
    submission: HandoverSubmission,
    *,
    actor: str,
    now: datetime,
) -> bool:
    """Mark the plan handed over, once; the plan must have been validated first."""
    plan = session.scalar(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle.id))
    if plan is None:
        raise InvalidInput(
            f"cycle {cycle.label} has no validated safety plan; submit step 'plan' first"
        )
    if plan.status == "handed_over":
        return False
    plan.status = "handed_over"
    plan.handed_over_at = submission.handed_over_at
    plan.received_by = submission.received_by
    record(
        session,
        "plan.handed_over",
        "safety_plan",
        plan.id,
        cycle.id,
        now=now,
        actor=actor,
        before={"status": "validated"},
        after={"status": "handed_over", "received_by": submission.received_by},
    )
    return True
