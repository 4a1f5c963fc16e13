"""Cancel a cycle for good: its open steps are cancelled in the database, then its flow run.

With no Prefect server answering, the cycle is cancelled all the same (the database is the record)
and its run is left to reconcile, which cancels a closed cycle's live run once a server answers."""

from __future__ import annotations

from dataclasses import dataclass

from models.clock import utcnow
from models.cycle.cycle import get_cycle
from models.cycle.stepflow import cancel_cycle
from models.db import session_scope
from models.settings import get_settings
from orchestrator.runs import CATCH_UP, cancel_runs, server_answers
from orchestrator.server import connect


@dataclass(frozen=True)
class Cancelled:
    changed: bool
    """False when the cycle was not active: nothing changed."""
    run_note: str | None = None
    """What happened to its flow run; None when it had none."""
    run_cancelled: bool = False


def cancel(cycle_id: int, reason: str, *, who: str) -> Cancelled:
    with session_scope() as session:
        changed = cancel_cycle(session, cycle_id, reason, actor=who, now=utcnow())
        flow_run_id = get_cycle(session, cycle_id).flow_run_id
    if not changed:
        return Cancelled(False)
    if not flow_run_id:
        return Cancelled(True)
    api_url = connect(get_settings().data_dir)
    if not server_answers():
        return Cancelled(
            True,
            f"Its flow run is not cancelled yet: no Prefect server answers at {api_url}; "
            f"{CATCH_UP}.",
        )
    cancel_runs([flow_run_id])
    return Cancelled(True, "Its flow run is cancelled.", run_cancelled=True)
