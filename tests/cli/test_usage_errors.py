"""Usage errors are Typer's (usage line, message, exit 2); "Unexpected error" is kept for bugs."""

from __future__ import annotations

import pytest

from cli.app import run


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(
    ("args", "usage", "message"),
    [
        (["launch", "--no-run"], "Usage: debates launch [OPTIONS]", "No such option: --no-run"),
        (["show"], "Usage: debates show [OPTIONS] {cycle}", "Missing argument 'cycle'"),
        (["show", "one"], "Usage: debates show", "Invalid value for 'cycle'"),
        (["db", "frobnicate"], "Usage: debates db [OPTIONS] COMMAND", "No such command"),
        (["communes", "list", "--cercle"], "", "Option '--cercle' requires an argument"),
    ],
    ids=["unknown-option", "missing-argument", "bad-value", "unknown-command", "option-no-value"],
)
def test_a_usage_error_prints_the_usage_and_the_problem_and_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str], usage: str, message: str
) -> None:
    code, output = _run(capsys, *args)
    assert code == 2
    assert usage in output
    assert message in output
    assert "Unexpected error" not in output


def test_help_exits_0_and_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _run(capsys, "--help")
    assert code == 0
    assert "Usage: debates [OPTIONS] COMMAND" in output
    for command in ("communes", "launch", "status", "cycles", "submit", "up"):
        assert command in output


def test_serve_limit_default_is_the_serving_processes(capsys: pytest.CaptureFixture[str]) -> None:
    # cli/serve.py repeats the defaults so that `debates --help` need not import the deployments.
    from cli.serve import GRACE, SERVE_LIMIT
    from deployments.serve import GRACE as SERVING_GRACE
    from deployments.serve import SERVE_LIMIT as SERVING

    assert SERVE_LIMIT == SERVING
    assert GRACE == SERVING_GRACE
    code, output = _run(capsys, "serve", "--help")
    assert code == 0 and f"[default: {SERVING}]" in output


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("DEBATES_KOBO_URL", "http://kobo.example.org", "is not an https:// address"),
        ("DEBATES_LOCALE", "de", "Input should be 'fr' or 'en'"),
    ],
)
def test_a_bad_setting_is_one_line_naming_its_variable_and_exits_1(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    said: str,
) -> None:
    from models.settings import get_settings

    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        code, output = _run(capsys, "cycles")
    finally:
        monkeypatch.delenv(variable)
        get_settings.cache_clear()
    assert code == 1
    assert f"the settings are not valid: {variable}: " in output and said in output
    assert "Unexpected error" not in output and "pydantic" not in output


def test_the_kobo_token_travels_in_clear_only_to_this_machine() -> None:
    from models.settings import Settings

    for local in ("http://127.0.0.1:8000", "http://localhost", "https://kf.kobotoolbox.org"):
        assert Settings(kobo_url=local).kobo_url == local
