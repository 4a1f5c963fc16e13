"""`debates demo` on a real Prefect server and serving process: its own workspace, honest output,
and `--remove` that leaves nothing of it behind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.client.schemas.objects import FlowRun
from sqlalchemy import func, select

from deployments.serve import apply_deployments
from models.cycle.cycle import Cycle
from models.geography.places import communes_in
from models.people.facilitator import Facilitator
from orchestrator.artifacts import latest_artifact
from tests.e2e.conftest import CliResult, Domain, Serving, forget_other_runs, make_domain


def _demo_runs() -> list[FlowRun]:
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["demo"]))
        )


def test_demo_after_a_real_launch_seeds_its_own_workspace_and_remove_leaves_nothing(
    prefect_api: str,
    fresh_database,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    use_domain: Callable[[Domain], None],
    serving: Callable[[Domain], Serving],
    debates: Callable[..., CliResult],
) -> None:
    forget_other_runs()  # the demo's runs must find the serving slots free
    domain = make_domain(fresh_database("sqlite"), tmp_path / "data")
    use_domain(domain)
    serving(domain)
    with domain.session() as session:
        first_two = [c.pcode for c in communes_in(session, region="Tombouctou")][:2]
    launched = debates("launch", "--commune", first_two[0], "--commune", first_two[1])
    assert launched.code == 0, launched.err

    shown = debates("demo", "--count", "9", "--wait", "240")

    assert shown.code == 0, shown.out + shown.err
    assert "Demo seeded" in shown.out and "Skipped" not in shown.out
    assert "9 checked (1 completed)" in shown.out
    with domain.session() as session:  # the coordinators' database: only the real launch
        assert session.scalar(select(func.count(Cycle.id))) == 2
        assert session.scalar(select(func.count(Facilitator.id))) == 0
    runs = _demo_runs()
    assert len(runs) == 9
    assert all(r.name.startswith("demo-cycle-") for r in runs)
    assert all(r.parameters["workspace"] == "demo" for r in runs)
    assert sorted(r.state_name or "" for r in runs).count("Completed") == 1
    assert (domain.data_dir / "demo" / "debates.sqlite3").exists()
    # The managers' portfolio still shows the real launch; the demo's is its own.
    real, demo = latest_artifact("debates-portfolio"), latest_artifact("demo-debates-portfolio")
    assert real is not None and "2 cycles actifs" in (real.description or "")
    # 9 demo cycles, the last recorded to its end: 8 active
    assert demo is not None and "8 cycles actifs" in (demo.description or "")

    show = debates("--demo", "show", "1")
    assert show.code == 0, show.err
    again = debates("demo", "--wait", "60")
    assert again.code == 0, again.out + again.err
    assert "already seeded" in again.out and "(9 cycles)" in again.out
    assert len(_demo_runs()) == 9, "a second demo creates no run"

    removed = debates("demo", "--remove")

    assert removed.code == 0, removed.err
    assert "Removed 9 flow run(s) tagged 'demo' (8 cancelled first)" in removed.out
    assert "9 cycle(s)" in removed.out
    assert _demo_runs() == []
    assert not (domain.data_dir / "demo").exists()
    with domain.session() as session:
        assert session.scalar(select(func.count(Cycle.id))) == 2


def test_demo_whose_runs_are_not_served_says_which_and_exits_non_zero(
    prefect_api: str,
    fresh_database,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    use_domain: Callable[[Domain], None],
    debates: Callable[..., CliResult],
) -> None:
    domain = make_domain(fresh_database("sqlite"), tmp_path / "data")
    use_domain(domain)
    apply_deployments()  # deployed, but no process serves the runs

    shown = debates("demo", "--count", "2", "--wait", "3")

    assert shown.code == 1
    assert "Not where it should be: cycle 1" in shown.err
    assert "expected Suspended on baseline" in shown.err
    assert "every stage" not in shown.out.lower()
    removed = debates("demo", "--remove")
    assert removed.code == 0, removed.err
    assert "Removed 2 flow run(s) tagged 'demo' (2 cancelled first)" in removed.out
    assert _demo_runs() == []
