"""The cycles' views published again after a change made beside their flow runs (pause, resume,
extend, amend).

A suspended run refreshes its cycle's state and history artifacts only when it moves on, which a
paused cycle does not do for weeks: without this the Prefect UI would show neither the pause nor the
correction. Nothing is published when no Prefect server answers where the commands look for it
(`orchestrator.server.answering_server`): the database has the change, and the runs' next refresh
shows it. Prefect's client is only used once a server answers, so these commands still work
without one.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.settings import get_settings
from orchestrator.server import answering_server


def refresh_cycle_views(cycle_ids: Sequence[int], language: str = "fr") -> bool:
    """Publish the cycles' views in one task run; whether a server answered and they were."""
    if not cycle_ids or answering_server(get_settings().data_dir) is None:
        return False
    publish_views(cycle_ids, language)
    return True


def publish_views(cycle_ids: Sequence[int], language: str = "fr") -> None:
    """Publish the cycles' views in one task run, to the server `answering_server` found."""
    from orchestrator.artifacts import within_a_run
    from services.views import publish_cycle_views

    within_a_run("refresh-cycle-views", publish_cycle_views, list(cycle_ids), language)
