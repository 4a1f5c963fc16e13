"""The reminder sweep's deployment: hourly, on the hour, Africa/Bamako time; served with the others
by deployments/serve.py (`debates up`, `debates serve`)."""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from deployments.build import built
from flows.reminder_sweep import reminder_sweep

SWEEP_CRON = "0 * * * *"
SWEEP_TIMEZONE = "Africa/Bamako"


def sweep_deployment(cron: str = SWEEP_CRON) -> RunnerDeployment:
    return built(
        reminder_sweep.to_deployment(
            name="reminder-sweep",
            description="Rappels, retards et escalades / reminders, overdue flags and escalation",
            schedules=[Cron(cron, timezone=SWEEP_TIMEZONE)],
            tags=["debates", "reminders"],
        )
    )
