"""A new user's first minutes: a clone in an empty folder (no ../shared beside it), the README's setup,
and the commune registry at work with nothing set.

The clone takes the committed HEAD of the checkout the tests run from: uncommitted changes are not in
it. Needs PyPI for the install (CI reaches it); about a minute.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.fresh_clone


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def _uncommitted() -> str:
    changed = _git("status", "--porcelain", "--untracked-files=no")
    return (
        f" (the clone has only committed files; uncommitted changes here: {changed.split()})"
        if changed
        else ""
    )


def test_a_fresh_clone_sets_up_with_make_and_finds_communes_with_nothing_set(
    tmp_path: Path,
) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git checkout: there is nothing to clone")
    clone = tmp_path / "empty" / "debates"  # nothing beside it: no ../shared
    _git("clone", "--quiet", "--no-checkout", str(ROOT), str(clone))
    _git("checkout", "--quiet", _git("rev-parse", "HEAD"), cwd=clone)
    assert not (clone.parent.parent / "shared").exists()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DEBATES_"))}
    env.pop("VIRTUAL_ENV", None)
    setup = subprocess.run(
        ["make", ".venv/.installed"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert setup.returncode == 0, (
        f"make .venv/.installed failed{_uncommitted()}:\n" + (setup.stdout + setup.stderr)[-3000:]
    )

    def debates(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(clone / ".venv" / "bin" / "debates"), *args],
            cwd=clone,
            env=env | {"COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=120,
        )

    imported = debates("communes", "import")
    why = f"{imported.stdout}{imported.stderr}{_uncommitted()}"
    assert imported.returncode == 0, why
    assert "Imported 701 communes" in imported.stdout, why
    assert str(clone / "models" / "data" / "mali_communes.csv") in imported.stdout, why
    assert (clone / "data" / "debates.sqlite3").exists(), "the database is not in the clone's data/"

    tombouctou = debates("communes", "find", "Tombouctou")
    assert tombouctou.returncode == 0, tombouctou.stderr
    assert "ML060106" in tombouctou.stdout
    assert "Region Tombouctou ML06: 52 communes" in tombouctou.stdout

    dire = debates("communes", "find", "Diré")
    assert dire.returncode == 0, dire.stderr
    assert "ML060205" in dire.stdout and "Diré" in dire.stdout

    # Two communes bear the name: `find` lists both with their P-codes (the commands that need
    # one commune refuse the name and ask for the P-code).
    tilemsi = debates("communes", "find", "Tilemsi")
    assert tilemsi.returncode == 0, tilemsi.stderr
    assert "ML060314" in tilemsi.stdout and "Goundam" in tilemsi.stdout
    assert "ML070107" in tilemsi.stdout and "Gao" in tilemsi.stdout

    refused = debates("plan", "--commune", "Tilemsi", "--start", "2026-03-02")
    assert refused.returncode == 1
    assert "ML060314" in refused.stderr and "ML070107" in refused.stderr
