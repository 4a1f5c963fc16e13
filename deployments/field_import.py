"""The field-import deployment: hourly, at half past, Africa/Bamako time (the reminder sweep has
the hour), and runnable from its form in the Prefect UI; served with the others."""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from deployments.build import built
from flows.field_import import field_import

FIELD_IMPORT_CRON = "30 * * * *"
FIELD_IMPORT_TIMEZONE = "Africa/Bamako"


def field_import_deployment(cron: str = FIELD_IMPORT_CRON) -> RunnerDeployment:
    return built(
        field_import.to_deployment(
            name="field-import",
            description="Importer les formulaires de terrain (KoboToolbox) / import the field "
            "forms' submissions",
            schedules=[Cron(cron, timezone=FIELD_IMPORT_TIMEZONE)],
            tags=["debates", "field-forms"],
        )
    )
