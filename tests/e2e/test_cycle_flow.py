"""The debate cycle end to end on a real Prefect server and a real serving process.

Few long scenarios rather than many server starts: each resume is a real flow-run process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.client.schemas.objects import StateType
from prefect.flow_runs import resume_flow_run
from prefect.input import read_flow_run_input
from prefect.input.run_input import keyset_from_paused_state
from prefect.states import Cancelled
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.clock import utcnow
from models.cycle.cycle import Cycle, Step
from models.matching.assignment import TeamAssignment
from models.people.facilitator_file import import_facilitators
from models.stages.baseline import BaselineStudy
from models.stages.minutes import AttendanceCount, Commitment, Grievance, Minutes
from models.stages.safety_plan import PlanAction, SafetyPlan
from models.stages.sessions import DebateSession
from services.demo import FACILITATORS
from tests.e2e.conftest import (
    CliResult,
    Domain,
    Serving,
    forget_other_runs,
    held_by_prefect,
    make_domain,
    read_run,
    wait_for,
    wait_suspended,
)
from tests.flows import inputs

pytestmark = pytest.mark.prefect

START = date(2026, 3, 2)


def _write(tmp_path: Path, step: str) -> str:
    path = tmp_path / f"{step}.json"
    path.write_text(json.dumps(inputs.for_step(step, START)), encoding="utf-8")
    return str(path)


def _counts(domain: Domain, cycle_id: int) -> dict[str, int]:
    with domain.session() as s:

        def count(model: type, *where: object) -> int:
            return int(s.scalar(select(func.count()).select_from(model).where(*where)))

        minutes_ids = select(Minutes.id).where(Minutes.cycle_id == cycle_id)
        plan_ids = select(SafetyPlan.id).where(SafetyPlan.cycle_id == cycle_id)
        return {
            "baseline": count(BaselineStudy, BaselineStudy.cycle_id == cycle_id),
            "sessions": count(DebateSession, DebateSession.cycle_id == cycle_id),
            "minutes": count(Minutes, Minutes.cycle_id == cycle_id),
            "attendance": count(AttendanceCount, AttendanceCount.minutes_id.in_(minutes_ids)),
            "grievances": count(Grievance, Grievance.minutes_id.in_(minutes_ids)),
            "commitments": count(Commitment, Commitment.minutes_id.in_(minutes_ids)),
            "plans": count(SafetyPlan, SafetyPlan.cycle_id == cycle_id),
            "plan_actions": count(PlanAction, PlanAction.plan_id.in_(plan_ids)),
        }


def _cycle(domain: Domain, cycle_id: int) -> Cycle:
    with domain.session() as s:
        cycle = s.get(Cycle, cycle_id)
        assert cycle is not None
        s.expunge(cycle)
        return cycle


def _waiting(domain: Domain, cycle_id: int) -> str | None:
    with domain.session() as s:
        return s.scalar(
            select(Step.name)
            .where(Step.cycle_id == cycle_id, Step.status.in_(["pending", "active", "overdue"]))
            .order_by(Step.position)
            .limit(1)
        )


def _description(flow_run_id: str) -> str:
    state = read_run(flow_run_id).state
    assert state is not None
    keyset = keyset_from_paused_state(state)
    return str(
        read_flow_run_input(
            keyset["description"], flow_run_id=state.state_details.flow_run_id or flow_run_id
        )
    )


def test_cycle_goes_from_launch_through_handover_and_visits_via_cli_ui_restart_and_reconcile(
    prefect_api: str,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    serving: Callable[[Domain], Serving],
    debates: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    use_domain(domain)
    started = utcnow()
    server = serving(domain)

    launched = debates("launch", "--commune", "Diré", "--start", str(START))
    assert launched.code == 0, launched.err
    assert "ML060205" in launched.out
    with domain.session() as s:
        cycle = s.scalars(select(Cycle).where(Cycle.commune_pcode == "ML060205")).one()
        cycle_id, run_id = cycle.id, cycle.flow_run_id
    assert run_id is not None
    flow_run = wait_suspended(run_id, "baseline-", timeout=180)
    assert flow_run.name == "cycle-dire-1"
    assert {"ML06", "ML0602", "ML060205"} <= set(flow_run.tags)

    # A step that is not waiting is refused and names the waiting one.
    early = debates("submit", str(cycle_id), "schedule", "--file", _write(tmp_path, "schedule"))
    assert early.code == 1
    assert "waiting on step 'baseline'" in early.err

    # CLI path.
    done = debates("submit", str(cycle_id), "baseline", "--file", _write(tmp_path, "baseline"))
    assert done.code == 0, done.err
    assert "flow run resumed" in done.out
    wait_suspended(run_id, "schedule-0-0")

    # UI path with an invalid date: suspended again on the same step, the error shown.
    bad = inputs.schedule(START)
    bad["sessions"][0]["starts_at"] = "2026-02-30T09:00:00+00:00"
    resume_flow_run(run_id, run_input=bad)  # type: ignore[arg-type]
    wait_suspended(run_id, "schedule-0-1")
    assert "sessions.0.starts_at" in _description(run_id)
    assert _waiting(domain, cycle_id) == "schedule"
    assert _counts(domain, cycle_id)["sessions"] == 0

    # UI path with valid input.
    resume_flow_run(run_id, run_input=inputs.schedule(START))  # type: ignore[arg-type]
    wait_suspended(run_id, "session-1-0-")
    assert _counts(domain, cycle_id)["sessions"] == 2
    shown = json.loads(debates("show", str(cycle_id), "--json").out)
    assert shown["waiting_step"] == "session-1"
    assert len(shown["facilitators"]) == 1
    assert "fictif" in _description(run_id) or "fictive" in _description(run_id)

    # The serving process stops while the cycle is suspended, then starts again.
    server.stop()
    server.start()
    held = debates("submit", str(cycle_id), "session-1", "--set", "outcome=held")
    assert held.code == 0, held.err
    wait_suspended(run_id, "minutes-1-", timeout=120)

    # A flow run cancelled by hand is brought back by reconcile at the step it waited on.
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(run_id, Cancelled(), force=True)  # type: ignore[arg-type]
    reconciled = debates("reconcile")
    assert reconciled.code == 0, reconciled.err
    assert "flow run Cancelled" in reconciled.out
    new_run_id = _cycle(domain, cycle_id).flow_run_id
    assert new_run_id not in (None, run_id)
    assert new_run_id is not None
    wait_suspended(new_run_id, "minutes-1-", timeout=120)
    assert "Every active cycle has a live flow run" in debates("reconcile").out

    # The rest through the CLI; each resume replays the flow from the top.
    before = _counts(domain, cycle_id)
    for step, next_key in [
        ("minutes-1", "session-2-"),
        ("session-2", "minutes-2-"),
        ("minutes-2", "plan-"),
        ("plan", "handover-"),
    ]:
        result = debates("submit", str(cycle_id), step, "--file", _write(tmp_path, step))
        assert result.code == 0, result.err
        wait_suspended(new_run_id, next_key, timeout=120)
    # A sensitive grievance is recorded in full, and Prefect (run inputs, subflow parameters) never
    # holds its text: the CLI hands Prefect the minutes in its form's shape, the grievance counted.
    with domain.session() as s:
        summaries = set(s.scalars(select(Grievance.summary).where(Grievance.sensitive)))
    assert "Champs occupés" in summaries
    stored = held_by_prefect()
    assert '"sensitive_grievances": 1' in stored
    assert "Champs occupés" not in stored
    replayed = debates("submit", str(cycle_id), "plan", "--file", _write(tmp_path, "plan"))
    assert "nothing changed" in replayed.err
    handed = debates("submit", str(cycle_id), "handover", "--file", _write(tmp_path, "handover"))
    assert handed.code == 0, handed.err
    # The same run goes on into the follow-up: it waits on the first monitoring visit, whose
    # template lists the tracked items; visit-1 from the CLI, visit-2 as the UI's Resume does.
    wait_suspended(new_run_id, "visit-1-", timeout=120)
    assert _cycle(domain, cycle_id).status == "active"
    skeleton = debates("submit", str(cycle_id), "visit-1", "--template")
    assert "# 1. Baliser les couloirs" in skeleton.out and "now planned 0%" in skeleton.out
    first_visit = debates("submit", str(cycle_id), "visit-1", "--file", _write(tmp_path, "visit-1"))
    assert first_visit.code == 0, first_visit.err
    wait_suspended(new_run_id, "visit-2-", timeout=120)
    assert "Actions suivies / tracked items" in _description(new_run_id)
    resume_flow_run(new_run_id, run_input=inputs.for_step("visit-2", START))  # type: ignore[arg-type]
    final = wait_for(
        lambda: (r := read_run(new_run_id)).state and r.state.is_final() and r,
        timeout=120,
        what="the flow run to finish",
    )
    assert final.state.is_completed(), final.state
    # The cycle's runs on the server (the module's server also holds the other backend's): the
    # one cancelled by hand, and the one reconcile started, Completed. Nothing else was created
    # for it, so nothing was ever replaced or left Cancelled behind the manager's back.
    with get_client(sync_client=True) as client:
        mine = [
            r
            for r in client.read_flow_runs(
                flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=["cycle-dire-1"]))
            )
            if r.created is not None
            and r.created >= started
            and r.parameters.get("cycle_id") == cycle_id
        ]
    assert sorted((str(r.id), r.state_type) for r in mine) == sorted(
        [(run_id, StateType.CANCELLED), (new_run_id, StateType.COMPLETED)]
    )

    assert before["baseline"] == 1
    assert _counts(domain, cycle_id) == {
        "baseline": 1,
        "sessions": 2,
        "minutes": 2,
        "attendance": 4,
        "grievances": 2,
        "commitments": 2,
        "plans": 1,
        "plan_actions": 1,
    }
    cycle = _cycle(domain, cycle_id)
    assert cycle.status == "completed"
    with domain.session() as s:
        plan = s.scalars(select(SafetyPlan).where(SafetyPlan.cycle_id == cycle_id)).one()
        assert (plan.status, plan.received_by) == ("handed_over", "Le maire")
        actions = list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.cycle_id == cycle_id, ~AuditEvent.action.startswith("step."))
                .order_by(AuditEvent.id)
            )
        )
        steps_done = list(
            s.scalars(
                select(AuditEvent.entity_id)
                .where(AuditEvent.cycle_id == cycle_id, AuditEvent.action == "step.done")
                .order_by(AuditEvent.id)
            )
        )
    assert (
        actions
        == [
            "cycle.launched",
            "team.assigned",  # at launch: a lead and a co-facilitator (models/matching/team.py), each told
            "team.notify.assigned",
            "team.notify.assigned",
            "cycle.flow_run",
            "baseline.recorded",
            "session.scheduled",
            "session.scheduled",  # the team still keeps every rule the study adds: no new assignment
            "session.held",
            "cycle.flow_run",
            "minutes.recorded",
            "session.held",
            "minutes.recorded",
            "plan.validated",
            "plan.handed_over",
            "follow_up.started",
            "item.updated",  # the visit's item updates, then the visit itself
            "visit.recorded",
            "item.updated",
            "visit.recorded",
            "cycle.completed",  # after its last visit
        ]
    )
    assert len(steps_done) == 10


def test_region_launch_creates_each_cycle_once_and_a_second_launch_skips_all(
    prefect_api: str,
    fresh_database,  # type: ignore[no-untyped-def]
    use_domain: Callable[[Domain], None],
    debates: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    domain = make_domain(fresh_database("sqlite"), tmp_path / "data")
    with domain.session() as s, s.begin():
        import_facilitators(s, FACILITATORS, now=utcnow())  # 4 people: a few cycles get a team
    use_domain(domain)
    from deployments.serve import apply_deployments

    apply_deployments()  # registered, not served: the runs stay Scheduled, which is all we check
    first = debates("launch", "--region", "Tombouctou", "--start", str(START))
    assert first.code == 0, first.err
    assert "52 cycle(s) launched" in first.out
    with domain.session() as s:
        runs = list(s.scalars(select(Cycle.flow_run_id).where(Cycle.region_pcode == "ML06")))
    assert len(runs) == 52
    assert len(set(runs)) == 52
    assert None not in runs
    with domain.session() as s:  # one batch matching: each cycle has a team or the reason why not
        staffed = set(
            s.scalars(select(TeamAssignment.cycle_id).where(TeamAssignment.role == "lead"))
        )
        waiting = set(
            s.scalars(select(AuditEvent.cycle_id).where(AuditEvent.action == "team.unassigned"))
        )
    assert staffed and waiting and not staffed & waiting
    assert len(staffed | waiting) == 52
    assert first.out.count("none:") == len(waiting)
    second = debates("launch", "--region", "Tombouctou", "--start", str(START))
    assert second.code == 0, second.err
    assert second.out.count("Skipped") == 52
    assert "Nothing launched" in second.out
    with domain.session() as s:
        assert s.scalar(select(func.count()).select_from(Cycle)) == 52
    forget_other_runs()  # 52 Scheduled runs of this database must not reach a later test's serving


def test_a_paused_cycle_shows_on_its_suspended_run_and_the_run_resumes_after_debates_resume(
    prefect_api: str,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    serving: Callable[[Domain], Serving],
    debates: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    """`debates pause` tags the suspended run 'en-pause' and puts the pause over its description;
    `debates resume` takes both away; the run keeps its state and pause key, so the next submit
    resumes it as if nothing happened."""
    from orchestrator.paused import PAUSED_TAG

    forget_other_runs()  # runs another test left Scheduled would fill this serving's slots
    use_domain(domain)
    serving(domain)
    assert debates("launch", "--commune", "Diré", "--start", str(START)).code == 0
    with domain.session() as s:
        cycle = s.scalars(select(Cycle).where(Cycle.commune_pcode == "ML060205")).one()
        cycle_id, run_id = cycle.id, str(cycle.flow_run_id)
    waiting = wait_suspended(run_id, "baseline-", timeout=180)
    assert waiting.state is not None
    pause_key = waiting.state.state_details.pause_key
    original = _description(run_id)

    paused = debates("pause", str(cycle_id), "--reason", "route coupée")
    assert paused.code == 0, paused.err
    flow_run = read_run(run_id)
    assert PAUSED_TAG in flow_run.tags and "ML060205" in flow_run.tags
    assert flow_run.state is not None and flow_run.state.is_paused()
    assert flow_run.state.state_details.pause_key == pause_key
    shown = _description(run_id)
    assert shown.startswith("**⏸ en pause : route coupée, depuis le ")
    assert "/ paused: route coupée, since " in shown
    assert shown.endswith(original)

    refused = debates("submit", str(cycle_id), "baseline", "--file", _write(tmp_path, "baseline"))
    assert refused.code == 1 and f"debates resume {cycle_id}" in refused.err

    resumed = debates("resume", str(cycle_id))
    assert resumed.code == 0, resumed.err
    flow_run = read_run(run_id)
    assert PAUSED_TAG not in flow_run.tags and "ML060205" in flow_run.tags
    assert _description(run_id) == original

    done = debates("submit", str(cycle_id), "baseline", "--file", _write(tmp_path, "baseline"))
    assert done.code == 0, done.err
    assert "flow run resumed" in done.out
    wait_suspended(run_id, "schedule-0-0")  # the same run went on to the next step
    assert _waiting(domain, cycle_id) == "schedule"
