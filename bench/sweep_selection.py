"""What the reminder sweep costs to select its work, beside the bare SQL query (the lower bound).

100,000 open steps in 20,000 active cycles (5 steps each; synthetic communes, so that the
one-active-cycle-per-commune index holds), due dates spread from 60 days ago to 60 days ahead,
and one ledger row for every other step already in the horizon (earlier sweeps); 200 facilitators
each lead 100 cycles (own their session and minutes steps) and were told of 99 in 100 (those
steps marked told, as the sweeps that told them left them). Per backend (SQLite file; PostgreSQL
when reachable) it measures:

  bare SQL   the open-steps query alone (text SQL, rows fetched as tuples): the steps their
             cycles wait on (no open step before them), as the sweep selects them
  selection  notifications.sweep.plan(): the same query through the ORM + the ledger keys of
             those steps + the directory + the pure rules -> the claims to insert

Time is the median of 5 rounds after a warm-up, each round the bare query then the selection
(side by side, so both see the same load on the shared cores); peak memory is measured in a separate run under
tracemalloc (Python allocations, including the driver's rows), and the resident memory (RSS) of
the selection in a fresh process that only selects (imports included). Each figure is printed
beside its target (issue 11) and the figure measured before.

    .venv/bin/python bench/sweep_selection.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
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
from models.cycle.steps import Stage  # noqa: E402
from models.geography.places import Cercle, Commune, Region  # noqa: E402
from models.people.facilitator import Contact, Facilitator, facilitator_regions  # noqa: E402
from models.policy import ReminderPolicy  # noqa: E402
from models.reminders.due import horizon  # noqa: E402
from models.reminders.ledger import Notification  # noqa: E402
from notifications.sweep import plan  # noqa: E402

CYCLES = 20_000
FACILITATORS = 200  # each leads 100 cycles: owns their session and minutes steps
STEPS_PER_CYCLE = 5
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
POLICY = ReminderPolicy()
TARGET = {"ratio": 2.0, "seconds": 0.5, "rss_mb": 150.0}
BEFORE = {  # main at 1a3f52b (before the told mark), 2026-12-01, load 0.9: selection s, bare s
    "SQLite": (0.443, 0.225),
    "PostgreSQL": (0.328, 0.105),
}

BARE_SQL = """
SELECT s.id, s.cycle_id, s.stage, s.name, s.status, s.owner_role, s.facilitator_id, s.due_at,
       s.escalation_level, c.region_pcode
FROM steps s JOIN cycles c ON c.id = s.cycle_id
WHERE s.status IN ('pending', 'active', 'overdue') AND s.due_at <= :until AND c.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM steps e WHERE e.cycle_id = s.cycle_id AND e.position < s.position
                  AND e.status IN ('pending', 'active', 'overdue'))
  AND NOT EXISTS (SELECT 1 FROM cycle_pauses p WHERE p.cycle_id = c.id AND p.ended_at IS NULL)
