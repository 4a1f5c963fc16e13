"""Engines and sessions. Nothing is created at import time: tests switch databases through settings.

`session_scope()` is the one unit of work: it commits on success and rolls back on any error, so a
write is always one transaction and bad input leaves the database unchanged.

On SQLite a unit of work that may write starts with BEGIN IMMEDIATE: it takes the write lock up
front and waits for it (busy_timeout). A deferred BEGIN that reads, then writes after another
process committed, fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT in WAL mode)
whatever the timeout; that is what several cycle flows writing at once ran into. Read-only work
asks for `session_scope(readonly=True)` and keeps WAL's concurrent readers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.settings import get_settings

_override: sessionmaker[Session] | None = None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions lazily and breaks SAVEPOINT; take control of BEGIN ourselves
    # (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


IMMEDIATE = "debates_sqlite_immediate"
"""Execution option: begin this connection's transaction with BEGIN IMMEDIATE (SQLite only)."""


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@lru_cache(maxsize=16)
def engine_for(url: str) -> Engine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def get_engine() -> Engine:
    return engine_for(get_settings().resolved_database_url())


def get_sessionmaker() -> sessionmaker[Session]:
    if _override is not None:
        return _override
    return _sessionmaker_for(get_settings().resolved_database_url())


@lru_cache(maxsize=16)
def _sessionmaker_for(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False)


def use_sessionmaker(factory: sessionmaker[Session] | None) -> None:
    """Route every session_scope() to `factory` (tests bind it to a connection under a savepoint)."""
    global _override
    _override = factory


@contextmanager
def session_scope(*, readonly: bool = False) -> Iterator[Session]:
    """One transaction, committed on success, rolled back on any error.

    `readonly` only chooses SQLite's deferred BEGIN (no write lock); it does not forbid writes.
    """
    session = get_sessionmaker()(execution_options={IMMEDIATE: not readonly})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
