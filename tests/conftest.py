"""Shared fixtures: the domain database on SQLite and on PostgreSQL, migrated and loaded once per run.

Every test that takes `session` (or `db_url`) runs twice, once per backend; its writes are rolled back
to a savepoint afterwards (join_transaction_mode="create_savepoint"), so tests never see each other.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import migrations
from cli.app import run
from models import db
from models.geography.registry import import_registry
from models.settings import SHIPPED_COMMUNES, get_settings
from tests.prefect_workers import flush_prefect_workers

PG_ADMIN = os.environ.get("DEBATES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

os.environ.setdefault("COLUMNS", "200")  # Rich tables on one line, so tests can read them


def _pg_problem() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    problem = _pg_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but {PG_ADMIN} is down: {problem}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN} ({problem}); start it to run these")
    return PG_ADMIN


def _create_pg_database(admin_url: str) -> str:
    name = f"debates_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def _drop_pg_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def fresh_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A factory of empty databases on a backend: fresh_database('sqlite') -> URL. Dropped at the end."""
    made: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("db") / "debates.sqlite3"
            url = f"sqlite:///{path}"
        else:
            url = _create_pg_database(request.getfixturevalue("pg_admin_url"))
        made.append(url)
        return url

    yield make
    for url in made:
        db.engine_for(url).dispose()
        if url.startswith("postgresql"):
            _drop_pg_database(PG_ADMIN, url)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_url(backend: str, fresh_database) -> str:  # type: ignore[no-untyped-def]
    """A database of `backend` migrated to head with the commune registry loaded (committed)."""
    url: str = fresh_database(backend)
    engine = db.engine_for(url)
    migrations.upgrade(engine)
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
    return url


@pytest.fixture
def db_url(migrated_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """Point settings at the test database; every session_scope() joins one outer transaction."""
    monkeypatch.setenv("DEBATES_DATABASE_URL", migrated_url)
    monkeypatch.setenv("DEBATES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DEBATES_ACTOR", "test-coordinator")
    get_settings.cache_clear()
    engine: Engine = db.engine_for(migrated_url)
    connection = engine.connect()
    outer = connection.begin()
    db.use_sessionmaker(
        sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
    )
    try:
        yield migrated_url
    finally:
        db.use_sessionmaker(None)
        outer.rollback()
        connection.close()
        get_settings.cache_clear()


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session inside the test's transaction, for arranging data and asserting on it."""
    with db.get_sessionmaker()() as s:
        yield s


# The CLI in-process, as a coordinator would type it, with what it prints.
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


@pytest.fixture(autouse=True)
def _prefect_api_url_restored() -> Iterator[None]:
    """A CLI command applies the server it found to the process (`orchestrator.server.use_server`
    sets PREFECT_API_URL); a test module's own server must not leak into the next module's, nor
    Prefect's event worker stay bound to it (tests/prefect_workers.py)."""
    before = os.environ.get("PREFECT_API_URL")
    yield
    if os.environ.get("PREFECT_API_URL") != before:
        flush_prefect_workers()
    if before is None:
        os.environ.pop("PREFECT_API_URL", None)
    else:
        os.environ["PREFECT_API_URL"] = before
