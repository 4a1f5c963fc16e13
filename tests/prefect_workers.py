"""Prefect's per-process event and log workers, flushed before the server they talk to goes away.

Prefect keeps one events worker per process for every self-hosted server, whatever PREFECT_API_URL
says: it binds to the URL of the first server it talked to and keeps it. A test that stops its
server (or moves this process to another one) without flushing leaves that worker bound to a dead
address, so every later event in the run queues behind it and is retried (ten reconnections each);
at exit the queue is drained for minutes to hours (CI ran out of its 90 minutes on it).
`prefect_test_harness` flushes them before it stops its server, not before it starts one: a module
on a harness (`harness()`) flushes what an earlier module's server left first.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


def flush_prefect_workers(timeout: float = 30.0) -> None:
    """Send what the workers hold and stop them; the next event starts a worker on the current
    server. A no-op when Prefect was never imported."""
    if "prefect.events.worker" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=timeout)


@contextmanager
def harness() -> Iterator[None]:
    """`prefect_test_harness` (a throwaway server for one module), the workers bound to an
    earlier module's server flushed first: the module's events reach its own server."""
    from prefect.testing.utilities import prefect_test_harness

    flush_prefect_workers()
    with prefect_test_harness(server_startup_timeout=180):
        yield
