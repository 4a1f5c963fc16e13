"""`debates up` starts its Prefect server on the database DEBATES_PREFECT_DATABASE_URL names (Prefect's
own PREFECT_API_DATABASE_CONNECTION_URL wins), and says which without its password.
tests/e2e/test_workers.py starts a real server so, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from models.settings import get_settings
from orchestrator.server import DATABASE_VARIABLE, server_database, server_environment

PG = "postgresql+asyncpg://amm:s3cret@db.example.org:5432/prefect"


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(DATABASE_VARIABLE, raising=False)
    monkeypatch.delenv("DEBATES_PREFECT_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_without_the_setting_the_server_keeps_prefects_sqlite() -> None:
    assert DATABASE_VARIABLE not in server_environment()
    assert server_database().startswith("SQLite")


def test_the_setting_gives_the_server_its_postgresql_database_unprinted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEBATES_PREFECT_DATABASE_URL", PG)
    get_settings.cache_clear()
    assert server_environment()[DATABASE_VARIABLE] == PG
    assert server_database() == "PostgreSQL (db.example.org:5432/prefect)"
    assert "s3cret" not in repr(get_settings())


def test_prefects_own_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBATES_PREFECT_DATABASE_URL", PG)
    monkeypatch.setenv(DATABASE_VARIABLE, "postgresql+asyncpg://other@127.0.0.1:5432/p")
    get_settings.cache_clear()
    assert server_environment()[DATABASE_VARIABLE].endswith("@127.0.0.1:5432/p")
    assert server_database() == "PostgreSQL (127.0.0.1:5432/p)"
