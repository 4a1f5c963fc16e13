"""`debates plan` and `debates db upgrade`, and how the CLI reports errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.app import run


def test_plan_prints_every_step_with_its_bamako_due_date(debates) -> None:
    result = debates("plan", "--commune", "diré", "--start", "2026-03-02")
    assert result.code == 0, result.err
    assert "Diré (Dire, Tombouctou) ML060205" in result.out
    assert "baseline" in result.out and "2026-03-23 18:00" in result.out
    assert "handover" in result.out and "2026-05-23 18:00" in result.out


def test_plan_with_a_start_without_timezone_names_the_option_and_the_fix(debates) -> None:
    result = debates("plan", "--commune", "ML060205", "--start", "2026-03-02T09:00")
    assert result.code == 1
    assert "--start: '2026-03-02T09:00' has no timezone" in result.err
    assert "Traceback" not in result.err


def test_plan_for_an_ambiguous_commune_lists_both_and_exits_1(debates) -> None:
    result = debates("plan", "--commune", "Tilemsi", "--start", "2026-03-02")
    assert result.code == 1
    assert "ML060314" in result.err and "ML070107" in result.err


def test_plan_uses_the_policy_file_from_settings(
    debates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.settings import get_settings

    policy = tmp_path / "policy.toml"
    policy.write_text("[cycle]\ndebate_sessions = 3\n", encoding="utf-8")
    monkeypatch.setenv("DEBATES_POLICY_FILE", str(policy))
    get_settings.cache_clear()
    result = debates("plan", "--commune", "ML060205", "--start", "2026-03-02")
    assert "session-3" in result.out


def test_debug_shows_the_traceback(debates) -> None:
    with pytest.raises(Exception, match="ambiguous"):
        run(["--debug", "plan", "--commune", "Tilemsi"])


def test_usage_errors_exit_2(debates) -> None:
    assert debates("plan").code == 2


def test_db_upgrade_creates_the_schema_of_a_fresh_database(
    fresh_database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from models.settings import get_settings

    monkeypatch.setenv("DEBATES_DATABASE_URL", fresh_database("sqlite"))
    get_settings.cache_clear()
    try:
        assert run(["db", "upgrade"]) == 0
        assert "empty ->" in capsys.readouterr().out
        assert run(["db", "upgrade"]) == 0
        assert "empty" not in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


def test_a_command_on_a_fresh_embedded_database_upgrades_it_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from models.settings import get_settings

    monkeypatch.delenv("DEBATES_DATABASE_URL", raising=False)
    monkeypatch.setenv("DEBATES_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        assert run(["communes", "import"]) == 0
        assert (tmp_path / "data" / "debates.sqlite3").exists()
        assert "701 added" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
