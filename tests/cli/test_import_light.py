"""The database-only commands start without Prefect, SciPy, NumPy or Apprise (nor our modules that
pull them in): each runs through the real `cli.app.run` in a fresh interpreter, which then reports
the top-level modules it loaded. What it costs in seconds is bench/cli_startup.py's business.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy.orm import Session

import migrations
from cli.app import app
from models import db
from models.clock import utcnow
from models.cycle.launch import launch_cycles_for, set_flow_run
from models.geography.places import resolve_commune
from models.geography.registry import import_registry
from models.people.facilitator_file import import_facilitators
from models.policy import load_policy
from models.settings import PROJECT_ROOT, SHIPPED_COMMUNES, get_settings

HEAVY = {
    "prefect",
    "scipy",
    "numpy",
    "highspy",
    "apprise",
    "flows",
    "tasks",
    "deployments",
    "notifications",
    "matplotlib",
    "openpyxl",
}
FACILITATORS = PROJECT_ROOT / "docs" / "facilitators.csv"
ROSTER = PROJECT_ROOT / "docs" / "roster.csv"
ALLOWED = {"show": {"notifications"}}
"""Known exceptions: `show` words the team's explanation through notifications.phrases (Jinja2
templates, no Apprise); moving that catalogue out of notifications/ would let `show` drop it."""

PROBE = """
import json, sys
from cli.app import run
report, commands = sys.argv[1], json.loads(sys.argv[2])
codes = [run(args) for args in commands]
with open(report, "w", encoding="utf-8") as out:
    json.dump({"codes": codes, "modules": sorted({m.split(".")[0] for m in sys.modules})}, out)
"""

DB_COMMANDS = [
    ["communes", "find", "Tombouctou"],
    ["communes", "list"],
    ["communes", "list", "--cercle", "Diré"],
    ["communes", "import", str(SHIPPED_COMMUNES)],
    ["facilitators", "list"],
    ["facilitators", "import", str(FACILITATORS)],
    ["roster", "import", str(ROSTER)],
    ["roster", "list", "--commune", "Diré", "--all"],
    ["cycles"],
    ["cycles", "--json"],
    ["show", "1"],
    ["show", "1", "--json"],
    ["status"],
    ["plan", "--commune", "Diré", "--start", "2026-03-02"],
    ["db", "upgrade"],
    ["extend", "1", "baseline", "--days", "3", "--reason", "pluies"],
    ["report", "--region", "Tombouctou", "--format", "csv"],
    ["funder", "1", "--set", "Union européenne"],
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder as `debates` leaves it: migrated SQLite, the communes, people, one cycle."""
    folder = tmp_path_factory.mktemp("data")
    engine = db.engine_for(f"sqlite:///{folder / 'debates.sqlite3'}")
    migrations.upgrade(engine)
    with pytest.MonkeyPatch.context() as env:
        # The contacts are sealed with the folder's own key, as `debates` would seal them there.
        env.setenv("DEBATES_DATA_DIR", str(folder))
        get_settings.cache_clear()
        with Session(engine) as session, session.begin():
            import_registry(session, SHIPPED_COMMUNES)
            import_facilitators(session, FACILITATORS, now=utcnow())
    get_settings.cache_clear()
    with Session(engine) as session, session.begin():
        report = launch_cycles_for(
            session,
            [resolve_commune(session, "Diré")],
            start_on=date(2026, 3, 2),
            policy=load_policy().cycle,
            actor="test",
            now=utcnow(),
        )
        set_flow_run(
            session,
            report.launched[0].cycle_id,
            "0b6c5a4e-1111-2222-3333-444455556666",
            actor="test",
            now=utcnow(),
        )
    engine.dispose()
    return folder


def loaded_by(commands: list[list[str]], data_dir: Path, tmp_path: Path) -> dict[str, Any]:
    """Run `commands` one after the other in a fresh interpreter; their exit codes and modules."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBATES_", "PREFECT_"))}
    # A link to the UI is printed, but nothing may talk to a Prefect server (none answers here).
    env |= {"DEBATES_DATA_DIR": str(data_dir), "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    env["COLUMNS"] = "200"
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), json.dumps(commands)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result | {"stdout": done.stdout}


@pytest.mark.parametrize("args", DB_COMMANDS, ids=" ".join)
def test_a_database_command_imports_no_orchestration(
    args: list[str], data_dir: Path, tmp_path: Path
) -> None:
    result = loaded_by([args], data_dir, tmp_path)
    assert result["codes"] == [0], result["stdout"]
    assert set(result["modules"]) & (HEAVY - ALLOWED.get(args[0], set())) == set()


def test_the_commands_print_what_they_read(data_dir: Path, tmp_path: Path) -> None:
    # The probe above must see real work done, not an early error: the cycle and its UI link.
    result = loaded_by([["show", "1"]], data_dir, tmp_path)
    assert "Diré" in result["stdout"]
    assert (
        "http://127.0.0.1:9/runs/flow-run/0b6c5a4e-1111-2222-3333-444455556666"
        in (result["stdout"])
    )


def _every_help(command: object, path: list[str]) -> list[list[str]]:
    found = [[*path, "--help"]]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _every_help(sub, [*path, name])
    return found


def test_help_of_every_command_imports_neither_orchestration_nor_the_database(
    data_dir: Path, tmp_path: Path
) -> None:
    helps = _every_help(typer.main.get_command(app), [])
    assert ["launch", "--help"] in helps and ["communes", "find", "--help"] in helps
    result = loaded_by(helps, data_dir, tmp_path)
    assert result["codes"] == [0] * len(helps)
    assert (
        set(result["modules"]) & (HEAVY | {"sqlalchemy", "alembic", "pydantic_settings"}) == set()
    )


def _callbacks(group: typer.Typer) -> list[Any]:
    found = [info.callback for info in group.registered_commands]
    if group.registered_callback is not None:
        found.append(group.registered_callback.callback)
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        found += _callbacks(sub.typer_instance)
    return found


def test_every_command_is_annotated_with_objects_not_strings() -> None:
    # Typer reads the parameters of every command at each start, whichever one runs; a string
    # annotation (`from __future__ import annotations`) is compiled and evaluated there each time,
    # ~3 % of a database command's start. So modules defining commands keep real annotations.
    callbacks = _callbacks(app)
    assert len(callbacks) >= 20
    stringly = [
        f"{callback.__module__}.{callback.__name__}"
        for callback in callbacks
        if any(isinstance(hint, str) for hint in callback.__annotations__.values())
    ]
    assert stringly == []


def test_pause_and_resume_import_no_orchestration(data_dir: Path, tmp_path: Path) -> None:
    result = loaded_by(
        [["pause", "1", "--reason", "route coupée"], ["resume", "1"]], data_dir, tmp_path
    )
    assert result["codes"] == [0, 0], result["stdout"]
    assert set(result["modules"]) & HEAVY == set()
