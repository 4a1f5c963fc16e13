"""What reconcile repaired, one line per repair, grouped by kind (`debates reconcile`, `up`, `serve`,
and a `submit` that found its run stale)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cli.common import console

if TYPE_CHECKING:
    from services.reconcile import Repairs, Restarted


def _line(text: str) -> None:
    # One repair, one line, also in a log file or a pipe (no wrapping at 80 columns).
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def show_repairs(repairs: Repairs) -> int:
    """Print each repair under its kind; how many there were."""
    if not len(repairs):
        console.print("Nothing to repair. Every active cycle has a live flow run.")
        return 0
    if repairs.matched:
        from models.settings import get_settings
        from notifications.phrases import worded

        locale = get_settings().locale
        _line(f"Teams for cycles never matched ({len(repairs.matched)}):")
        for team in repairs.matched:
            who = (
                f"{team['lead']} (lead), {team['co']} (co)"
                if team["lead"] and team["co"]
                else f"nobody fits: {worded(team['unassigned_reason'], locale)}; "
                "the coordinators are told"
            )
            _line(f"  Cycle {team['cycle_id']} ({team['cycle']}): {who}")
    if repairs.stopped:
        _line(f"Flow runs of cancelled cycles stopped ({len(repairs.stopped)}):")
        for stopped in repairs.stopped:
            run = stopped.closed.run
            _line(
                f"  Cycle {run.cycle_id} ({run.commune}): its flow run was {stopped.was}, "
                "now Cancelled"
            )
    show_restarted(repairs.restarted)
    return len(repairs)


def show_restarted(restarted: list[Restarted]) -> None:
    if not restarted:
        return
    from orchestrator.runs import ui_url

    _line(f"Flow runs started again ({len(restarted)}):")
    for r in restarted:
        new = ui_url(r.new_flow_run_id) or "—"
        _line(f"  Cycle {r.run.cycle_id} ({r.run.commune}): {r.why}; new flow run {new}")