ORDER BY s.due_at, s.id
"""


def seed(url: str) -> int:
    engine = db.engine_for(url)
    migrations.upgrade(engine)
    stages = [stage.value for stage in Stage]
    with Session(engine) as session, session.begin():
        session.execute(insert(Region), [{"pcode": "ML99", "name": "Région de banc d'essai"}])
        session.execute(
            insert(Cercle),
            [
                {"pcode": f"ML99{i:02d}", "region_pcode": "ML99", "name": f"Cercle {i}"}
                for i in range(20)
            ],
        )
        communes = [
            {
                "pcode": f"M{i:07d}",
                "cercle_pcode": f"ML99{i % 20:02d}",
                "name": f"Commune n° {i}",
                "official_name": f"Commune {i}",
            }
            for i in range(CYCLES)
        ]
        session.execute(insert(Commune), communes)
        coordinator = Facilitator(
            name="Coordination banc",
            name_key="coordination banc",
            sex="F",
            role="coordinator",
            home_commune_pcode="M0000000",
            languages=["fr"],
            affiliations=[],
            max_cycles=0,
            locale="fr",
            created_at=NOW,
        )
        coordinator.contacts = [Contact(url="json://127.0.0.1:9/bench")]
        session.add(coordinator)
        session.flush()
        session.execute(
            insert(facilitator_regions),
            [{"facilitator_id": coordinator.id, "region_pcode": "ML99"}],
        )
        session.execute(
            insert(Cycle),
            [
                {
                    "id": i + 1,
                    "level": "commune",
                    "area_pcode": f"M{i:07d}",
                    "commune_pcode": f"M{i:07d}",
                    "cercle_pcode": f"ML99{i % 20:02d}",
                    "region_pcode": "ML99",
                    "sequence": 1,
                    "status": "active",
                    "start_on": date(2026, 3, 1),
                    "launched_by": "bench",
                    "launched_at": NOW,
                }
                for i in range(CYCLES)
            ],
        )
        leads = []
        for n in range(FACILITATORS):
            lead = Facilitator(
                name=f"Facilitateur {n}",
                name_key=f"facilitateur {n}",
                sex="M",
                role="facilitator",
                home_commune_pcode=f"M{n:07d}",
                languages=["fr"],
                affiliations=[],
                max_cycles=100,
                locale="fr",
                created_at=NOW,
            )
            lead.contacts = [Contact(url=f"json://127.0.0.1:9/bench/{n}")]
            leads.append(lead)
        session.add_all(leads)
        session.flush()
        steps = []
        for i in range(CYCLES):
            for k in range(STEPS_PER_CYCLE):
                # spread over -60 .. +60 days around NOW, 18:00
                offset = ((i * 7 + k * 13) % 121) - 60
                steps.append(
                    {
                        "id": i * STEPS_PER_CYCLE + k + 1,
                        "cycle_id": i + 1,
                        "position": k + 1,
                        "stage": stages[k],
                        "name": f"step-{k}",
                        "title": f"Étape {k}",
                        "owner_role": "facilitator" if k in (2, 3) else "coordinator",
                        "facilitator_id": leads[i % FACILITATORS].id if k in (2, 3) else None,
                        "due_at": (NOW + timedelta(days=offset)).replace(hour=18),
                        "status": "overdue" if offset < 0 else "pending",
                        "escalation_level": 0,
                        # as the sweeps that told the lead (below) left it
                        "facilitator_told": k in (2, 3) and (i + 1) % 100 != 0,
                    }
                )
        for start in range(0, len(steps), 10_000):
            session.execute(insert(Step), steps[start : start + 10_000])
        until = horizon(POLICY, NOW)
        ledger = [
            {
                "step_id": s["id"],
                "rule": "before-7d",
                "recipient": "contact:1",
                "due_at": s["due_at"],
                "channel": "json",
                "status": "sent",
                "attempts": 1,
                "created_at": NOW,
                "claimed_at": NOW,
                "claimed_by": "bench",
            }
            for s in steps
            if s["due_at"] <= until and s["id"] % 2 == 0
        ]
        # Earlier sweeps told every lead of their cycle, except 1 in 100.
        told = [
            {
                "step_id": s["id"],
                "rule": "assignment",
                "recipient": f"contact:{leads[(s['cycle_id'] - 1) % FACILITATORS].contacts[0].id}",
                "due_at": s["due_at"],
                "facilitator_id": s["facilitator_id"],
                "channel": "json",
                "status": "sent",
                "attempts": 1,
                "created_at": NOW,
                "claimed_at": NOW,
                "claimed_by": "bench",
            }
            for s in steps
            if s["position"] == 3 and s["cycle_id"] % 100 != 0
        ]
        for rows in (ledger, told):
            for start in range(0, len(rows), 10_000):
                session.execute(insert(Notification), rows[start : start + 10_000])
    if url.startswith("postgresql"):
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    return len(steps)


def bare(url: str) -> int:
    with Session(db.engine_for(url)) as session:
        rows = session.execute(text(BARE_SQL), {"until": horizon(POLICY, NOW)}).fetchall()
        return len(rows)


def selection(url: str) -> int:
    with Session(db.engine_for(url)) as session:
        return len(plan(session, POLICY, NOW).claims)


def timed(url: str, rounds: int = 5) -> tuple[float, int, float, int]:
    """Median seconds of the bare query and of the selection, with their counts: one warm-up of
    each, then `rounds` rounds that run one after the other, so that both see the same load
    (the two cores are shared: run back to back, a burst of load fell on one side only)."""
    bare(url), selection(url)
    bare_runs, plan_runs = [], []
    selected = claims = 0
    for _ in range(rounds):
        start = time.perf_counter()
        selected = bare(url)
        bare_runs.append(time.perf_counter() - start)
        start = time.perf_counter()
        claims = selection(url)
        plan_runs.append(time.perf_counter() - start)
    return statistics.median(bare_runs), selected, statistics.median(plan_runs), claims


def peak(fn: Callable[[str], int], url: str) -> float:
    tracemalloc.start()
    try:
        fn(url)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def databases() -> list[tuple[str, str, Callable[[], None]]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    found: list[tuple[str, str, Callable[[], None]]] = [
        ("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None)
    ]
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3, autocommit=True) as conn:
            name = f"bench_sweep_{uuid.uuid4().hex[:8]}"
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


def rss_of_selection(url: str) -> float:
    """Peak RSS (MB) of a fresh process that imports the sweep and selects once."""
    out = subprocess.run(
        [sys.executable, __file__, "--rss-of", url], capture_output=True, text=True, check=True
    ).stdout
    return float(out.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per backend")
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_of:
        selection(args.rss_of)
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child of this (seeding,
        # 200 MB) process would report its parent's peak.
        status = Path("/proc/self/status").read_text()
        print(
            next(int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmHWM")) / 1024
        )
        return
    rows: list[dict[str, Any]] = []
    for label, url, cleanup in databases():
        try:
            steps = seed(url)
            bare_time, selected, plan_time, claims = timed(url)
            bare_mem, plan_mem = peak(bare, url), peak(selection, url)
            rows.append(
                {
                    "backend": label,
                    "open_steps": steps,
                    "selected": selected,
                    "claims": claims,
                    "bare_seconds": bare_time,
                    "seconds": plan_time,
                    "ratio": plan_time / bare_time,
                    "traced_mib": plan_mem,
                    "bare_traced_mib": bare_mem,
                    "rss_mb": rss_of_selection(url),
                }
            )
        finally:
            cleanup()
    load = os.getloadavg()[0]
    if args.json:
        for row in rows:
            print(
                json.dumps(
                    {"bench": "sweep_selection"}
                    | {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}
                    | {"backend": row["backend"].lower(), "load": round(load, 2)}
                )
            )
        return
    print(f"bench/sweep_selection.py, load average {load:.2f} on {os.cpu_count()} cores")
    print(
        "| backend    | open steps | claims | bare SQL s | selection s | ratio (≤ 2) "
        "| target s | RSS MB (≤ 150) | traced MiB | before: selection / bare |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        before, before_bare = BEFORE[row["backend"]]
        print(
            f"| {row['backend']:<10} | {row['open_steps']:>10} | {row['claims']:>6} "
            f"| {row['bare_seconds']:10.3f} | {row['seconds']:11.3f} | {row['ratio']:11.2f} "
            f"| {TARGET['seconds']:8.1f} | {row['rss_mb']:14.0f} | {row['traced_mib']:10.1f} "
            f"| {before:.2f} / {before_bare:.2f} s ({before / before_bare:.1f}×) |"
        )


if __name__ == "__main__":
    main()
