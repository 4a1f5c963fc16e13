"""Every command that takes input x every kind of bad input that applies to it.

Each case gives one line on stderr that names the field (or option, or path), exit code 1, and
no row written: the row count of every table is the same before and after. Typer's own type
errors on typed options (`--days abc`) are usage errors, exit 2 (tests/cli/test_usage_errors.py).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.base import Base
from models.clock import utcnow
from models.cycle.launch import launch_cycle
from models.cycle.stepflow import apply_submission
from models.geography.places import resolve_commune
from models.people.facilitator_file import import_facilitators
from models.policy import CyclePolicy
from services.demo import FACILITATORS
from tests.flows import inputs

START = date(2026, 3, 2)
LONG_NAME = "N" * 121
FUTURE = "2099-01-01"

# name -> (how the file is written: text, encoding) ; "dir" and "missing" are paths only.


def _schedule(**first: str) -> str:
    """A schedule of the cycle's two sessions, the first one changed by `first`."""
    sessions = inputs.schedule(START)["sessions"]
    return json.dumps({"sessions": [sessions[0] | first, sessions[1]]})


FILES: dict[str, tuple[str, str]] = {
    "schedule.json": (_schedule(), "utf-8"),
    "schedule-venue-long.json": (_schedule(venue="V" * 201), "utf-8"),
    "schedule-impossible.json": (_schedule(starts_at="2026-02-30T09:00:00+00:00"), "utf-8"),
    "schedule-early.json": (_schedule(starts_at="2026-03-01T09:00:00+00:00"), "utf-8"),
    "schedule-cp1252.yaml": ("sessions:\n  - venue: Salle de la mairie à Diré\n", "cp1252"),
    "schedule-bad.yaml": ("sessions:\n  - venue: [Mairie\n", "utf-8"),
    "people-cp1252.csv": ("name,sex,languages,home_commune\nAïssata Maïga,F,son,Diré\n", "cp1252"),
    "people-long.csv": (f"name,sex,languages,home_commune\n{LONG_NAME},F,son,Diré\n", "utf-8"),
    "people-type.csv": (
        "name,sex,languages,home_commune,max_cycles\nAwa Touré,F,son,Diré,beaucoup\n",
        "utf-8",
    ),
    "communes-cp1252.csv": (
        "region,region_pcode,cercle,cercle_pcode,commune,commune_pcode\n"
        "Tombouctou,ML06,Diré,ML0602,Diré,ML060205\n",
        "cp1252",
    ),
    "communes-long.csv": (
        "region,region_pcode,cercle,cercle_pcode,commune,commune_pcode\n"
        f"Tombouctou,ML06,Diré,ML0602,{'C' * 101},ML060205\n",
        "utf-8",
    ),
}

