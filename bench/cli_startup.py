"""How long a database-only `debates` command takes, from a fresh interpreter to its exit.

Each case runs `python -c` in a fresh interpreter (the `debates` console script does the same:
import cli.app, call run()), against its own temporary data folder: a migrated SQLite database
holding the shipped commune registry (settings.resolved_communes_file()) and one cycle in Diré
with a flow run id, so `cycles`, `show 1` and `status` print a row and a UI link. Beside them,
in the same run, the floors: `python -c pass`, `import sqlalchemy`, `import prefect`, and the
libraries every database command loads (SQLAlchemy's ORM and SQLite dialect, pydantic-settings,
Typer with its Pydantic adapters, Rich), which alone take about 1.9 x `import sqlalchemy`.

The target of a command: at most 0.5 s, and at most 1.5 x `import sqlalchemy`.
Time is the median wall time of N runs (default 5) after one warm-up round; the cases take turns
round by round, so a machine busy with something else slows every case alike.

    .venv/bin/python bench/cli_startup.py [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.5
TARGET_RATIO = 1.5

COMMANDS: list[tuple[str, list[str]]] = [
    ("debates --help", ["--help"]),
    ("communes find Tombouctou", ["communes", "find", "Tombouctou"]),
    ("communes list --cercle Diré", ["communes", "list", "--cercle", "Diré"]),
    ("facilitators list", ["facilitators", "list"]),
    ("cycles", ["cycles"]),
    ("show 1", ["show", "1"]),
    ("status", ["status"]),
    (
        "plan --commune Diré --start 2026-03-02",
        ["plan", "--commune", "Diré", "--start", "2026-03-02"],
    ),
]
FLOORS: list[tuple[str, str]] = [
    ("python -c pass", "pass"),
    ("import sqlalchemy", "import sqlalchemy"),
    # What every database command loads before doing anything: the floor of its start-up. Typer
    # 0.29 converts parameters through Pydantic (typer._adapters, loaded once a command is parsed),
    # and the SQLite dialect comes with the first engine.
    (
        "import the libraries",
        "import sqlalchemy.orm, sqlalchemy.dialects.sqlite, pydantic_settings, typer._adapters,"
        " rich.table",
    ),
    ("import prefect", "import prefect"),
]


def cli_code(args: list[str]) -> str:
    return f"import sys; from cli.app import run; sys.exit(run({args!r}))"


def environment(data_dir: Path) -> dict[str, str]:
    # Our own data folder and database; a registry or policy file the caller chose is kept.
    kept = {"DEBATES_COMMUNES_FILE", "DEBATES_POLICY_FILE"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBATES_") or k in kept}
    # A coordinator's interpreter caches our modules' bytecode after the first run; with
    # PYTHONDONTWRITEBYTECODE every case would compile cli/ and models/ from source each time.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env |= {
        "DEBATES_DATA_DIR": str(data_dir),
        "DEBATES_ACTOR": "bench",
        "PREFECT_API_URL": "http://127.0.0.1:4200/api",
        "COLUMNS": "200",
    }
    return env


def prepare(data_dir: Path, env: dict[str, str]) -> bool:
    """Migrate, load the shipped registry and launch one cycle; True when a cycle exists."""
    seed = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import migrations
from datetime import date
from models.clock import utcnow
from models.db import get_engine, session_scope
from models.geography.places import resolve_commune
from models.cycle.launch import launch_cycles_for, set_flow_run
from models.policy import load_policy
from models.geography.registry import import_registry
from models.settings import get_settings

settings = get_settings()
source = settings.resolved_communes_file()
if source is None:
    sys.exit("no commune registry: set DEBATES_COMMUNES_FILE")
migrations.upgrade(get_engine())
with session_scope() as session:
    import_registry(session, source)
with session_scope() as session:
    report = launch_cycles_for(
        session, [resolve_commune(session, "Diré")], start_on=date(2026, 3, 2),
        policy=load_policy(settings.policy_file).cycle, actor="bench", now=utcnow(),
    )
    for run in report.launched:
        set_flow_run(session, run.cycle_id, "00000000-0000-4000-8000-000000000001",
                     actor="bench", now=utcnow())
    print(len(report.launched))
"""
    done = subprocess.run(
        [sys.executable, "-c", seed], env=env, cwd=data_dir, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"could not prepare the data folder:\n{done.stderr}")
    return int(done.stdout.strip() or 0) > 0


def run_once(code: str, env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(
            f"{code!r} exited {done.returncode}:\n{done.stderr.decode() or done.stdout.decode()}"
        )
    return elapsed


def measure(
    cases: list[tuple[str, str]], env: dict[str, str], cwd: Path, runs: int
) -> dict[str, float]:
    """Median wall time per case; the cases take turns, so a busy moment of the machine hits all alike."""
    times: dict[str, list[float]] = {case: [] for case, _ in cases}
    for round_ in range(runs + 1):
        for case, code in cases:
            elapsed = run_once(code, env, cwd)
            if round_:  # round 0 warms the disk cache and writes the bytecode
                times[case].append(elapsed)
    return {case: statistics.median(values) for case, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (median)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line per case")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="debates-bench-") as tmp:
        data_dir = Path(tmp)
        env = environment(data_dir / "data")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        has_cycle = prepare(data_dir, env)
        commands = [
            (case, cli_code(args)) for case, args in COMMANDS if args[0] != "show" or has_cycle
        ]
        seconds = measure(FLOORS + commands, env, data_dir, options.runs)
    floors = {case for case, _ in FLOORS}
    results = [(case, value, case not in floors) for case, value in seconds.items()]

    sqlalchemy = next(seconds for case, seconds, _ in results if case == "import sqlalchemy")
    rows = []
    for case, seconds, is_command in results:
        ratio = seconds / sqlalchemy
        met = seconds <= TARGET_SECONDS and ratio <= TARGET_RATIO if is_command else None
        rows.append((case, seconds, ratio, met))

    if options.json:
        for case, seconds, ratio, met in rows:
            record = {
                "bench": "cli_startup",
                "case": case,
                "seconds": round(seconds, 4),
                "ratio_to_sqlalchemy": round(ratio, 2),
                "target_met": met,
            }
            print(json.dumps(record, ensure_ascii=False))
        return
    print(
        f"CLI start-up, median of {options.runs} runs "
        f"(target per command: <= {TARGET_SECONDS} s and <= {TARGET_RATIO} x import sqlalchemy)"
    )
    print(f"{'case':<42} {'seconds':>8} {'x sqlalchemy':>13}  target")
    for case, seconds, ratio, met in rows:
        verdict = "-" if met is None else ("met" if met else "MISSED")
        print(f"{case:<42} {seconds:>8.3f} {ratio:>13.2f}  {verdict}")


if __name__ == "__main__":
    main()
