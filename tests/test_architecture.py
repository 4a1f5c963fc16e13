"""The rooms of DESIGN.md, enforced by reading our own source (as flint's test_flows.py does)."""

from __future__ import annotations

import ast
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


@pytest.mark.parametrize("path", _modules("models"), ids=lambda p: p.name)
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


@pytest.mark.parametrize("path", _modules("flows"), ids=lambda p: p.name)
def test_flows_hold_no_sql_and_open_no_session(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert "sqlalchemy" not in _imports(path)
    for forbidden in ("session_scope", "select(", "execute(", 'text("', "INSERT ", "UPDATE "):
        assert forbidden not in source, f"{path.name} uses {forbidden!r}: move it into a task"


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
