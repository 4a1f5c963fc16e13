"""SQLite writers begin with BEGIN IMMEDIATE: two units of work that read then write, at once, both
commit (one waits for the other), where deferred transactions fail with "database is locked"."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from models import db
from models.settings import get_settings


@pytest.fixture
def sqlite_scope(fresh_database, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = fresh_database("sqlite")
    monkeypatch.setenv("DEBATES_DATABASE_URL", url)
    get_settings.cache_clear()
    with db.engine_for(url).begin() as conn:
        conn.execute(text("CREATE TABLE tally (who TEXT NOT NULL)"))
    yield url
    get_settings.cache_clear()


def _read_then_write(*, readonly_first: bool) -> list[str]:
    """A reads, B writes and commits, then A writes. Returns what each unit of work ended with."""
    a_has_read, b_is_writing = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def run(name: str, body: Callable[[], None]) -> None:
        try:
            body()
            outcome[name] = "committed"
        except OperationalError as exc:
            outcome[name] = str(exc.orig)

    def a() -> None:
        with db.session_scope(readonly=readonly_first) as session:
            session.execute(text("SELECT count(*) FROM tally")).scalar_one()
            a_has_read.set()
            b_is_writing.wait(5)
            time.sleep(0.3)  # B commits now if it can; with BEGIN IMMEDIATE it waits for A
            session.execute(text("INSERT INTO tally VALUES ('a')"))

    def b() -> None:
        a_has_read.wait(5)
        b_is_writing.set()
        with db.session_scope() as session:
            session.execute(text("INSERT INTO tally VALUES ('b')"))

    threads = [threading.Thread(target=run, args=(n, f)) for n, f in (("a", a), ("b", b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return [outcome["a"], outcome["b"]]


def test_two_writers_at_once_both_commit(sqlite_scope: str) -> None:
    assert _read_then_write(readonly_first=False) == ["committed", "committed"]
    with db.session_scope(readonly=True) as session:
        rows = session.execute(text("SELECT who FROM tally ORDER BY rowid")).scalars().all()
    assert rows == ["a", "b"]  # B waited for A's lock, then wrote


def test_a_deferred_transaction_that_writes_after_another_commit_is_refused(
    sqlite_scope: str,
) -> None:
    a, b = _read_then_write(readonly_first=True)
    assert b == "committed"
    assert "database is locked" in a  # what BEGIN IMMEDIATE is there for
    with db.session_scope(readonly=True) as session:
        rows = session.execute(text("SELECT who FROM tally")).scalars().all()
    assert rows == ["b"]  # A's unit of work left nothing behind
