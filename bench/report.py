"""What `debates report` costs to count: 20,000 cycles with their steps, sessions, minutes,
plans, tracked items and visits, on SQLite and PostgreSQL (when reachable). Target: <= 2 s a report.

Synthetic geography (5 regions, 50 cercles, 20,000 communes, so that the one-active-cycle index
holds) and a programme spread over 2026: every cycle has its baseline (rated), 9 steps, 2
sessions (one in 10 postponed, one in 20 cancelled) with minutes of 6 attendance counts each; every
other cycle a plan handed over with 3 tracked items, every fourth a monitoring visit; one in three
cycles belongs to the funder "UE". The cases are `build_report` (every query, every level):

  year, Mali     the whole of 2026 for all of Mali, with its 5 regions and 50 cercles
  quarter, Mali  2026Q2
  year, region   one region and its 10 cercles
  year, funder   all of Mali, the cycles of one funder

Time is the median of 3 runs after a warm-up.

    .venv/bin/python bench/report.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("DEBATES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

import psycopg  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import migrations  # noqa: E402
from models import db  # noqa: E402
from models.cycle.cycle import Cycle, Step  # noqa: E402
from models.followup.items import ItemUpdate, TrackedItem  # noqa: E402
from models.geography.places import Cercle, Commune, Region  # noqa: E402
from models.report.scope import ReportRequest  # noqa: E402
from models.report.tables import build_report  # noqa: E402
from models.stages.baseline import BaselineStudy  # noqa: E402
from models.stages.follow_up import MonitoringVisit  # noqa: E402
from models.stages.minutes import AttendanceCount, Commitment, Minutes  # noqa: E402
from models.stages.safety_plan import PlanAction, SafetyPlan  # noqa: E402
from models.stages.sessions import DebateSession  # noqa: E402

CYCLES = 20_000
TARGET_S = 2.0
TODAY = date(2026, 12, 20)
NOW = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
STEPS = [
    ("baseline", "baseline"),
    ("schedule", "scheduling"),
    ("session-1", "facilitation"),
    ("minutes-1", "minutes"),
    ("session-2", "facilitation"),
    ("minutes-2", "minutes"),
    ("plan", "handover"),
    ("handover", "handover"),
    ("visit-1", "follow_up"),
]
ATTENDANCE = [
    ("F", "15-24", "women", 4),
    ("F", "25-59", "women", 6),
    ("M", "15-24", "youth", 7),
    ("M", "25-59", "traditional_leaders", 9),
    ("M", "60+", "religious_leaders", 3),
    ("M", "25-59", "herders", 5),
]
CASES: dict[str, dict[str, Any]] = {
    "year, Mali": {"period": "2026"},
    "quarter, Mali": {"period": "2026Q2"},
    "year, region": {"period": "2026", "region": "ML92"},
    "year, funder": {"period": "2026", "funder": "UE"},
}


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def batches(rows: list[dict[str, Any]], size: int = 10_000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def seed(url: str) -> dict[str, int]:
    engine = db.engine_for(url)
    migrations.upgrade(engine)
    counts: dict[str, int] = {}
    with Session(engine) as session, session.begin():

        def put(table: Any, rows: list[dict[str, Any]]) -> None:
            counts[table.__tablename__] = counts.get(table.__tablename__, 0) + len(rows)
            for chunk in batches(rows):
                session.execute(insert(table), chunk)

        put(Region, [{"pcode": f"ML9{r}", "name": f"Région {r}"} for r in range(5)])
        put(
            Cercle,
            [
                {
                    "pcode": f"ML9{c // 10}{c % 10:02d}",
                    "region_pcode": f"ML9{c // 10}",
                    "name": f"Cercle {c}",
                }
                for c in range(50)
            ],
        )
        cercles = [f"ML9{c // 10}{c % 10:02d}" for c in range(50)]
        put(
            Commune,
            [
                {
                    "pcode": f"M{i:07d}",
                    "cercle_pcode": cercles[i % 50],
                    "name": f"Commune {i}",
                    "official_name": f"Commune {i}",
                }
                for i in range(CYCLES)
            ],
        )
        cycles, steps, sessions, minutes, attendance, baselines = [], [], [], [], [], []
        plans, actions, commitments, items, updates, visits = [], [], [], [], [], []
        for i in range(CYCLES):
            cid = i + 1
            start = date(2026, 1, 1) + timedelta(days=i % 300)
            closed = i % 4 == 0 or i % 25 == 0
            cycles.append(
                {
                    "id": cid,
                    "level": "commune",
                    "area_pcode": f"M{i:07d}",
                    "commune_pcode": f"M{i:07d}",
                    "cercle_pcode": cercles[i % 50],
                    "region_pcode": cercles[i % 50][:4],
                    "sequence": 1,
                    "status": "cancelled" if i % 25 == 0 else ("completed" if closed else "active"),
                    "start_on": start,
                    "launched_by": "bench",
                    "launched_at": at(start, 8),
                    "closed_at": at(start + timedelta(days=120)) if closed else None,
                    "funder": "UE" if i % 3 == 0 else None,
                }
            )
            done_until = 9 if closed else (i % 9)
            for k, (name, stage) in enumerate(STEPS):
                due = start + timedelta(days=7 * (k + 1))
                done = k < done_until
                steps.append(
                    {
                        "id": i * len(STEPS) + k + 1,
                        "cycle_id": cid,
                        "position": k + 1,
                        "stage": stage,
                        "name": name,
                        "title": name,
                        "owner_role": "coordinator",
                        "due_at": at(due, 17),
                        "status": "done" if done else "pending",
                        "completed_at": at(due + timedelta(days=(i + k) % 5 - 2)) if done else None,
                        "overdue_since": at(due, 18) if (i + k) % 7 == 0 else None,
                        "escalation_level": 0,
                    }
                )
            baselines.append(
                {
                    "id": cid,
                    "cycle_id": cid,
                    "completed_on": start,
                    "risk_themes": ["foncier"],
                    "communities": ["a", "b"],
                    "languages": ["son"],
                    "participant_groups": ["women", "youth", "herders", "displaced"],
                    "summary": "-",
                    "risk_of_violence": 2 + i % 4,
                    "trust_in_institutions": 1 + i % 3,
                    "recorded_at": at(start),
                }
            )
            for n in (1, 2):
                sid = 2 * i + n
                day = start + timedelta(days=14 + 7 * n)
                status = "cancelled" if (i + n) % 20 == 0 else "held"
                sessions.append(
                    {
                        "id": sid,
                        "cycle_id": cid,
                        "number": n,
                        "starts_at": at(day, 9),
                        "venue": "Mairie",
                        "commune_pcode": f"M{i:07d}",
                        "language": "son",
                        "status": status,
                        "revision": 1 if (i + n) % 10 == 0 else 0,
                    }
                )
                if status == "held":
                    rows = ATTENDANCE if (i + n) % 6 else ATTENDANCE[2:]  # some with no women
                    minutes.append(
                        {
                            "id": sid,
                            "cycle_id": cid,
                            "session_number": n,
                            "total_participants": sum(r[3] for r in rows),
                            "validated_by": "-",
                            "validated_on": day,
                            "recorded_at": at(day),
                        }
                    )
                    attendance += [
                        {"minutes_id": sid, "sex": s, "age_band": a, "group": g, "count": c}
                        for s, a, g, c in rows
                    ]
            if i % 2 == 0:
                handed = start + timedelta(days=60)
                plans.append(
                    {
                        "id": cid,
                        "cycle_id": cid,
                        "status": "handed_over",
                        "validated_by": "-",
                        "validated_on": handed,
                        "handed_over_at": at(handed),
                        "received_by": "-",
                        "recorded_at": at(handed),
                    }
                )
                for p in (1, 2):
                    actions.append(
                        {
                            "id": 2 * i + p,
                            "plan_id": cid,
                            "priority": p,
                            "risk": "-",
                            "action": "-",
                            "responsible_party": "-",
                            "deadline": handed + timedelta(days=30 * p),
                            "resources": "-",
                            "indicator": "-",
                        }
                    )
                if 2 * i + 1 in {m["id"] for m in minutes[-2:]}:
                    commitments.append(
                        {
                            "id": cid,
                            "minutes_id": 2 * i + 1,
                            "party": "-",
                            "action": "-",
                            "deadline": handed + timedelta(days=45),
                        }
                    )
                for number, (source, link, deadline) in enumerate(
                    [
                        ("plan_action", 2 * i + 1, handed + timedelta(days=30)),
                        ("plan_action", 2 * i + 2, handed + timedelta(days=60)),
                    ]
                    + (
                        [("commitment", cid, handed + timedelta(days=45))]
                        if commitments and commitments[-1]["id"] == cid
                        else []
                    ),
                    start=1,
                ):
                    status = ("done", "in_progress", "dropped", "planned")[(i + number) % 4]
                    iid = 3 * i + number
                    items.append(
                        {
                            "id": iid,
                            "cycle_id": cid,
                            "number": number,
                            "source": source,
                            "plan_action_id": link if source == "plan_action" else None,
                            "commitment_id": link if source == "commitment" else None,
                            "title": "-",
                            "party": "-",
                            "deadline": deadline,
                            "status": status,
                            "progress": 100 if status == "done" else 30,
                            "drop_reason": "-" if status == "dropped" else None,
                            "updated_at": at(handed),
                            "created_at": at(handed),
                        }
                    )
                    if status == "done":
                        updates.append(
                            {
                                "item_id": iid,
                                "on": deadline + timedelta(days=(i % 5) - 3),
                                "status": "done",
                                "progress": 100,
                                "deadline": deadline,
                                "actor": "bench",
                                "recorded_at": at(deadline),
                            }
                        )
                if i % 4 == 0:
                    visits.append(
                        {
                            "cycle_id": cid,
                            "number": 1,
                            "visited_on": handed + timedelta(days=60),
                            "incidents": {},
                            "risk_of_violence": 1 + i % 4,
                            "trust_in_institutions": 2 + i % 3,
                            "recorded_at": at(handed),
                        }
                    )
        for table, rows in (
            (Cycle, cycles),
            (Step, steps),
            (BaselineStudy, baselines),
            (DebateSession, sessions),
            (Minutes, minutes),
            (AttendanceCount, attendance),
            (SafetyPlan, plans),
            (PlanAction, actions),
            (Commitment, commitments),
            (TrackedItem, items),
            (ItemUpdate, updates),
            (MonitoringVisit, visits),
        ):
            put(table, rows)
    if url.startswith("postgresql"):
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    return counts


def report(url: str, request: dict[str, Any]) -> int:
    with Session(db.engine_for(url)) as session:
        made = build_report(session, ReportRequest(**request), today=TODAY, now=NOW)
        return sum(len(rows) for rows in made.tables.values())


def timed(fn: Callable[[], int]) -> tuple[float, int]:
    fn()
    runs, result = [], 0
    for _ in range(3):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def databases() -> list[tuple[str, str, Callable[[], None]]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    found: list[tuple[str, str, Callable[[], None]]] = [
        ("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None)
    ]
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3, autocommit=True) as conn:
            name = f"bench_report_{uuid.uuid4().hex[:8]}"
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return found
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"

    def drop() -> None:
        db.engine_for(url).dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    found.append(("PostgreSQL", url, drop))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per line per case")
    options = parser.parse_args()
    records: list[dict[str, Any]] = []
    for backend, url, cleanup in databases():
        try:
            counts = seed(url)
            for case, request in CASES.items():
                seconds, rows = timed(lambda url=url, request=request: report(url, request))  # type: ignore[misc]
                records.append(
                    {
                        "backend": backend,
                        "case": case,
                        "cycles": counts["cycles"],
                        "attendance_rows": counts["attendance_counts"],
                        "table_rows": rows,
                        "seconds": round(seconds, 3),
                        "target_s": TARGET_S,
                        "ok": seconds <= TARGET_S,
                    }
                )
        finally:
            cleanup()
    if options.json:
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
        return
    print(
        f"{'backend':<11} {'case':<14} {'cycles':>7} {'attendance':>10} {'rows':>5} "
        f"{'seconds':>8}  target"
    )
    for r in records:
        verdict = "ok" if r["ok"] else f"OVER {TARGET_S} s"
        print(
            f"{r['backend']:<11} {r['case']:<14} {r['cycles']:>7} {r['attendance_rows']:>10} "
            f"{r['table_rows']:>5} {r['seconds']:>8.3f}  {verdict}"
        )


if __name__ == "__main__":
    main()
