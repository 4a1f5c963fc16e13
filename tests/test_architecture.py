"""The rooms of DESIGN.md, enforced by reading our own source (as flint's test_flows.py does)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules(room: str) -> list[Path]:
    return sorted((ROOT / room).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", _modules("models"), ids=_id)
def test_models_import_neither_prefect_nor_apprise(path: Path) -> None:
    assert not _imports(path) & {
        "prefect",
        "apprise",
        "tasks",
        "flows",
        "notifications",
        "deployments",
        "cli",
    }


@pytest.mark.parametrize("path", _modules("flows"), ids=_id)
def test_flows_hold_no_sql_and_open_no_session(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert "sqlalchemy" not in _imports(path)
    for forbidden in ("session_scope", "select(", "execute(", 'text("', "INSERT ", "UPDATE "):
        assert forbidden not in source, f"{path.name} uses {forbidden!r}: move it into a task"


MAX_LINES = 300


def test_models_has_subpackages_the_rules_above_reach() -> None:
    """The models rules walk subpackages: a module moved into models/cycle/ is still checked."""
    assert any(p.parent != ROOT / "models" for p in _modules("models"))


@pytest.mark.parametrize("path", _modules("models"), ids=_id)
def test_a_models_module_is_short_or_says_why(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    lines = len(source.splitlines())
    docstring = ast.get_docstring(ast.parse(source)) or ""
    assert lines <= MAX_LINES or f"over {MAX_LINES} lines" in docstring, (
        f"{_id(path)} has {lines} lines: split it by concept, or say in its docstring why it is "
        f"over {MAX_LINES} lines"
    )


@pytest.mark.parametrize("path", sorted((ROOT / "models").rglob("__init__.py")), ids=_id)
def test_a_models_package_holds_only_its_docstring(path: Path) -> None:
    """One import path per name: a package says what it holds and re-exports nothing."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{_id(path)} needs a docstring saying what the package holds"
    assert len(tree.body) == 1, f"{_id(path)} holds code or imports: keep only its docstring"


def test_only_settings_read_the_environment() -> None:
    offenders = [
        p.relative_to(ROOT).as_posix()
        for room in ("models", "tasks", "flows", "notifications", "cli")
        for p in _modules(room)
        if "os.environ" in p.read_text(encoding="utf-8")
        or "os.getenv" in p.read_text(encoding="utf-8")
    ]
    assert offenders == [], "read settings through models.settings.get_settings()"


def test_the_top_level_is_the_designs() -> None:
    allowed = {
        "flows",
        "tasks",
        "models",
        "notifications",
        "deployments",
        "tests",
        "cli",
        "orchestrator",
        "services",
        "migrations",
        "bench",
        "docs",
        "pyproject.toml",
        "README.md",
        "Makefile",
        "prefect.yaml",
        ".ci",
        ".gitignore",
        ".git",
        ".venv",
        "data",
        "test-output",
        ".pytest_cache",
        ".ruff_cache",
        ".mypy_cache",
        "lgcp_debates.egg-info",
        ".env",
        ".hypothesis",
        ".benchmarks",
    }
    present = {p.name for p in ROOT.iterdir()}
    assert present - allowed == set()


def _may_import_table() -> dict[str, set[str]]:
    """The "may import" column of docs/architecture.md's room table: {room: rooms it may import}."""
    rooms: dict[str, set[str]] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`") or not cells[0].endswith("/`"):
            continue
        room = cells[0].strip("`/")
        if "/" in room or room in (
            "tests",
            "bench",
        ):  # models/'s packages have a table of their own
            continue
        rooms[room] = set(re.findall(r"`(\w+)`", cells[2]))
    return rooms


ROOMS = _may_import_table()


def _our_imports(path: Path) -> set[str]:
    """The rooms `path` imports, at module level or inside a function."""
    return _imports(path) & set(ROOMS)


def test_the_may_import_table_names_every_room() -> None:
    present = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(ROOMS) == present - {"tests"}
    assert ROOMS["cli"] == set(ROOMS) - {"cli"}, "cli/ may import every room"


@pytest.mark.parametrize(
    "path",
    [p for room in ROOMS for p in _modules(room)],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_each_room_imports_only_what_the_table_allows(path: Path) -> None:
    room = path.relative_to(ROOT).parts[0]
    allowed = ROOMS[room] | {room}
    assert _our_imports(path) <= allowed, (
        f"{path.relative_to(ROOT)} imports {sorted(_our_imports(path) - allowed)}; "
        f"docs/architecture.md lets {room}/ import {sorted(ROOMS[room]) or 'no other room'}"
    )


@pytest.mark.parametrize("room", ["services", "notifications"])
def test_prefect_is_reached_only_through_orchestrator(room: str) -> None:
    offenders = [p.relative_to(ROOT).as_posix() for p in _modules(room) if "prefect" in _imports(p)]
    assert offenders == []
