"""The reminder sweep: flag what is overdue, tell the people concerned once, show managers the table.

Runs hourly (deployments/sweep.py, cron in Africa/Bamako) and from `debates sweep`. `now` lets tests
and demos move time; by default it is the clock at the start of the run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger

from models.clock import require_aware, utcnow
from tasks.artifacts import refresh_portfolio
from tasks.launch import reconcile_cycles
from tasks.sweep import (
    announce_overdue,
    claim_notifications,
    flag_overdue,
    new_sweep_id,
    preview_notifications,
    publish_overdue_table,
    send_notifications,
)


@flow(name="reminder-sweep", log_prints=False)
def reminder_sweep(
    now: datetime | None = None, dry_run: bool = False, reconcile_runs: bool = True
) -> dict[str, Any]:
    """Flag overdue steps, send due reminders and escalations exactly once, publish the tables,
    and reconcile: teams for cycles never matched, closed cycles' live runs cancelled, lost runs of
    active cycles started again.

    With dry_run, nothing is written or sent: the run returns what would go out.

    Args:
        now: Balayer comme à ce moment (ISO, avec fuseau) / sweep as if it were this moment;
            empty: now.
        dry_run: Montrer sans rien envoyer / show what would go out; write and send nothing.
        reconcile_runs: Réparer les cycles (équipes, runs perdus ou orphelins) / reconcile the
            cycles (teams, lost or orphaned runs).
    """
    moment = utcnow() if now is None else require_aware(now, field="now")
    if dry_run:
        return {"would_send": preview_notifications(moment)}
    sweep_id = new_sweep_id()
    flagged = flag_overdue(moment)
    announce_overdue(flagged)
    claimed = claim_notifications(moment, sweep_id)
    sent = send_notifications(claimed["ids"], moment, sweep_id)
    overdue = publish_overdue_table(moment)
    refresh_portfolio(moment)
    repaired: dict[str, int] = {}
    if reconcile_runs:
        # A failed repair must not stop reminders: its failure is logged, the sweep goes on.
        state = reconcile_cycles(return_state=True)
        if state.is_completed():
            repaired = state.result()
        else:
            get_run_logger().warning("could not reconcile the cycles: %s", state.message)
    return {
        "now": moment.isoformat(),
        "newly_overdue": len(flagged),
        "claimed": claimed["new"] + claimed["retried"],
        "sent": sent["sent"],
        "failed": sent["failed"],
        "unreachable_reported": sent["unreachable_reported"],
        "overdue": overdue,
        "repaired": repaired,
    }
