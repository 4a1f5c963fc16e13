"""Exactly once across processes: two sweeps at once over 1,000 due reminders, and a sweep killed
mid-dispatch then run again, on SQLite and on PostgreSQL. Counted at a real webhook receiver."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import db
from models.reminders.ledger import Notification
from models.settings import PROJECT_ROOT
from tests.notifications.receivers import webhook
from tests.notifications.seed import day_before, seed_due_reminders

DUE = datetime(2026, 6, 2, 18, 0, tzinfo=UTC)
CYCLES = 125  # the step each waits on, to a coordinator with 8 channels: 1,000 reminders
REF = re.compile(r"Réf\. (\d+)")


def start_sweep(
    url: str, now: datetime, concurrency: int = 16, *, patience: float | None = None
) -> subprocess.Popen[str]:
    """A sweep in its own process; `patience`: how long it waits for the database to take the
    outcomes it sent (notifications/deliveries.py RECORD_PATIENCE, 30 s unless given)."""
    env = {**os.environ, "DEBATES_DATABASE_URL": url}
    if patience is not None:
        env["SWEEP_RECORD_PATIENCE"] = str(patience)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.notifications.sweep_process",
            now.isoformat(),
            str(concurrency),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def refs(messages: list[str]) -> Counter[int]:
    found: Counter[int] = Counter()
    for message in messages:
        match = REF.search(message)
        assert match, message
        found[int(match.group(1))] += 1
    return found


def ledger_counts(url: str) -> dict[str, int]:
    with Session(db.engine_for(url)) as session:
        rows = session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        ).all()
    return {status: count for status, count in rows}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_sweeps_at_once_send_every_one_of_1000_reminders_exactly_once(
    backend: str, fresh_database
) -> None:  # type: ignore[no-untyped-def]
    url = fresh_database(backend)
    with webhook() as hook:
        due = seed_due_reminders(url, cycles=CYCLES, due_at=DUE, hook_url=hook.url("coord"))
        assert due == 1000
        first, second = start_sweep(url, day_before(DUE)), start_sweep(url, day_before(DUE))
        outputs = [p.communicate(timeout=300) for p in (first, second)]
        for process, (_out, err) in zip((first, second), outputs, strict=True):
            assert process.returncode == 0, err[-2000:]
        received = refs(hook.messages())

    reports = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert sum(r["sent"] for r in reports) == 1000
    assert len(received) == 1000
    assert set(received.values()) == {1}
    assert ledger_counts(url) == {"sent": 1000}
    print(f"{backend}: the two sweeps sent {[r['sent'] for r in reports]}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_sweep_killed_mid_dispatch_loses_nothing_and_repeats_at_most_the_unrecorded(
    backend: str, fresh_database
) -> None:  # type: ignore[no-untyped-def]
    url = fresh_database(backend)
    concurrency = 16
    with webhook(delay=0.02) as hook:
        seed_due_reminders(url, cycles=CYCLES, due_at=DUE, hook_url=hook.url("coord"))
        now = day_before(DUE)
        doomed = start_sweep(url, now, concurrency)
        deadline = time.monotonic() + 120
        while len(hook.received) < 300:
            assert doomed.poll() is None, doomed.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the first sweep sent nothing"
            time.sleep(0.01)
        doomed.kill()  # SIGKILL: no cleanup, no outcome recorded for what was in flight
        doomed.wait()
        stranded = ledger_counts(url).get("claimed", 0)
        assert stranded > 0

        # The next sweep, after the claim lease, takes the stranded claims over.
        later = now + timedelta(minutes=16)
        rerun = start_sweep(url, later, concurrency)
        _out, err = rerun.communicate(timeout=300)
        assert rerun.returncode == 0, err[-2000:]
        received = refs(hook.messages())

    assert len(received) == 1000  # nothing lost
    repeated = sum(count - 1 for count in received.values())
    assert repeated <= concurrency  # a message holds its slot until its outcome is recorded
    assert ledger_counts(url) == {"sent": 1000}
    print(f"{backend}: {stranded} claims stranded by the kill, {repeated} repeated")
