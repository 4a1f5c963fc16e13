"""The manager's view: where every active cycle stands (paused cycles last), and the headings of
a cycle's artifacts; one cycle in detail is models/views/cycle_state.py.

`portfolio()` is one SELECT whatever the number of cycles: a grouped subquery finds each cycle's
waiting step (its first open step) and counts its steps, and a join brings that step's row back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from models.clock import show
from models.cycle.cycle import Cycle, Step, area_label, get_cycle
from models.cycle.pause import CyclePause
from models.cycle.transitions import OPEN_STEP, CycleStatus, StepStatus
from models.geography.places import Cercle, Commune, Level, Region, resolve_place
from models.settings import get_settings
from models.views.follow_up import plan_progress_query

OPEN = sorted(s.value for s in OPEN_STEP)
FINISHED = (StepStatus.DONE.value, StepStatus.SKIPPED.value)


def overdue_days(due_at: datetime | None, now: datetime) -> int:
    """Whole days past due (0 when not yet due): the number the escalation ladder reads."""
    if due_at is None or due_at >= now:
        return 0
    return (now - due_at).days


@dataclass(frozen=True)
class PortfolioRow:
    cycle_id: int
    region_pcode: str
    region: str
    cercle_pcode: str
    cercle: str
    area_pcode: str
    area: str
    sequence: int
    stage: str | None  # None once every step is finished
    waiting_step: str | None
    waiting_title: str | None
    next_due: datetime | None
    overdue_days: int
    escalation_level: int
    steps_done: int
    steps_total: int
    flow_run_id: str | None
    paused_reason: str | None = None
    paused_since: datetime | None = None
    """When the cycle is paused (models/cycle/pause.py): why, and since when."""
    follow_up: int | None = None
    """In the follow-up: the plan's progress rolled up from its tracked items (0-100)."""

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0

    def as_record(self) -> dict[str, Any]:
        """One row of the `debates-portfolio` table and of `debates status --json` (Bamako time)."""
        return {
            "region": self.region,
            "cercle": self.cercle,
            "commune": self.area,
            "pcode": self.area_pcode,
            "cycle": self.sequence,
            "cycle_id": self.cycle_id,
            "stage": self.stage or "-",
            "waiting_step": self.waiting_step or "-",
            "next_due_bamako": show(self.next_due) if self.next_due else "-",
            "overdue_days": self.overdue_days,
            "escalation_level": self.escalation_level,
            "steps_done": f"{self.steps_done}/{self.steps_total}",
            "paused": self.paused_reason if self.paused else "-",
            "paused_since_bamako": show(self.paused_since) if self.paused_since else "-",
            "follow_up": f"{self.follow_up}%" if self.follow_up is not None else "-",
        }


