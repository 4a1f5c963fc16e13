"""`cycle-admin`: what `debates pause`, `resume` and `extend` do, for managers who only use the
Prefect UI. The deployment's Run form is the request's schema (models/cycle/admin.py): a request
that does not hold together fails the run before anything is written, naming the field."""

from __future__ import annotations

from typing import Any

from prefect import flow

from models.cycle.admin import CycleAdminRequest
from tasks.admin import administer_cycles
from tasks.artifacts import refresh_portfolio


@flow(name="cycle-admin", persist_result=False)
def cycle_admin(request: CycleAdminRequest) -> dict[str, Any]:
    """Pause, resume or extend a cycle (or pause / resume a region's); the cycles changed and what
    moved, also published as the run's `cycle-admin` artifact.

    Args:
        request: Quoi, pour quel cycle ou quelle région, et pourquoi / what, for which cycle or
            region, and why.
    """
    report = administer_cycles(request)  # also republishes the cycles' state and history
    refresh_portfolio()
    return report
