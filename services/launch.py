"""Launching cycles: record them, match their facilitator teams at once, start their flow runs.

`launch` is the whole use case (`debates launch`, the demo); the launch-cycles flow runs the same
three steps as tasks. Each step is its own transaction, so an interruption between them (a crash,
a database error, a Prefect server gone) leaves cycles that `debates reconcile` completes: a cycle
never matched gets its team, a cycle without a run gets one (services/reconcile.py). Recorded
cycles are not launched twice (one active cycle per commune), and a flow run's idempotency key makes
creating it again return it. With no Prefect server (or no deployment) the cycles are recorded and
matched, and their runs start at the next reconcile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models.clock import BAMAKO, utcnow
from models.cycle.cycle import lock_cycles
from models.cycle.launch import (
    CycleRun,
    LaunchReport,
    LaunchRequest,
    launch_cycles_for,
    select_areas,
    set_flow_run,
)
from models.db import session_scope
from models.errors import DomainError
from models.matching.assignment import never_matched
from models.matching.team import assign_cycles
from models.policy import current_policy
from orchestrator import runs as prefect_runs
from orchestrator.artifacts import within_a_run
from services.views import publish_portfolio


def record_launches(request: LaunchRequest, *, who: str) -> LaunchReport:
    """Record a cycle for each commune of the request (or its cercle's intercommunal cycle) that has
    none active (one transaction)."""
    policy = current_policy().cycle
    with session_scope() as session:
        return launch_cycles_for(
            session,
            select_areas(session, request),
            start_on=request.start_on or utcnow().astimezone(BAMAKO).date(),
            policy=policy,
            actor=who,
            now=utcnow(),
            funder=request.funder,
        )


def assign_teams(cycle_ids: list[int], *, who: str) -> list[dict[str, Any]]:
    """One optimal matching over every cycle of a launch (a region, all of Mali); one transaction.

    A launch and a reconcile (`debates up`'s at start, the hourly sweep's) may come to the same new
    cycles at once: the cycles' rows are locked (SQLite: the write lock every write session takes)
    and only those still never matched are matched, so a cycle gets one team. The others are left
    out of the result."""
    if not cycle_ids:
        return []
    policy = current_policy().matching
    with session_scope() as session:
        lock_cycles(session, cycle_ids)
        unmatched = set(never_matched(session, among=cycle_ids))
        cycle_ids = [i for i in cycle_ids if i in unmatched]
        if not cycle_ids:
            return []
        results = assign_cycles(session, cycle_ids, policy=policy, now=utcnow(), actor=who)
        return [r.as_data() for r in results]


def start_runs(
    runs: list[CycleRun],
    *,
    reason: str,
    who: str,
    progress: Callable[[], None] | None = None,
) -> dict[int, str]:
    """Create the flow runs and store each flow run id on its cycle; after a launch, publish the
    portfolio.

    Every launch passes here (the launch-cycles flow, `debates launch`, `debates demo`), so the
    `debates-portfolio` artifact shows new cycles at once rather than at the next hourly sweep. A
    reconcile only replaces runs, which the portfolio does not show: it publishes nothing.
    """
    if not runs:
        return {}
    created = prefect_runs.create_cycle_runs(runs, reason=reason, progress=progress)
    replaced = [
        r.flow_run_id for r in runs if r.flow_run_id and r.flow_run_id != created.get(r.cycle_id)
    ]
    if replaced:
        prefect_runs.cancel_runs(replaced)
    with session_scope() as session:
        lock_cycles(session, list(created))
        for cycle_id, flow_run_id in created.items():
            set_flow_run(session, cycle_id, flow_run_id, actor=who, now=utcnow())
    if reason == "launch":
        within_a_run("refresh-portfolio", publish_portfolio)
    return created


class LaunchIncomplete(DomainError):
    """The cycles are recorded, but matching them or starting their runs failed: reconcile
    completes them."""


@dataclass(frozen=True)
class Launched:
    report: LaunchReport
    teams: dict[int, dict[str, Any]]
    """{cycle id: the team (lead, co, score …) or why nobody fits}"""
    runs: dict[int, str]
    """{cycle id: flow run id}"""
    runs_later: str | None = None
    """Why the flow runs were not started (no Prefect server answers …): reconcile starts them."""


def launch(
    request: LaunchRequest,
    *,
    who: str,
    matching: Callable[[int], None] | None = None,
    progress: Callable[[], None] | None = None,
) -> Launched:
    """Record the cycles, match their teams in one optimal matching, start their flow runs.

    `matching(n)` is told before the matching starts (it can take seconds), `progress()` after
    each flow run is created.
    """
    report = record_launches(request, who=who)
    if not report.launched:
        return Launched(report, {}, {})
    part = "matching their facilitators"
    try:
        if matching is not None:
            matching(len(report.launched))
        cycle_ids = [r.cycle_id for r in report.launched]
        teams = {t["cycle_id"]: t for t in assign_teams(cycle_ids, who=who)}
        part = "starting their flow runs"
        if (why := prefect_runs.cannot_start_runs()) is not None:
            return Launched(report, teams, {}, why)
        runs = start_runs(report.launched, reason="launch", who=who, progress=progress)
    except Exception as exc:  # not swallowed: said in one line, the cause chained for --debug
        ids = [str(r.cycle_id) for r in report.launched]
        named = ", ".join(ids) if len(ids) <= 5 else f"{ids[0]} … {ids[-1]}"
        cause = (str(exc).splitlines() or [""])[0]
        raise LaunchIncomplete(
            f"{len(ids)} cycle(s) recorded (id {named}), but {part} failed "
            f"({type(exc).__name__}: {cause}); 'debates reconcile' completes them "
            "('debates up' runs it at start, and the hourly sweep)"
        ) from exc
    return Launched(report, teams, runs)
