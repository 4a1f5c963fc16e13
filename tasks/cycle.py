"""Tasks of the debate cycle: open the waiting step, record a step's input. Each is a replay no-op."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from sqlalchemy.exc import DataError, IntegrityError

from models.clock import utcnow
from models.cycle import stepflow
from models.cycle.cycle import get_cycle
from models.cycle.stepflow import StepNotWaiting, WaitingStep
from models.db import session_scope
from models.errors import InvalidInput, refused_by_database
from models.stages.minutes_form import to_record
from tasks.options import DB_TASK, actor


@task(name="open-step", **DB_TASK)
def open_step(cycle_id: int) -> WaitingStep | None:
    """The step the cycle waits on (made active), or None when the cycle is over."""
    with session_scope() as session:
        return stepflow.open_step(session, cycle_id, actor=actor("flow"), now=utcnow())


@task(name="record-step", **DB_TASK)
def record_step(
    cycle_id: int, step: str, data: dict[str, Any], revision: int
) -> list[tuple[str, str]]:
    """Record a step's input once; the problems when it is refused (then nothing changed)."""
    try:
        with session_scope() as session:
            stepflow.apply_submission(
                session,
                cycle_id,
                step,
                data,
                actor=actor("prefect-ui"),
                now=utcnow(),
                revision=revision,
            )
    except InvalidInput as exc:
        return exc.problems or [("input", exc.headline)]
    except StepNotWaiting as exc:
        return [("step", str(exc))]
    except (DataError, IntegrityError) as exc:
        # Input the schemas let through but the database refused: shown on the form offered
        # again, never a failed run (the transaction rolled back: nothing changed).
        return [("input", refused_by_database(exc))]
    return []


@task(name="sensitive-to-record", **DB_TASK)
def sensitive_to_record(cycle_id: int) -> list[str]:
    """The cycle's sensitive grievances counted in the minutes' form whose text is still to record,
    by number, said in the run's log for whoever reads it (never their text: Prefect has none)."""
    with session_scope(readonly=True) as session:
        found = to_record(session, cycle_id)
    if found:
        get_run_logger().warning(
            "%d sensitive grievance(s) to record (%s): 'debates amend %d minutes-N --file … "
            "--reason …' or the field form",
            len(found),
            ", ".join(found),
            cycle_id,
        )
    return found


@task(name="cycle-status", **DB_TASK)
def cycle_status(cycle_id: int) -> str:
    with session_scope() as session:
        return get_cycle(session, cycle_id).status
