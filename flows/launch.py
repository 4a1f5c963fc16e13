"""Launch cycles for many communes: record them, staff them in one optimal matching, then start one
`debate-cycle` run for each."""

from __future__ import annotations

from typing import Any

from prefect import flow

from models.cycle.launch import LaunchRequest
from tasks.assignment import assign_facilitators_batch
from tasks.launch import record_launches, start_cycle_runs


@flow(name="launch-cycles", persist_result=False)
def launch_cycles(request: LaunchRequest) -> dict[str, Any]:
    """One cycle per commune of the request (or one intercommunal cycle for its cercle); an area
    with an active cycle is skipped, with why.

    Args:
        request: Où et quand lancer / where and when: communes, or a cercle (or its intercommunal
            cycle), or a region.
    """
    report = record_launches(request)
    teams = assign_facilitators_batch([r.cycle_id for r in report.launched])
    unassigned = {t["cycle_id"]: t["unassigned_reason"] for t in teams if t["unassigned_reason"]}
    runs = start_cycle_runs(report.launched)  # and publishes the portfolio
    return {
        "launched": [
            {
                "cycle_id": r.cycle_id,
                "commune": r.commune,
                "flow_run_id": runs.get(r.cycle_id),
                "unassigned_reason": unassigned.get(r.cycle_id),
            }
            for r in report.launched
        ],
        "skipped": [{"commune": c, "reason": why} for c, why in report.skipped],
    }
