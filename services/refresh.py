"""The cycles' views published again after a change made beside their flow runs (pause, resume,
extend, amend).

A suspended run refreshes its cycle's state and history artifacts only when it moves on, which a
paused cycle does not do for weeks: without this the Prefect UI would show neither the pause nor the
correction. Nothing is published when no Prefect server is known (PREFECT_API_URL, a Prefect
profile, or the address `debates up` recorded; the default address is not guessed) or none answers:
the database has the change, and the runs' next refresh shows it. Prefect's client is only used
once a server answers, so these commands still work without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models.settings import get_settings
from orchestrator.server import answers, configured_api_url, connect, recorded_api_url


def refresh_cycle_views(cycle_ids: Sequence[int], language: str = "fr") -> bool:
    """Publish the cycles' views in one task run; whether a server answered and they were."""
    data_dir = get_settings().data_dir
    if not cycle_ids or not _answering(data_dir):
        return False
    connect(data_dir)  # the recorded address, applied to Prefect's client
    from orchestrator.artifacts import within_a_run
    from services.views import publish_cycle_views

    within_a_run("refresh-cycle-views", publish_cycle_views, list(cycle_ids), language)
    return True


def _answering(data_dir: Path) -> bool:
    api_url = configured_api_url() or recorded_api_url(data_dir)
    return api_url is not None and answers(api_url)
