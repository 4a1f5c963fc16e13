"""An intercommunal cycle launched from the CLI on a real Prefect server and a real serving process:
one flow run for the cercle, waiting at its baseline study; a second launch is refused while it is
active, and a commune of the same cercle still gets its own cycle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from models.cycle.cycle import Cycle
from tests.e2e.conftest import CliResult, Domain, Serving, wait_suspended

pytestmark = pytest.mark.prefect

START = date(2026, 3, 2)


def test_an_intercommunal_cycle_runs_for_the_cercle_beside_its_communes_cycles(
    prefect_api: str,
    domain: Domain,
    use_domain: Callable[[Domain], None],
    serving: Callable[[Domain], Serving],
    debates: Callable[..., CliResult],
) -> None:
    use_domain(domain)
    serving(domain)

    launched = debates("launch", "--cercle", "Goundam", "--intercommunal", "--start", str(START))
    assert launched.code == 0, launched.err
    assert "1 cycle(s) launched" in launched.out
    assert "Cercle de Goundam (intercommunal)" in launched.out
    with domain.session() as s:
        cycle = s.scalars(select(Cycle).where(Cycle.area_pcode == "ML0603")).one()
        cycle_id, run_id, level = cycle.id, cycle.flow_run_id, cycle.level
    assert level == "cercle" and run_id is not None
    flow_run = wait_suspended(run_id, "baseline-", timeout=180)
    assert flow_run.name == "cycle-cercle-goundam-1"
    assert {"ML06", "ML0603"} <= set(flow_run.tags)

    again = debates("launch", "--cercle", "Goundam", "--intercommunal", "--start", str(START))
    assert again.code == 1
    assert (
        f"Cercle de Goundam (intercommunal) ML0603 already has an active intercommunal cycle "
        f"#1 (id {cycle_id})"
    ) in again.err

    commune = debates("launch", "--commune", "Tonka", "--start", str(START))
    assert commune.code == 0, commune.err
    assert "ML060316" in commune.out

    shown = debates("show", str(cycle_id))
    assert shown.code == 0, shown.err
    assert "Cercle de Goundam (intercommunal) (ML0603) #1" in shown.out
    listed = debates("cycles", "--active")
    assert "Cercle de Goundam (intercommunal) #1" in listed.out
    with domain.session() as s:
        assert len(s.scalars(select(Cycle).where(Cycle.cercle_pcode == "ML0603")).all()) == 2
