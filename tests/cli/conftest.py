"""Run the CLI in-process, as a coordinator would type it, and capture what it prints."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cli.app import run


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def debates(capsys: pytest.CaptureFixture[str], db_url: str):  # type: ignore[no-untyped-def]
    def call(*args: str) -> Result:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return call
