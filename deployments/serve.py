"""The deployments, and serving them from one process (`debates serve`, `debates up`)."""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from deployments.build import built
from deployments.field_import import field_import_deployment
from deployments.report import report_deployment
from deployments.sweep import sweep_deployment
from flows.admin import cycle_admin
from flows.cycle import debate_cycle
from flows.launch import launch_cycles

SERVE_LIMIT = 8
"""Flow runs the serving process executes at once; each is a Python process (~2 s of imports)."""


def deployments() -> list[RunnerDeployment]:
    return [
        built(
            debate_cycle.to_deployment(
                name="debate-cycle",
                description="Un cycle de débats pour une commune / one debate cycle of a commune",
                tags=["debates"],
            )
        ),
        built(
            launch_cycles.to_deployment(
                name="launch-cycles",
                description="Lancer des cycles (communes, cercle ou région) / launch cycles",
                tags=["debates"],
            )
        ),
        sweep_deployment(),
        field_import_deployment(),
        built(
            cycle_admin.to_deployment(
                name="cycle-admin",
                description="Mettre en pause, reprendre, prolonger des cycles / pause, resume, "
                "extend cycles",
                tags=["debates"],
            )
        ),
        report_deployment(),
    ]


def apply_deployments() -> None:
    """Register the deployments on the server (so runs can be created before serving starts)."""
    for deployment in deployments():
        deployment.apply()


def serve_deployments(limit: int = SERVE_LIMIT) -> None:
    """Serve until interrupted.

    `pause_on_shutdown=False`: a paused deployment would leave resumed cycles waiting for nobody
    after a restart; stopping the process is not a decision to stop the cycles.
    """
    serve(*deployments(), limit=limit, pause_on_shutdown=False, print_starting_message=False)
