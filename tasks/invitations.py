"""The task that sends a cycle's session invitations from the cycle flow, without waiting for the
hourly sweep. No Apprise URL goes in or out: it takes the cycle id and returns counts."""

from __future__ import annotations

from datetime import datetime

from prefect import get_run_logger, task

from models.clock import utcnow
from notifications.deliveries import deliver_claimed
from notifications.invitations import claim_invitations
from notifications.sweep import new_sweep_id
from orchestrator.runs import ui_base
from tasks.options import DB_TASK
from tasks.sweep import reminder_policy


@task(name="send-invitations", **DB_TASK)
def send_invitations(cycle_id: int, now: datetime | None = None) -> dict[str, int]:
    """Send the invitations (or cancellation notices) of cycle `cycle_id`'s sessions to come that
    nobody has sent yet: once per session revision and recipient channel (the notification ledger).
    A replay, or a second call, finds them in the ledger and sends nothing. A failed send is
    recorded, and retried by the sweep; SMS-type channels in quiet hours are left to the sweep."""
    moment = now or utcnow()
    policy = reminder_policy()
    sweep_id = new_sweep_id()
    claimed = claim_invitations(cycle_id, now=moment, policy=policy, sweep_id=sweep_id)
    report = deliver_claimed(
        claimed.ids, now=moment, policy=policy, ui_url=ui_base(), sweep_id=sweep_id
    )
    logger = get_run_logger()
    logger.info(
        "cycle %d invitations: sent %d, failed %d; %d superseded; %d wait for quiet hours to end",
        cycle_id,
        report.sent,
        report.failed,
        claimed.superseded,
        claimed.deferred_quiet,
    )
    for error in report.errors[:20]:  # redacted: no URL, no token
        logger.warning("not delivered: %s", error)
    return {
        "sent": report.sent,
        "failed": report.failed,
        "superseded": claimed.superseded,
        "deferred_quiet": claimed.deferred_quiet,
        "without_channel": claimed.without_channel,
    }
