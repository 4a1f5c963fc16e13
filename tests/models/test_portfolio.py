"""The portfolio: every active cycle by region and cercle with its waiting step, in one query."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.status import close_cycle, set_step_status
from models.cycle.transitions import CycleStatus, StepStatus
from models.errors import UnknownPlace
from models.geography.places import resolve_commune
from models.policy import CyclePolicy
from models.views.cycle_state import cycle_state
from models.views.portfolio import overdue_days, portfolio

LATE_START = date(2026, 3, 2)  # baseline due 2026-03-23 18:00 Bamako
NOW = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)


def launch(session: Session, commune: str, start: date = LATE_START) -> Cycle:
    return launch_cycle(
        session,
        resolve_commune(session, commune),
        start_on=start,
        policy=CyclePolicy(),
        actor="coordinator",
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )


def finish(session: Session, cycle: Cycle, *names: str) -> None:
    for name in names:
        step = cycle.step(name)
        set_step_status(session, step, StepStatus.ACTIVE, actor="t", now=NOW)
        set_step_status(session, step, StepStatus.DONE, actor="t", now=NOW)
    session.flush()


@contextmanager
def counting_statements(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = session.get_bind()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_overdue_days_counts_whole_days_past_due_and_zero_before() -> None:
    due = datetime(2026, 3, 23, 18, 0, tzinfo=UTC)
    assert overdue_days(due, datetime(2026, 3, 23, 17, 0, tzinfo=UTC)) == 0
    assert overdue_days(due, datetime(2026, 3, 24, 17, 59, tzinfo=UTC)) == 0
    assert overdue_days(due, datetime(2026, 3, 26, 12, 0, tzinfo=UTC)) == 2
    assert overdue_days(None, NOW) == 0


def test_portfolio_lists_active_cycles_by_region_and_cercle_with_their_waiting_step(
    session: Session,
) -> None:
    dire = launch(session, "Diré")  # Tombouctou, baseline overdue
    ngara = launch(session, "ML040107", start=date(2026, 3, 20))  # Ségou, not yet due
    finish(session, ngara, "baseline")
    cancelled = launch(session, "Goundam")
    close_cycle(session, cancelled, CycleStatus.CANCELLED, actor="t", now=NOW, reason="test")
    session.flush()

    rows = portfolio(session, now=NOW)
    by_pcode = {row.area_pcode: row for row in rows}
    assert set(by_pcode) == {dire.area_pcode, ngara.area_pcode}
    assert [row.region for row in rows] == sorted(row.region for row in rows)

    late = by_pcode[dire.area_pcode]
    assert (late.region, late.cercle, late.area) == ("Tombouctou", "Dire", "Diré")
    assert (late.stage, late.waiting_step) == ("baseline", "baseline")
    assert late.next_due == datetime(2026, 3, 23, 18, 0, tzinfo=UTC)
    assert late.overdue_days == 2 and late.overdue
    assert (late.steps_done, late.steps_total) == (0, len(dire.steps))

    on_time = by_pcode[ngara.area_pcode]
    assert (on_time.area, on_time.stage, on_time.waiting_step) == (
        "N'gara",
        "scheduling",
        "schedule",
    )
    assert on_time.overdue_days == 0 and not on_time.overdue
    assert on_time.steps_done == 1


def test_portfolio_filters_by_region_name_and_by_overdue(session: Session) -> None:
    dire = launch(session, "Diré")
    launch(session, "ML040107", start=date(2026, 3, 20))
    session.flush()
    assert [r.cycle_id for r in portfolio(session, now=NOW, region="Tombouctou")] == [dire.id]
    assert [r.cycle_id for r in portfolio(session, now=NOW, region="ML06")] == [dire.id]
    assert [r.cycle_id for r in portfolio(session, now=NOW, overdue_only=True)] == [dire.id]
    with pytest.raises(UnknownPlace, match="Unknown region 'Atlantis'"):
        portfolio(session, now=NOW, region="Atlantis")


def test_portfolio_is_one_query_whatever_the_number_of_cycles(session: Session) -> None:
    for commune in ("Diré", "Goundam", "ML040107", "Tonka", "Bourem"):
        launch(session, commune)
    session.flush()
    session.expire_all()
    with counting_statements(session) as statements:
        rows = portfolio(session, now=NOW)
    assert len(rows) == 5
    assert len(statements) == 1, statements


def test_cycle_state_counts_stages_done_and_flags_overdue_steps(session: Session) -> None:
    cycle = launch(session, "Diré", start=date(2026, 2, 1))
    finish(session, cycle, "baseline")
    state = cycle_state(session, cycle.id, now=NOW)
    assert [(s.stage, s.done, s.current) for s in state.stages] == [
        ("baseline", True, False),
        ("scheduling", False, True),
        ("facilitation", False, False),
        ("minutes", False, False),
        ("handover", False, False),
        ("follow_up", False, False),
    ]
    assert state.stages_done == 1 and state.progress == 16.7
    assert state.waiting is not None and state.waiting.name == "schedule"
    assert state.waiting.overdue_days > 0
    assert next(s.name for s in state.overdue) == "schedule"
