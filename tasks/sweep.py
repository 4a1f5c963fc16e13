"""Tasks of the reminder sweep: each opens its own transactions through notifications.sweep.

No task receives or returns an Apprise URL: the claim task returns ledger ids, the send task loads
the channels from the database itself. Sending is one task for the whole sweep, with bounded
asyncio concurrency inside it (a Prefect task per message would cost ~12 ms each).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from prefect import get_run_logger, task
from prefect.events import emit_event

from models.policy import ReminderPolicy, current_policy
from notifications.deliveries import deliver_claimed
from notifications.sweep import (
    claim_due,
    flag_overdue_steps,
    new_sweep_id,
    overdue_rows,
    preview,
)
from orchestrator.artifacts import publish_table
from orchestrator.runs import ui_base
from tasks.options import DB_TASK, actor

OVERDUE_EVENT = "debates.step.overdue"
OVERDUE_ARTIFACT = "overdue-steps"


def reminder_policy() -> ReminderPolicy:
    return current_policy().reminders


@task(name="flag-overdue-steps", **DB_TASK)
def flag_overdue(now: datetime) -> list[dict[str, Any]]:
    """Flag steps whose due date passed (each once); return them for the events."""
    flagged = flag_overdue_steps(now, actor=actor("reminder-sweep"))
    get_run_logger().info("%d steps newly overdue", len(flagged))
    return [asdict(step) for step in flagged]


@task(name="announce-overdue-steps", **DB_TASK)
def announce_overdue(flagged: list[dict[str, Any]]) -> int:
    """One `debates.step.overdue` event per newly overdue step: the step is the resource, its
    cycle and commune are related resources, so an Automation can match any of them."""
    for step in flagged:
        emit_event(
            event=OVERDUE_EVENT,
            resource={
                "prefect.resource.id": f"debates.step.{step['step_id']}",
                "prefect.resource.name": f"{step['area_name']} — {step['step_name']}",
                "debates.region": step["region"],
            },
            related=[
                {
                    "prefect.resource.id": f"debates.cycle.{step['cycle_id']}",
                    "prefect.resource.role": "cycle",
                },
                {
                    "prefect.resource.id": f"debates.commune.{step['area_pcode']}",
                    "prefect.resource.role": "commune",
                    "prefect.resource.name": step["area_name"],
                },
            ],
            payload={"due_at": step["due_at"].isoformat(), "step": step["step_name"]},
        )
    return len(flagged)


@task(name="claim-due-notifications", **DB_TASK)
def claim_notifications(now: datetime, sweep_id: str) -> dict[str, Any]:
    report = claim_due(now, reminder_policy(), sweep_id)
    get_run_logger().info(
        "claimed %d new and %d retried notifications; %d cancelled; %d wait for quiet hours "
        "to end; %d recipients without a channel",
        report.new,
        report.retried,
        report.cancelled,
        report.deferred_quiet,
        report.without_channel,
    )
    return asdict(report)


@task(name="send-notifications", **DB_TASK)
def send_notifications(ids: list[int], now: datetime, sweep_id: str) -> dict[str, Any]:
    """Send every claimed notification from this one task; failures are recorded, not raised."""
    report = deliver_claimed(
        ids, now=now, policy=reminder_policy(), ui_url=ui_base(), sweep_id=sweep_id
    )
    logger = get_run_logger()
    logger.info(
        "sent %d, failed %d (gave up on %d; %d 'could not reach' notices), cancelled %d",
        report.sent,
        report.failed,
        report.gave_up,
        report.unreachable_reported,
        report.cancelled,
    )
    for error in report.errors[:20]:  # errors are redacted: no URL, no token
        logger.warning("not delivered: %s", error)
    return asdict(report)


@task(name="publish-overdue-table", **DB_TASK)
def publish_overdue_table(now: datetime) -> int:
    rows = overdue_rows(now)
    regions: dict[str, int] = {}
    for row in rows:
        regions[str(row["region"])] = regions.get(str(row["region"]), 0) + 1
    summary = ", ".join(f"{name}: {count}" for name, count in regions.items()) or "none"
    publish_table(
        OVERDUE_ARTIFACT,
        rows,
        description=f"Overdue steps by region (étapes en retard par région) — {summary}",
    )
    return len(rows)


@task(name="preview-notifications", **DB_TASK)
def preview_notifications(now: datetime) -> list[dict[str, str]]:
    _plan, rows = preview(now, reminder_policy())
    return rows


__all__ = [
    "OVERDUE_ARTIFACT",
    "OVERDUE_EVENT",
    "announce_overdue",
    "claim_notifications",
    "flag_overdue",
    "new_sweep_id",
    "preview_notifications",
    "publish_overdue_table",
    "send_notifications",
]
