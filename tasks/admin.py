"""The `cycle-admin` flow's task: a manager's pause, resume or extension, done by services/admin.py."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.runtime import flow_run

from models.cycle.admin import CycleAdminRequest
from services import admin
from tasks.options import DB_TASK


@task(name="administer-cycles", **DB_TASK)
def administer_cycles(request: CycleAdminRequest) -> dict[str, Any]:
    """Pause, resume or extend, in one transaction; publish the `cycle-admin` artifact; what changed.

    The audit trail records the change as made through the Prefect UI by this flow run
    (`prefect-ui:<flow run name>`), which `debates history` shows as such.
    """
    return admin.administer(request, who=f"prefect-ui:{flow_run.name}").as_data()
