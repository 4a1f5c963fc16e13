"""One task policy for the project: the database is the record, never Prefect's result cache.

A resumed flow run replays from the top within the same flow run id; with Prefect's default cache
policy (inputs + source + run id) a replayed task would return its old result instead of reading
where the cycle stands now. So tasks do not cache and do not persist results.
"""

from __future__ import annotations

from typing import Any

from prefect.cache_policies import NO_CACHE

from models.settings import get_settings

DB_TASK: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}
"""Options of a task that reads or writes the domain database."""


def actor(default: str = "prefect") -> str:
    """Who the audit trail records for work a flow run does on its own."""
    return f"{default}:{get_settings().resolved_actor()}"
