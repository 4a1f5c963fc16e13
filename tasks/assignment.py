"""Assign facilitators to a cycle's sessions (the rule lives in models/)."""

from __future__ import annotations

from prefect import task

from models.assignment import Assignment
from models.assignment import assign_facilitators as assign
from models.clock import utcnow
from models.db import session_scope
from tasks.options import DB_TASK, actor


@task(name="assign-facilitators", **DB_TASK)
def assign_facilitators(cycle_id: int) -> list[Assignment]:
    with session_scope() as session:
        return assign(session, cycle_id, actor=actor("flow"), now=utcnow())