def portfolio(
    session: Session,
    *,
    now: datetime,
    region: str | None = None,
    overdue_only: bool = False,
) -> list[PortfolioRow]:
    """Every active cycle by region, cercle and commune, with its waiting step: one query."""
    counts = (
        select(
            Step.cycle_id.label("cycle_id"),
            func.min(case((Step.status.in_(OPEN), Step.position))).label("waiting_position"),
            func.count(Step.id).label("steps_total"),
            func.sum(case((Step.status.in_(FINISHED), 1), else_=0)).label("steps_done"),
        )
        .group_by(Step.cycle_id)
        .subquery()
    )
    followed = plan_progress_query().subquery()
    waiting = aliased(Step)
    stmt = (
        select(
            Cycle.id.label("cycle_id"),
            Region.pcode.label("region_pcode"),
            Region.name.label("region"),
            Cercle.pcode.label("cercle_pcode"),
            Cercle.name.label("cercle"),
            Cycle.area_pcode.label("area_pcode"),
            Commune.name.label("commune"),
            Cycle.sequence.label("sequence"),
            waiting.stage.label("stage"),
            waiting.name.label("waiting_step"),
            waiting.title.label("waiting_title"),
            waiting.due_at.label("next_due"),
            func.coalesce(waiting.escalation_level, 0).label("escalation_level"),
            func.coalesce(counts.c.steps_done, 0).label("steps_done"),
            func.coalesce(counts.c.steps_total, 0).label("steps_total"),
            Cycle.flow_run_id.label("flow_run_id"),
            CyclePause.reason.label("paused_reason"),
            CyclePause.started_at.label("paused_since"),
            func.round(followed.c.progress).label("follow_up"),
        )
        .join(Cercle, Cycle.cercle_pcode == Cercle.pcode)
        .join(Region, Cycle.region_pcode == Region.pcode)
        .outerjoin(Commune, Cycle.commune_pcode == Commune.pcode)
        .outerjoin(counts, counts.c.cycle_id == Cycle.id)
        .outerjoin(followed, followed.c.cycle_id == Cycle.id)
        .outerjoin(
            waiting,
            and_(waiting.cycle_id == Cycle.id, waiting.position == counts.c.waiting_position),
        )
        .outerjoin(CyclePause, and_(CyclePause.cycle_id == Cycle.id, CyclePause.ended_at.is_(None)))
        .where(Cycle.status == CycleStatus.ACTIVE.value)
        # Paused cycles apart, after the running ones: nobody is chasing them.
        .order_by(
            CyclePause.id.is_not(None), Region.name, Cercle.name, Cycle.area_pcode, Cycle.sequence
        )
    )
    if region is not None:
        stmt = stmt.where(Cycle.region_pcode == resolve_place(session, region, Level.REGION).pcode)
    if overdue_only:
        stmt = stmt.where(
            or_(waiting.status == StepStatus.OVERDUE.value, waiting.due_at < now),
            CyclePause.id.is_(None),
        )
    # A paused cycle's clock is stopped: it is not late while paused (resume moves its dates).
    return [
        PortfolioRow(
            **{name: value for name, value in row.items() if name not in ("commune", "follow_up")},
            area=area_label(row["commune"], row["cercle"]),
            follow_up=_whole(row["follow_up"]),
            overdue_days=0 if row["paused_since"] else overdue_days(row["next_due"], now),
        )
        for row in session.execute(stmt).mappings()
    ]


def _whole(value: Any) -> int | None:
    """A rounded SQL number (Decimal on PostgreSQL, float on SQLite) as an int."""
    return None if value is None else int(value)


def artifact_key(area_slug: str, area_pcode: str, sequence: int, what: str) -> str:
    """`cycle-tilemsi-ml060314-1-state`: the commune for a manager scanning the Artifacts page, its
    P-code because names repeat (Tilemsi is a commune of Goundam and of Gao), then the commune's cycle
    number; an intercommunal cycle's is `cycle-cercle-goundam-ml0603-1-state`. Prefect allows
    lowercase letters, digits and dashes only; `slug` (`Cycle.area_slug`) drops accents and
    apostrophes (N'Gassola -> n-gassola) and a name with nothing left still has its P-code.
    The demo workspace's keys start with `demo-`: its cycles must not overwrite the real ones'."""
    parts = [area_slug, area_pcode.lower(), str(sequence), what]
    return get_settings().scoped("-".join(["cycle", *(part for part in parts if part)]))


@dataclass(frozen=True)
class CycleHeading:
    """Which cycle an artifact is about, as a manager reads it: its key and description name the
    commune (or cercle), where it is, the commune's cycle number and the stage it is at."""

    cycle_id: int
    area: str
    area_slug: str
    area_pcode: str
    cercle: str
    region: str
    sequence: int
    intercommunal: bool
    status: str
    stage: str | None
    """The waiting step's stage; None once every step is finished."""

    def artifact_key(self, what: str) -> str:
        return artifact_key(self.area_slug, self.area_pcode, self.sequence, what)


def heading_of(cycle: Cycle) -> CycleHeading:
    waiting = cycle.waiting_step()
    return CycleHeading(
        cycle_id=cycle.id,
        area=cycle.area_name,
        area_slug=cycle.area_slug,
        area_pcode=cycle.area_pcode,
        cercle=cycle.cercle.name,
        region=cycle.cercle.region.name,
        sequence=cycle.sequence,
        intercommunal=cycle.intercommunal,
        status=cycle.status,
        stage=waiting.stage if waiting else None,
    )


def cycle_heading(session: Session, cycle_id: int) -> CycleHeading:
    return heading_of(get_cycle(session, cycle_id))
