"""A flow-run process imports only what a run uses: the serving process's fork server imports
flows/cycle.py once for every run it forks (a run started without it, as `python -m
prefect.engine`, imports it itself), and the matcher's solver (HiGHS and NumPy; SciPy before,
about half a second of CPU) is for the few runs that match. What a run costs in CPU seconds is
bench/run_cpu.py's business.
"""

from __future__ import annotations

import json
import subprocess
import sys

from models.settings import PROJECT_ROOT

HEAVY = ("scipy", "numpy", "highspy")


def loaded_after(statement: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after `statement`."""
    code = f"{statement}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])}


def test_importing_the_cycle_flow_loads_no_solver_nor_numpy() -> None:
    loaded = loaded_after("import flows.cycle")
    assert "flows" in loaded and "prefect" in loaded  # the import did happen
    assert not loaded & set(HEAVY), f"flows.cycle imports {sorted(loaded & set(HEAVY))}"


def test_the_solver_still_loads_highs_when_it_solves() -> None:
    """The lazy import is where the solver runs: solving a batch loads HiGHS."""
    statement = (
        "from models.matching.solver import solve; from models.policy import MatchingPolicy; "
        "from models.matching.hard_rules import Candidate, CycleNeed; "
        "need = CycleNeed(cycle_id=1, label='c', area='ML060101', languages=frozenset({'fr'})); "
        "pool = [Candidate(id=i, name=str(i), sex='F', home_commune=f'ML07010{i}', "
        "languages=frozenset({'fr'})) for i in (1, 2)]; "
        "assert len(solve([need], pool, MatchingPolicy()).teams) == 1"
    )
    assert "highspy" in loaded_after(statement)
