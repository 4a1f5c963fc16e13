"""The debate cycle: baseline study -> scheduling -> facilitation -> minutes -> handover -> follow-up.

One flow run carries one cycle for weeks. It asks the database which step waits, suspends until
people give that step's input (CLI or Prefect UI), hands the input to the stage's subflow, and
goes on to the next waiting step. A resumed or restarted run replays from the top: steps that are
done are not waited on again, because the database, not the run, knows where the cycle stands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows.waiting import wait_for_input
from models.cycle.stepflow import WaitingStep
from models.cycle.steps import HANDOVER, Stage
from models.settings import Workspace, use_workspace
from tasks.artifacts import refresh_cycle_view
from tasks.assignment import assign_facilitators
from tasks.cycle import cycle_status, open_step, record_step, sensitive_to_record
from tasks.documents import publish_documents, publish_missing_documents
from tasks.invitations import send_invitations

Problems = list[tuple[str, str]]
TASK_THREADS = 4
"""Cap on each flow run's task threads: the default pool grows without bound."""


@flow(name="baseline-study", flow_run_name="baseline-{cycle_id}")
def baseline_study(cycle_id: int, step: str, data: dict[str, Any], revision: int) -> Problems:
    """Record the study's findings: who must be at the table, in which language, on what."""
    return record_step(cycle_id, step, data, revision)


@flow(name="scheduling", flow_run_name="scheduling-{cycle_id}")
def scheduling(cycle_id: int, step: str, data: dict[str, Any], revision: int) -> Problems:
    """Record the debate sessions, then give each a facilitator."""
    problems = record_step(cycle_id, step, data, revision)
    if not problems:
        assign_facilitators(cycle_id)
    return problems


@flow(name="facilitation", flow_run_name="{step}-{cycle_id}")
def facilitation(cycle_id: int, step: str, data: dict[str, Any], revision: int) -> Problems:
    """A session held, postponed (later steps move) or cancelled (its minutes are skipped)."""
    return record_step(cycle_id, step, data, revision)


@flow(name="minutes", flow_run_name="{step}-{cycle_id}")
def minutes(cycle_id: int, step: str, data: dict[str, Any], revision: int) -> Problems:
    """Record a session's validated minutes: attendance counts, grievances, commitments; then say
    which sensitive grievances the form counted are still to record."""
    problems = record_step(cycle_id, step, data, revision)
    if not problems:
        sensitive_to_record(cycle_id)
    return problems


@flow(name="handover", flow_run_name="{step}-{cycle_id}")
def handover(cycle_id: int, step: str, data: dict[str, Any], revision: int) -> Problems:
    """Record the validated safety plan, then its handover to the mayor (which starts the
    follow-up: every action and commitment tracked, the monitoring visits planned)."""
    return record_step(cycle_id, step, data, revision)


@flow(name="follow-up", flow_run_name="{step}-{cycle_id}")
def follow_up(cycle_id: int, step: str, data: dict[str, Any], revision: int) -> Problems:
    """A monitoring visit: the items' progress, incidents, risk and trust (the last visit, or
    every item done or dropped, completes the cycle)."""
    return record_step(cycle_id, step, data, revision)


STAGES: dict[Stage, Callable[..., Problems]] = {
    Stage.BASELINE: baseline_study,
    Stage.SCHEDULING: scheduling,
    Stage.FACILITATION: facilitation,
    Stage.MINUTES: minutes,
    Stage.HANDOVER: handover,
    Stage.FOLLOW_UP: follow_up,
}


def catch_up(cycle_id: int, step: WaitingStep) -> WaitingStep:
    """Work due once the steps before `step` are recorded, also when they were recorded from the
    CLI (which runs no stage subflow): the documents of the step just finished, facilitators for a
    session, and the invitations of sessions just scheduled, postponed or cancelled (a cycle with
    no session yet has none to send). All are no-ops when done already."""
    if step.previous is not None:
        publish_documents(cycle_id, step.previous)
        publish_missing_documents(cycle_id)  # earlier steps recorded together, run away
    if step.owner_role == "facilitator" and step.facilitator is None:
        assign_facilitators(cycle_id)
        step = open_step(cycle_id) or step
    if step.has_sessions:
        send_invitations(cycle_id)
    return step


@flow(
    name="debate-cycle",
    task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS),  # type: ignore[arg-type]
    persist_result=False,
)
def debate_cycle(cycle_id: int, workspace: Workspace = "main") -> str:
    """Carry cycle `cycle_id` through its steps, waiting on people at each; its final status.

    Args:
        cycle_id: Numéro du cycle (debates cycles) / the cycle's id, as `debates cycles` lists it.
        workspace: Base de données: « main » (le vrai travail) ou « demo » (debates demo) /
            the domain database: main (real work) or demo (`debates demo`'s fictional cycles).
    """
    use_workspace(workspace)  # before any task: every session of this run opens its database
    attempt, last = 0, ("", -1)
    problems: Problems = []
    while (step := open_step(cycle_id)) is not None:
        step = catch_up(cycle_id, step)
        refresh_cycle_view(cycle_id)
        attempt = attempt + 1 if (step.name, step.revision) == last else 0
        last = (step.name, step.revision)
        attempt, data = wait_for_input(step, attempt, problems)
        problems = STAGES[Stage(step.stage)](cycle_id, step.name, data, step.revision)
    send_invitations(cycle_id)  # a cancelled last session closed the cycle: tell who was invited
    status = cycle_status(cycle_id)
    if status == "completed":
        publish_documents(cycle_id, str(HANDOVER))
        publish_missing_documents(cycle_id)
    refresh_cycle_view(cycle_id)
    return status