# (case id, arguments: {id} is the cycle, {tmp} the folder of FILES, the words the line must hold)
CASES: list[tuple[str, list[str], str]] = [
    # submit: the cycle waits on 'schedule'
    (
        "submit-unknown-id",
        ["submit", "999", "schedule", "--file", "{tmp}/schedule.json"],
        "cycle with id 999",
    ),
    ("submit-wrong-type", ["submit", "{id}", "schedule", "--set", "sessions=12"], "field sessions"),
    (
        "submit-over-long",
        ["submit", "{id}", "schedule", "--file", "{tmp}/schedule-venue-long.json"],
        "sessions.0.venue: 201 characters; at most 200",
    ),
    (
        "submit-date-format",
        [
            "submit",
            "{id}",
            "session-1",
            "--set",
            "outcome=postponed",
            "--set",
            "reason=crue",
            "--set",
            "new_starts_at=11/04/2026 09:00",
        ],
        "field new_starts_at",
    ),
    (
        "submit-impossible-date",
        ["submit", "{id}", "schedule", "--file", "{tmp}/schedule-impossible.json"],
        "field sessions.0.starts_at",
    ),
    (
        "submit-before-the-cycle",
        ["submit", "{id}", "schedule", "--file", "{tmp}/schedule-early.json"],
        "sessions.0.starts_at: is before the cycle started",
    ),
    (
        "submit-encoding",
        ["submit", "{id}", "schedule", "--file", "{tmp}/schedule-cp1252.yaml"],
        "schedule-cp1252.yaml: line 2 is not UTF-8",
    ),
    (
        "submit-missing-file",
        ["submit", "{id}", "schedule", "--file", "{tmp}/nowhere.yaml"],
        "nowhere.yaml: no such file",
    ),
    ("submit-folder", ["submit", "{id}", "schedule", "--file", "{tmp}"], "is a folder"),
    (
        "submit-yaml-syntax",
        ["submit", "{id}", "schedule", "--file", "{tmp}/schedule-bad.yaml"],
        "schedule-bad.yaml: line 3",
    ),
    # amend: the cycle's baseline is recorded
    (
        "amend-unknown-id",
        ["amend", "999", "baseline", "--set", "summary=x", "--reason", "r"],
        "cycle with id 999",
    ),
    (
        "amend-wrong-type",
        ["amend", "{id}", "baseline", "--set", "risk_themes=5", "--reason", "r"],
        "field risk_themes",
    ),
    (
        "amend-over-long",
        ["amend", "{id}", "baseline", "--set", "summary=" + "s" * 2001, "--reason", "r"],
        "field summary: 2001 characters; at most 2000",
    ),
    (
        "amend-over-long-reason",
        ["amend", "{id}", "baseline", "--set", "summary=x", "--reason", "r" * 1001],
        "--reason",
    ),
    (
        "amend-date-format",
        ["amend", "{id}", "baseline", "--set", "completed_on=02/03/2026", "--reason", "r"],
        "field completed_on",
    ),
    (
        "amend-impossible-date",
        ["amend", "{id}", "baseline", "--set", f"completed_on={FUTURE}", "--reason", "r"],
        f"field completed_on: {FUTURE} is after today",
    ),
    (
        "amend-encoding",
        ["amend", "{id}", "baseline", "--file", "{tmp}/schedule-cp1252.yaml", "--reason", "r"],
        "line 2 is not UTF-8",
    ),
    (
        "amend-missing-file",
        ["amend", "{id}", "baseline", "--file", "{tmp}/nowhere.yaml", "--reason", "r"],
        "nowhere.yaml: no such file",
    ),
    # cancel, pause, resume, extend
    ("cancel-unknown-id", ["cancel", "999", "--reason", "r"], "cycle with id 999"),
    ("pause-unknown-id", ["pause", "999", "--reason", "route coupée"], "cycle with id 999"),
    (
        "pause-unknown-region",
        ["pause", "--region", "Atlantide", "--reason", "route coupée"],
        "Atlantide",
    ),
    ("resume-unknown-id", ["resume", "999"], "cycle with id 999"),
    ("extend-unknown-id", ["extend", "999", "schedule", "--reason", "r", "--days", "3"], "999"),
    (
        "extend-date-format",
        ["extend", "{id}", "schedule", "--reason", "r", "--to", "01/03/2027"],
        "--to",
    ),
    (
        "extend-impossible-date",
        ["extend", "{id}", "schedule", "--reason", "r", "--to", "2027-02-30"],
        "--to",
    ),
    # facilitators
    (
        "unavailable-unknown-name",
        [
            "facilitators",
            "unavailable",
            "Personne Inconnue",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-05",
        ],
        "Personne Inconnue",
    ),
    (
        "unavailable-date-format",
        ["facilitators", "unavailable", "x", "--from", "1/3/2026", "--to", "2026-03-05"],
        "--from",
    ),
    (
        "unavailable-impossible-date",
        ["facilitators", "unavailable", "x", "--from", "2026-02-30", "--to", "2026-03-05"],
        "--from",
    ),
    (
        "unavailable-over-long",
        [
            "facilitators",
            "unavailable",
            "x",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-05",
            "--reason",
            "r" * 201,
        ],
        "--reason: 201 characters; at most 200",
    ),
    (
        "facilitators-import-encoding",
        ["facilitators", "import", "{tmp}/people-cp1252.csv"],
        "people-cp1252.csv: line 2 is not UTF-8",
    ),
    (
        "facilitators-import-missing-file",
        ["facilitators", "import", "{tmp}/nobody.csv"],
        "nobody.csv: no such file",
    ),
    ("facilitators-import-folder", ["facilitators", "import", "{tmp}"], "is a folder"),
    (
        "facilitators-import-over-long",
        ["facilitators", "import", "{tmp}/people-long.csv"],
        "line 2, field name: 121 characters; at most 120",
    ),
    (
        "facilitators-import-wrong-type",
        ["facilitators", "import", "{tmp}/people-type.csv"],
        "line 2, field max_cycles",
    ),
    # communes
    (
        "communes-import-encoding",
        ["communes", "import", "{tmp}/communes-cp1252.csv"],
        "communes-cp1252.csv: line 2 is not UTF-8",
    ),
    (
        "communes-import-missing-file",
        ["communes", "import", "{tmp}/nowhere.csv"],
        "nowhere.csv: no such file",
    ),
    (
        "communes-import-over-long",
        ["communes", "import", "{tmp}/communes-long.csv"],
        "line 2, field commune: 101 characters; at most 100",
    ),
    ("communes-find-unknown", ["communes", "find", "Atlantide"], "Atlantide"),
    ("communes-list-unknown-region", ["communes", "list", "--region", "Atlantide"], "Atlantide"),
    # launch (refused before anything is recorded, server or not), plan, views
    ("launch-unknown-commune", ["launch", "--commune", "Atlantide"], "Atlantide"),
    ("launch-unknown-region", ["launch", "--region", "Atlantide"], "Atlantide"),
    ("launch-date-format", ["launch", "--commune", "Diré", "--start", "2/3/2026"], "--start"),
    ("launch-impossible-date", ["launch", "--commune", "Diré", "--start", "2026-02-30"], "--start"),
    ("plan-unknown-commune", ["plan", "--commune", "Atlantide"], "Atlantide"),
    ("plan-date-format", ["plan", "--commune", "Diré", "--start", "2/3/2026"], "--start"),
    ("plan-impossible-date", ["plan", "--commune", "Diré", "--start", "2026-02-30"], "--start"),
    ("show-unknown-id", ["show", "999"], "cycle with id 999"),
    ("history-unknown-id", ["history", "999"], "cycle with id 999"),
    ("cycles-unknown-region", ["cycles", "--region", "Atlantide"], "Atlantide"),
    ("status-unknown-region", ["status", "--region", "Atlantide"], "Atlantide"),
    ("sweep-date-format", ["sweep", "--dry-run", "--now", "14/03/2026"], "--now"),
    # actions update: the cycle has no item yet (its plan is not handed over)
    (
        "actions-update-unknown-id",
        ["actions", "update", "999", "1", "--note", "n"],
        "cycle with id 999",
    ),
    (
        "actions-update-unknown-item",
        ["actions", "update", "{id}", "1", "--note", "n"],
        "has no item 1",
    ),
    (
        "actions-update-status",
        ["actions", "update", "{id}", "1", "--note", "n", "--status", "finie"],
        "--status",
    ),
    (
        "actions-update-progress",
        ["actions", "update", "{id}", "1", "--note", "n", "--progress", "150"],
        "--progress",
    ),
    (
        "actions-update-date-format",
        ["actions", "update", "{id}", "1", "--note", "n", "--deadline", "15/10/2026"],
        "--deadline",
    ),
    (
        "actions-update-impossible-date",
        ["actions", "update", "{id}", "1", "--note", "n", "--deadline", "2026-02-30"],
        "--deadline",
    ),
    (
        "actions-update-dropped-without-reason",
        ["actions", "update", "{id}", "1", "--note", "n", "--status", "dropped"],
        "--reason",
    ),
    (
        "actions-update-empty-note",
        ["actions", "update", "{id}", "1", "--note", " "],
        "--note",
    ),
    (
        "actions-update-over-long",
        ["actions", "update", "{id}", "1", "--note", "n" * 2001],
        "--note: 2001 characters; at most 2000",
    ),
    ("sweep-impossible-date", ["sweep", "--dry-run", "--now", "2026-02-30T09:00+00:00"], "--now"),
]


