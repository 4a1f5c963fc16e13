"""A small fixed programme for the report's tests, whose figures are worked out by hand in
tests/models/test_report_figures.py (the first quarter of 2026, reported on 15 April 2026).

- cycle A, Diré (Tombouctou), funder "UE": launched 5 Jan, plan handed over 10 Feb, visited and
  closed 20 Mar. Session 1 (25 Jan) 40 people, 12 women; session 2 (1 Feb, postponed once) 20
  men, no woman. Its baseline named women, youth and herders; rated risk 4, trust 2; the visit 2, 4.
- cycle B, Tilemsi (Goundam, Tombouctou), no funder: launched 1 Feb; session 1 (10 Mar) 10 people,
  5 women; session 2 (12 Mar) cancelled; its scheduling step is overdue.
- cycle C, Tilemsi (Gao), funder "ue": launched 1 Nov 2025, cancelled 15 Jan 2026.
- cycle D, Diré again: launched 2 Apr 2026, after the quarter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

import migrations
from models import db
from models.cycle.cycle import Cycle, Step
from models.followup.items import ItemUpdate, TrackedItem
from models.geography.registry import import_registry
from models.report.tables import Report
from models.settings import SHIPPED_COMMUNES
from models.stages.baseline import BaselineStudy
from models.stages.follow_up import MonitoringVisit
from models.stages.minutes import AttendanceCount, Commitment, Minutes
from models.stages.safety_plan import PlanAction, SafetyPlan
from models.stages.sessions import DebateSession

TODAY = date(2026, 4, 15)
NOW = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=UTC)


def _cycle(session: Session, commune: str, sequence: int, start: str, **extra: Any) -> Cycle:
    cycle = Cycle(
        level="commune",
        area_pcode=commune,
        commune_pcode=commune,
        cercle_pcode=commune[:6],
        region_pcode=commune[:4],
        sequence=sequence,
        start_on=date.fromisoformat(start),
        launched_by="test",
        launched_at=at(start, 8),
        **({"status": "active"} | extra),
    )
    session.add(cycle)
    session.flush()
    return cycle


def _steps(session: Session, cycle: Cycle, rows: list[tuple[str, str, str, str | None]]) -> None:
    for position, (name, stage, due, done) in enumerate(rows, start=1):
        session.add(
            Step(
                cycle_id=cycle.id,
                position=position,
                stage=stage,
                name=name,
                title=name,
                owner_role="coordinator",
                due_at=at(due, 17),
                status="done" if done else "pending",
                completed_at=at(done) if done else None,
            )
        )


def _session(cycle: Cycle, number: int, day: str, status: str, revision: int = 0) -> DebateSession:
    return DebateSession(
        cycle_id=cycle.id,
        number=number,
        starts_at=at(day, 9),
        venue="Mairie",
        commune_pcode=cycle.area_pcode,
        language="son",
        status=status,
        revision=revision,
    )


def _minutes(cycle: Cycle, number: int, counts: list[tuple[str, str, str, int]]) -> Minutes:
    return Minutes(
        cycle_id=cycle.id,
        session_number=number,
        total_participants=sum(c[3] for c in counts),
        validated_by="SG de mairie",
        validated_on=date(2026, 1, 1),
        recorded_at=at("2026-01-01"),
        attendance=[AttendanceCount(sex=s, age_band=a, group=g, count=n) for s, a, g, n in counts],
    )


def _baseline(cycle: Cycle, groups: list[str], risk: int, trust: int) -> BaselineStudy:
    return BaselineStudy(
        cycle_id=cycle.id,
        completed_on=cycle.start_on,
        risk_themes=["foncier"],
        communities=["Peul", "Sonrhaï"],
        languages=["son"],
        participant_groups=groups,
        summary="Tensions foncières",
        risk_of_violence=risk,
        trust_in_institutions=trust,
        recorded_at=at("2026-01-10"),
    )


def seed(session: Session) -> dict[str, Cycle]:
    a = _cycle(
        session,
        "ML060205",
        1,
        "2026-01-05",
        funder="UE",
        status="completed",
        closed_at=at("2026-03-20"),
    )
    b = _cycle(session, "ML060314", 1, "2026-02-01")
    c = _cycle(
        session,
        "ML070107",
        1,
        "2025-11-01",
        funder="ue",
        status="cancelled",
        closed_at=at("2026-01-15"),
    )
    d = _cycle(session, "ML060205", 2, "2026-04-02")
    _steps(
        session,
        a,
        [
            ("baseline", "baseline", "2026-01-12", "2026-01-10"),
            ("schedule", "scheduling", "2026-01-19", "2026-01-20"),
            ("session-1", "facilitation", "2026-01-25", "2026-01-25"),
            ("minutes-1", "minutes", "2026-01-30", "2026-01-27"),
            ("session-2", "facilitation", "2026-02-01", "2026-02-01"),
            ("minutes-2", "minutes", "2026-02-05", "2026-02-03"),
            ("plan", "handover", "2026-02-08", "2026-02-07"),
            ("handover", "handover", "2026-02-10", "2026-02-10"),
            ("visit-1", "follow_up", "2026-03-15", "2026-03-20"),
        ],
    )
    _steps(
        session,
        b,
        [
            ("baseline", "baseline", "2026-02-10", "2026-02-09"),
            ("schedule", "scheduling", "2026-02-20", None),
        ],
    )
    session.add_all(
        [
            _session(a, 1, "2026-01-25", "held"),
            _session(a, 2, "2026-02-01", "held", revision=1),
            _session(b, 1, "2026-03-10", "held"),
            _session(b, 2, "2026-03-12", "cancelled"),
            _session(c, 1, "2025-12-01", "cancelled"),
            _baseline(a, ["women", "youth", "herders"], risk=4, trust=2),
            _baseline(b, ["women"], risk=3, trust=3),
            _baseline(c, ["women"], risk=5, trust=1),
        ]
    )
    a1 = _minutes(
        a,
        1,
        [
            ("F", "15-24", "women", 6),
            ("F", "25-59", "women", 6),
            ("M", "25-59", "traditional_leaders", 20),
            ("M", "15-24", "youth", 8),
        ],
    )
    a2 = _minutes(a, 2, [("M", "25-59", "farmers", 12), ("M", "60+", "traditional_leaders", 8)])
    b1 = _minutes(b, 1, [("F", "25-59", "women", 5), ("M", "25-59", "other", 5)])
    session.add_all([a1, a2, b1])
    session.flush()
    plan = SafetyPlan(
        cycle_id=a.id,
        status="handed_over",
        validated_by="Comité de sécurité",
        validated_on=date(2026, 2, 7),
        handed_over_at=at("2026-02-10"),
        received_by="Maire",
        recorded_at=at("2026-02-07"),
        actions=[
            PlanAction(
                priority=p,
                risk="r",
                action="a",
                responsible_party="Conseil communal de Diré",
                deadline=date.fromisoformat(deadline),
                resources="-",
                indicator="-",
            )
            for p, deadline in ((1, "2026-03-01"), (2, "2026-03-15"))
        ],
    )
    commitments = [
        Commitment(
            minutes_id=a1.id,
            party="Chefs de fraction Kel Ansar",
            action="Ouvrir le couloir de transhumance",
            deadline=date.fromisoformat(d),
        )
        for d in ("2026-02-15", "2026-03-30", "2026-05-01")
    ]
    session.add_all([plan, *commitments])
    session.flush()
    items = [
        # (source, link, deadline, status, done on)
        ("plan_action", plan.actions[0].id, "2026-03-01", "done", "2026-02-25"),
        ("plan_action", plan.actions[1].id, "2026-03-15", "done", "2026-03-20"),
        ("commitment", commitments[0].id, "2026-02-15", "dropped", None),
        ("commitment", commitments[1].id, "2026-03-30", "in_progress", None),
        ("commitment", commitments[2].id, "2026-05-01", "planned", None),
    ]
    for number, (source, link, deadline, status, done_on) in enumerate(items, start=1):
        item = TrackedItem(
            cycle_id=a.id,
            number=number,
            source=source,
            plan_action_id=link if source == "plan_action" else None,
            commitment_id=link if source == "commitment" else None,
            title="t",
            party="p",
            deadline=date.fromisoformat(deadline),
            status=status,
            progress=100 if status == "done" else 40,
            drop_reason="Plus de budget" if status == "dropped" else None,
            updated_at=at("2026-03-20"),
            created_at=at("2026-02-10"),
        )
        if done_on:
            item.updates = [
                ItemUpdate(
                    on=date.fromisoformat(done_on),
                    status="done",
                    progress=100,
                    deadline=item.deadline,
                    actor="test",
                    recorded_at=at(done_on),
                )
            ]
        session.add(item)
    session.add(
        MonitoringVisit(
            cycle_id=a.id,
            number=1,
            visited_on=date(2026, 3, 20),
            incidents={},
            risk_of_violence=2,
            trust_in_institutions=4,
            recorded_at=at("2026-03-20"),
        )
    )
    session.flush()
    return {"a": a, "b": b, "c": c, "d": d}


@contextmanager
def fixed_report(url: str, **request: Any) -> Iterator[Report]:
    """The report of this programme (2026Q1 unless `request` says otherwise) on a fresh database."""
    from models.report.scope import ReportRequest
    from models.report.tables import build_report

    engine = db.engine_for(url)
    migrations.upgrade(engine)
    with Session(engine) as session:
        import_registry(session, SHIPPED_COMMUNES)
        session.flush()
        seed(session)
        wanted = ReportRequest(**({"period": "2026Q1"} | request))
        yield build_report(session, wanted, today=TODAY, now=NOW)
        session.rollback()
