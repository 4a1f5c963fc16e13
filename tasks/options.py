"""One task policy for the project: the database is the record, never Prefect's result cache.

A resumed flow run replays from the top within the same flow run id; with Prefect's default cache
policy (inputs + source + run id) a replayed task would return its old result instead of reading
where the cycle stands now. So tasks do not cache and do not persist results.

Every database task is idempotent, so it may simply run again when the database says "try again":
SQLite answers "database is locked" at once when a transaction that has read must write after
another writer committed (many flow runs at once do this), PostgreSQL can refuse a serialisation.
"""

from __future__ import annotations

from typing import Any

from prefect.cache_policies import NO_CACHE

from models.settings import get_settings

RETRYABLE = ("database is locked", "could not serialize", "deadlock detected")


def _database_busy(task: Any, task_run: Any, state: Any) -> bool:
    return any(sign in (state.message or "") for sign in RETRYABLE)


DB_TASK: dict[str, Any] = {
    "cache_policy": NO_CACHE,
    "persist_result": False,
    "retries": 5,
    "retry_delay_seconds": [1, 2, 4, 8, 16],
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": _database_busy,
}
"""Options of a task that reads or writes the domain database."""

DISK_FULL = ("No space left on device", "Disk quota exceeded")


def _busy_or_disk_full(task: Any, task_run: Any, state: Any) -> bool:
    return _database_busy(task, task_run, state) or any(
        sign in (state.message or "") for sign in DISK_FULL
    )


DOCUMENT_TASK: dict[str, Any] = DB_TASK | {
    "retries": 6,
    "retry_delay_seconds": [1, 2, 4, 8, 16, 32],
    "retry_condition_fn": _busy_or_disk_full,
}
"""Options of a task that writes documents to the data folder: a full disk is tried again for a
minute (a document is written whole or not at all, and recorded in the same transaction); still
full, the task fails, and the run that reconcile starts writes the document again."""


def actor(default: str = "prefect") -> str:
    """Who the audit trail records for work a flow run does on its own."""
    return f"{default}:{get_settings().resolved_actor()}"
