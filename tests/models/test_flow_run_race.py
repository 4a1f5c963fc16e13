"""A launch and a reconcile that both got a new cycle's flow run (one idempotency key) record it at
once: the cycle's row is read locked and fresh, so the run is recorded, and audited, once
(SQLite and PostgreSQL, two real transactions in two threads)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from migrations import upgrade
from models import db
from models.audit import AuditEvent
from models.cycle.launch import set_flow_run
from models.geography.registry import import_registry
from models.settings import SHIPPED_COMMUNES, get_settings
from tests.models.test_matching_db import NOW, launch

RUN = "00000000-0000-4000-8000-00000000000a"


@pytest.fixture
def committed(backend: str, fresh_database, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """A database whose every unit of work commits for real, holding one launched cycle; its id."""
    url = fresh_database(backend)
    engine = db.engine_for(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
        cycle_id = launch(session, "ML060205").id
    monkeypatch.setenv("DEBATES_DATABASE_URL", url)
    get_settings.cache_clear()
    yield cycle_id
    get_settings.cache_clear()


def test_two_writers_recording_the_same_run_at_once_audit_it_once(committed: int) -> None:
    first_holds, second_started = threading.Event(), threading.Event()
    changed: dict[str, bool] = {}

    def launch_side() -> None:
        with db.session_scope() as session:
            changed["launch"] = set_flow_run(session, committed, RUN, actor="launch", now=NOW)
            first_holds.set()
            second_started.wait(5)
            time.sleep(0.5)  # the reconcile reads the cycle now, before this commits

    def reconcile_side() -> None:
        first_holds.wait(5)
        second_started.set()
        with db.session_scope() as session:
            changed["reconcile"] = set_flow_run(session, committed, RUN, actor="sweep", now=NOW)

    threads = [threading.Thread(target=f) for f in (launch_side, reconcile_side)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert changed == {"launch": True, "reconcile": False}
    with db.session_scope(readonly=True) as session:
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.cycle_id == committed, AuditEvent.action == "cycle.flow_run")
        )
    assert audited == 1
