"""The programme report's deployment: weekly on Monday at 07:00, Africa/Bamako time, for the
current quarter and all of Mali; any period, area or funder from its Run form. Served with the
others by deployments/serve.py."""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from deployments.build import built
from deployments.sweep import SWEEP_TIMEZONE
from flows.report import programme_report

REPORT_CRON = "0 7 * * 1"


def report_deployment() -> RunnerDeployment:
    return built(
        programme_report.to_deployment(
            name="programme-report",
            description="Résultats du programme (AMM, bailleurs) / programme results report",
            schedules=[Cron(REPORT_CRON, timezone=SWEEP_TIMEZONE)],
            tags=["debates", "reports"],
        )
    )
