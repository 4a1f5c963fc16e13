"""The manager's view as tasks of the flows: the cycle's progress and state, and the portfolio.

What is published, and how, is services/views.py; these only give it a task run in the flow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import task

from services import views
from tasks.options import DB_TASK


@task(name="refresh-cycle-view", **DB_TASK)
def refresh_cycle_view(cycle_id: int, language: str = "fr") -> dict[str, Any]:
    """Progress (stages done / total) and current state of one cycle; call at every stage change."""
    return views.publish_cycle_view(cycle_id, language)


@task(name="refresh-portfolio", **DB_TASK)
def refresh_portfolio(now: datetime | None = None, language: str = "fr") -> int:
    """The `debates-portfolio` table of every active cycle; how many there are."""
    return views.publish_portfolio(now, language)
