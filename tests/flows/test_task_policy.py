"""The project's task policy: no result cache, and retries only when the database says try again."""

from __future__ import annotations

from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from tasks.assignment import assign_facilitators
from tasks.cycle import open_step, record_step
from tasks.options import DB_TASK


def test_database_tasks_never_answer_from_the_result_cache() -> None:
    for task in (open_step, record_step, assign_facilitators):
        assert task.cache_policy is NO_CACHE
        assert task.retries == 5


def test_a_locked_database_is_retried_and_a_bug_is_not() -> None:
    busy = DB_TASK["retry_condition_fn"]
    locked = Failed(message="OperationalError: (sqlite3.OperationalError) database is locked")
    bug = Failed(message="KeyError: 'schedule'")
    assert busy(open_step, None, locked)
    assert not busy(open_step, None, bug)
