"""Sending through Apprise: many messages at once, none paced by Apprise's throttle, no secret leaked.

- Concurrency is bounded: at most `concurrency` messages in flight or awaiting their record, and a
  thread pool of `concurrency` workers (Apprise's `async_notify` runs each plugin's blocking
  `send()` in the loop's default executor).
- Apprise sleeps `request_rate_per_sec` seconds (5.5 s for e-mail and most services) between two
  sends *of one plugin instance*. Each message gets its own instance, and we set that attribute to 0
  on it, so a batch of reminders is never paced at one message per 5.5 s.
- Apprise URLs carry tokens and passwords. Apprise's own log records (which name targets, and at
  debug level whole URLs) never reach a handler: a filter on its logger takes them, keeps the
  warnings of each message, redacts them against the message's URL, and the short result is the
  `error` of the outcome, which the ledger stores.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

log = logging.getLogger("debates.notifications")

MAX_ERROR = 300
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


@dataclass(frozen=True)
class Delivery:
    """One message to one channel. `url` is a secret: it is left out of repr()."""

    notification_id: int
    channel: str
    title: str
    body: str
    url: str = field(repr=False)
    attachments: tuple[str, ...] = ()  # file paths (an invitation's .ics)


@dataclass(frozen=True)
class Outcome:
    notification_id: int
    ok: bool
    error: str | None = None


def secret_parts(url: str) -> list[str]:
    """The pieces of an Apprise URL that may be a secret (user, password, host, path, query)."""
    parts = [url]
    try:
        split = urlsplit(url)
        parts += [split.netloc, split.username or "", split.password or "", split.hostname or ""]
        parts += [unquote(p) for p in split.path.split("/")]
        parts += [p for p in split.path.split("/")]
        for key, value in parse_qsl(split.query, keep_blank_values=True):
            parts += [value, unquote(value), key]
    except ValueError:
        pass
    return sorted({p for p in parts if len(p) >= 3}, key=len, reverse=True)


def redact(text: str, url: str) -> str:
    """`text` without the URL or any piece of it, and without any other URL; short."""
    for part in secret_parts(url):
        text = text.replace(part, "***")
    text = _URL.sub("<url>", text)
    text = " ".join(text.split())
    return text[:MAX_ERROR]


class _Capture(logging.Filter):
    """Takes every record of Apprise's logger before any handler sees it.

    A logger-level filter, not a handler: handlers attached to the logger later (pytest's,
    anyone's) never receive a record, so no Apprise message reaches any log. Warnings of a send
    are kept for that message, by the thread that is sending it, to be redacted into its error.
    """

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()
        self.records: dict[int, list[str]] = defaultdict(list)
        self.records_lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        current = getattr(self.local, "current", None)
        if current is not None and record.levelno >= logging.WARNING:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record must not break a send
                message = "unreadable log record"
            with self.records_lock:
                self.records[current].append(message)
        return False

    def take(self, notification_id: int) -> list[str]:
        with self.records_lock:
            return self.records.pop(notification_id, [])


_capture: _Capture | None = None
_capture_lock = threading.Lock()


def _install_capture() -> _Capture:
    """Silence Apprise's logger (it names targets and, at debug level, whole URLs): its records
    only feed the per-message capture."""
    global _capture
    with _capture_lock:
        if _capture is None:
            _capture = _Capture()
            logging.getLogger("apprise").addFilter(_capture)
        return _capture


def _plugin(delivery: Delivery, capture: _Capture) -> Any:
    capture.local.current = delivery.notification_id
    try:
        plugin = apprise.Apprise.instantiate(delivery.url)
    finally:
        capture.local.current = None
    if plugin is None:
        return None
    # Apprise sleeps this long between two sends of one instance; ours sends once.
    plugin.request_rate_per_sec = 0
    # Our templates are plain text: send them as such (e-mail would otherwise go as HTML and
    # lose its line breaks in the text part).
    plugin.notify_format = apprise.NotifyFormat.TEXT
    original = plugin.send

    def send(*args: Any, **kwargs: Any) -> Any:
        capture.local.current = delivery.notification_id
        try:
            return original(*args, **kwargs)
        finally:
            capture.local.current = None

    plugin.send = send  # type: ignore[method-assign]  # this instance only: tag its log records
    return plugin


def _error(delivery: Delivery, capture: _Capture, fallback: str) -> str:
    said = capture.take(delivery.notification_id)
    detail = "; ".join(said[-2:]) if said else fallback
    return redact(f"{delivery.channel}: {detail}", delivery.url)


async def _send(delivery: Delivery, capture: _Capture) -> Outcome:
    plugin = _plugin(delivery, capture)
    if plugin is None:
        return Outcome(
            delivery.notification_id,
            False,
            _error(delivery, capture, "not a valid Apprise URL; fix the contact"),
        )
    try:
        ok = await plugin.async_notify(
            body=delivery.body,
            title=delivery.title,
            body_format=apprise.NotifyFormat.TEXT,
            attach=list(delivery.attachments) or None,
        )
    except Exception as exc:  # recorded in the ledger and retried, never swallowed
        return Outcome(
            delivery.notification_id,
            False,
            _error(delivery, capture, f"{type(exc).__name__}: {exc}"),
        )
    if ok:
        capture.take(delivery.notification_id)
        return Outcome(delivery.notification_id, True)
    return Outcome(delivery.notification_id, False, _error(delivery, capture, "delivery refused"))


async def deliver_async(
    deliveries: Sequence[Delivery],
    *,
    concurrency: int,
    record: Callable[[list[Outcome]], None] | None = None,
    record_every: int = 8,
) -> list[Outcome]:
    """Send every delivery, at most `concurrency` at once; hand outcomes to `record` in batches.

    A message holds its slot from the moment it is sent until `record` has taken its outcome, so
    at any instant at most `concurrency` messages are sent and not yet recorded: a crash, even in
    the middle of `record`, leaves at most that many for the next sweep to send again. `record`
    runs on the event loop thread as soon as `record_every` outcomes are in (fewer when
    `concurrency` is smaller), and at the end.
    """
    capture = _install_capture()
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="apprise")
    loop.set_default_executor(executor)
    batch = max(1, min(record_every, concurrency))
    outcomes: list[Outcome] = []
    pending: list[Outcome] = []
    sending: set[asyncio.Task[Outcome]] = set()

    async def collect() -> None:
        nonlocal sending, pending
        done, sending = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            outcomes.append(task.result())
            pending.append(task.result())
        if len(pending) >= batch:
            if record is not None:
                record(pending)
            pending = []

    try:
        for delivery in deliveries:
            # Sent-but-unrecorded messages never exceed `concurrency`: `pending` < `batch`
            # after each collect, so this waits only while something is being sent.
            while len(sending) + len(pending) >= concurrency:
                await collect()
            sending.add(asyncio.create_task(_send(delivery, capture)))
        while sending:
            await collect()
        if record is not None and pending:
            record(pending)
    finally:
        for task in sending:
            task.cancel()
        executor.shutdown(wait=False, cancel_futures=True)
    return outcomes


def deliver(
    deliveries: Sequence[Delivery],
    *,
    concurrency: int,
    record: Callable[[list[Outcome]], None] | None = None,
    record_every: int = 8,
) -> list[Outcome]:
    """Synchronous entry point: runs `deliver_async` on a fresh event loop (in a thread if one
    is running already, as inside an async caller)."""
    if not deliveries:
        return []

    def run() -> list[Outcome]:
        return asyncio.run(
            deliver_async(
                deliveries, concurrency=concurrency, record=record, record_every=record_every
            )
        )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with ThreadPoolExecutor(max_workers=1) as one:
        return one.submit(run).result()


def deliver_sequentially(deliveries: Iterable[Delivery]) -> list[Outcome]:
    """One at a time with Apprise's blocking notify(): the baseline the benchmark compares with."""
    capture = _install_capture()
    outcomes = []
    for delivery in deliveries:
        plugin = _plugin(delivery, capture)
        ok = bool(
            plugin
            and plugin.notify(
                body=delivery.body, title=delivery.title, body_format=apprise.NotifyFormat.TEXT
            )
        )
        error = None if ok else _error(delivery, capture, "delivery refused")
        outcomes.append(Outcome(delivery.notification_id, ok, error))
    return outcomes
