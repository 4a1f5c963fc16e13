"""Assign a facilitator team to a cycle, or to a batch of cycles (the rules live in models/)."""

from __future__ import annotations

from typing import Any

from prefect import task

from models.clock import utcnow
from models.db import session_scope
from models.matching.team import assign_cycle
from models.policy import current_policy
from services.launch import assign_teams
from tasks.options import DB_TASK, actor


@task(name="assign-facilitators", **DB_TASK)
def assign_facilitators(cycle_id: int) -> dict[str, Any]:
    policy = current_policy().matching
    with session_scope() as session:
        result = assign_cycle(session, cycle_id, policy=policy, now=utcnow(), actor=actor("flow"))
        return result.as_data()


@task(name="assign-facilitators-batch", **DB_TASK)
def assign_facilitators_batch(cycle_ids: list[int]) -> list[dict[str, Any]]:
    return assign_teams(cycle_ids, who=actor("flow"))