def _row_counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


@pytest.fixture
def arranged(session: Session, tmp_path: Path) -> dict[str, str]:
    """A cycle with its baseline recorded (waiting on 'schedule'), the demo's people, the files."""
    now = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    cycle = launch_cycle(
        session,
        resolve_commune(session, "Diré"),
        start_on=START,
        policy=CyclePolicy(),
        actor="c",
        now=now,
    )
    apply_submission(session, cycle.id, "baseline", inputs.baseline(START), actor="c", now=now)
    import_facilitators(session, FACILITATORS, now=utcnow())
    session.commit()
    folder = tmp_path / "files"
    folder.mkdir()
    for name, (text, encoding) in FILES.items():
        (folder / name).write_bytes(text.encode(encoding))
    return {"{id}": str(cycle.id), "{tmp}": str(folder)}


def _args(args: list[str], values: dict[str, str]) -> list[str]:
    filled = []
    for arg in args:
        for key, value in values.items():
            arg = arg.replace(key, value)
        filled.append(arg)
    return filled


@pytest.mark.parametrize(("args", "names"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_naming_the_field_exit_1_and_no_row_written(
    session: Session, debates: Any, arranged: dict[str, str], args: list[str], names: str
) -> None:
    before = _row_counts(session)

    result = debates(*_args(args, arranged))

    lines = [line for line in result.err.splitlines() if line.strip()]
    assert result.code == 1, result.out + result.err
    assert len(lines) == 1, result.err
    assert lines[0].startswith("Error: ") and names in lines[0], lines[0]
    assert "Unexpected" not in result.err
    assert _row_counts(session) == before


def test_the_matrix_size_is_recorded(record_property: Any) -> None:
    commands = {
        c[1][0] if c[1][0] not in ("facilitators", "communes") else " ".join(c[1][:2])
        for c in CASES
    }
    record_property("bad_input_cases", len(CASES))
    record_property("bad_input_commands", len(commands))
    print(f"bad-input matrix: {len(CASES)} cases over {len(commands)} commands")
    assert len(CASES) >= 40
