"""The manager's view and the documents at the scale of Mali: one active cycle in each of 701 communes.

Measures, per domain database (SQLite file, PostgreSQL when reachable):
  - portfolio(): every active cycle with its waiting step (one SELECT), and the SQL statements it ran;
  - cycle_state(): one cycle in detail (the per-cycle markdown artifact's data);
  - rendering + storing one session's minutes (HTML + Markdown) and one safety plan;
  - building one invitation (HTML, text, .ics).
Prints a table (median of 5 runs after one warm-up).

    .venv/bin/python bench/documents.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("DEBATES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

import psycopg  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import migrations  # noqa: E402
from models import db  # noqa: E402
from models.cycle.cycle import Cycle  # noqa: E402
from models.cycle.launch import launch_cycle  # noqa: E402
from models.geography.places import Commune  # noqa: E402
from models.geography.registry import import_registry  # noqa: E402
from models.policy import CyclePolicy  # noqa: E402
from models.settings import SHIPPED_COMMUNES  # noqa: E402
from models.views.cycle_state import cycle_state  # noqa: E402
from models.views.portfolio import portfolio  # noqa: E402
from notifications.documents.build import (  # noqa: E402
    build_invitation,
    build_minutes,
    build_safety_plan,
)
from tests.notifications.documents_data import (  # noqa: E402
    add_minutes,
    add_safety_plan,
    ngara_cycle,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def median_ms(work: Callable[[], Any], runs: int = 5) -> float:
    work()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def database_urls() -> list[tuple[str, str, Callable[[], None]]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    urls: list[tuple[str, str, Callable[[], None]]] = [
        ("sqlite", f"sqlite:///{folder / 'debates.sqlite3'}", lambda: None)
    ]
    try:
        name = f"debates_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)

        def drop() -> None:
            db.engine_for(f"{base}/{name}").dispose()
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        urls.append(("postgresql", f"{base}/{name}", drop))
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL skipped: {exc}".splitlines()[0])
    return urls


def measure(backend: str, url: str) -> list[tuple[str, str, str]]:
    engine = db.engine_for(url)
    migrations.upgrade(engine)
    rows: list[tuple[str, str, str]] = []
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
    with Session(engine) as session, session.begin():
        sample = ngara_cycle(session)
        add_minutes(session, sample)
        add_safety_plan(session, sample)
        sample_id = sample.id
        communes = session.scalars(
            select(Commune).where(Commune.pcode != sample.area_pcode).order_by(Commune.pcode)
        ).all()
        start = time.perf_counter()
        for commune in communes:
            launch_cycle(
                session,
                commune,
                start_on=date(2026, 3, 2),
                policy=CyclePolicy(),
                actor="bench",
                now=NOW,
            )
        rows.append(
            (
                backend,
                f"launch {len(communes)} cycles (domain only)",
                f"{(time.perf_counter() - start):.1f} s",
            )
        )
    out = Path(tempfile.mkdtemp(prefix="bench-docs-data-"))
    with Session(engine) as session:
        active = session.scalar(select(func.count(Cycle.id)).where(Cycle.status == "active"))
        statements: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        result = portfolio(session, now=NOW)
        event.remove(engine, "before_cursor_execute", count)
        assert active == len(result)
        timed: list[tuple[str, Callable[[], Any]]] = [
            (
                f"portfolio(): {len(result)} active cycles, {len(statements)} SQL statement(s)",
                lambda: portfolio(session, now=NOW),
            ),
            (
                "portfolio(overdue_only=True)",
                lambda: portfolio(session, now=NOW, overdue_only=True),
            ),
            ("cycle_state() of one cycle", lambda: cycle_state(session, sample_id, now=NOW)),
            (
                "minutes: render + store HTML and Markdown",
                lambda: build_minutes(session, sample_id, 1, locale="fr", data_dir=out, now=NOW),
            ),
            (
                "safety plan (+ annexed minutes): render + store",
                lambda: build_safety_plan(session, sample_id, locale="fr", data_dir=out, now=NOW),
            ),
            (
                "invitation: HTML + text + .ics",
                lambda: build_invitation(session, sample_id, 1, locale="fr", data_dir=out, now=NOW),
            ),
        ]
        for what, work in timed:
            rows.append((backend, what, f"{median_ms(work):.1f} ms"))
        session.rollback()
    return rows


def main() -> None:
    table: list[tuple[str, str, str]] = []
    for backend, url, cleanup in database_urls():
        try:
            table += measure(backend, url)
        finally:
            db.engine_for(url).dispose()
            cleanup()
    width = max(len(what) for _b, what, _t in table)
    print(f"{'backend':<11} {'what':<{width}} {'time':>10}")
    print(f"{'-' * 11} {'-' * width} {'-' * 10}")
    for backend, what, timing in table:
        print(f"{backend:<11} {what:<{width}} {timing:>10}")


if __name__ == "__main__":
    main()
