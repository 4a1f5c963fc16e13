"""Record what people did for a step, then resume the cycle's waiting flow run.

The database is the record: the step is recorded first, in one transaction; then the run is
resumed; when the Prefect server is not answering, the run catches up at the next reconcile (which
replaces a run suspended on a finished step). Minutes reach Prefect in the shape of its form, their
sensitive grievances counted: their text stays in the domain database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from models.clock import utcnow
from models.cycle.cycle import get_cycle
from models.cycle.stepflow import Recorded, apply_submission
from models.db import session_scope
from models.errors import InvalidInput, refused_by_database
from models.settings import get_settings
from models.stages.minutes import MinutesSubmission
from models.stages.minutes_form import as_form
from orchestrator.runs import STALE, resume_cycle_run, waits_on
from orchestrator.server import connect
from services.reconcile import Restarted, restart_lost_runs


@dataclass(frozen=True)
class Submitted:
    created: bool
    """False when the step was recorded already: nothing changed in the database (the run is
    resumed when it still waits on the step)."""
    summary: str
    resumed: str | None = None
    """What happened to the flow run, in a sentence (None when nothing was recorded)."""
    restarted: list[Restarted] | None = None
    """Runs restarted because the cycle's run slept on an earlier step."""


def submit(
    cycle_id: int,
    step: str,
    submission: Any,
    *,
    who: str,
    also: Callable[[Session, Recorded], None] | None = None,
) -> Submitted:
    """Record `submission` (already parsed by the step's schema) and resume the waiting run.
    `also` writes beside the record, in its transaction (a field import's version mark)."""
    try:
        with session_scope() as session:
            recorded = apply_submission(
                session, cycle_id, step, submission, actor=who, now=utcnow()
            )
            if also is not None:
                also(session, recorded)
            flow_run_id = get_cycle(session, cycle_id).flow_run_id
    except (DataError, IntegrityError) as exc:  # what the schemas let through; nothing changed
        raise InvalidInput(refused_by_database(exc)) from exc
    if isinstance(submission, MinutesSubmission):  # recorded in full above; Prefect gets no secret
        submission = as_form(submission)
    connect(
        get_settings().data_dir
    )  # recorded either way: the run catches up when a server is back
    run_input = submission.model_dump(mode="json")
    if not recorded.created:
        # Recorded by an earlier submit whose resume failed: the run still waits on the step.
        if not waits_on(flow_run_id, step):
            return Submitted(False, recorded.summary)
        return Submitted(False, recorded.summary, resume_cycle_run(flow_run_id, step, run_input))
    outcome = resume_cycle_run(flow_run_id, step, run_input)
    restarted = restart_lost_runs(who=who) if outcome == STALE else None
    return Submitted(True, recorded.summary, outcome, restarted)
