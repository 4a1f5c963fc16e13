"""Dispatch throughput: 1,000 notifications to a local json:// webhook, sequential vs concurrent.

The receiver runs in its own process (a threading HTTP server answering 200), so the sender's GIL
is not shared with it. Modes:

  sequential      Apprise's blocking notify(), one message after the other
  concurrent N    notifications.dispatch.deliver(): async_notify, N at a time

Then the throttle: three e-mails to one address on a local SMTP server (aiosmtpd), once through one
Apprise object with its default throttle (request_rate_per_sec = 5.5 s for e-mail), once through
deliver() (a plugin per message, throttle set to 0).

    .venv/bin/python bench/sweep_dispatch.py
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import apprise  # noqa: E402

from notifications.dispatch import Delivery, deliver, deliver_sequentially  # noqa: E402
from tests.notifications.receivers import Server, free_port, smtp_server  # noqa: E402

COUNT = 1000
errors: list[str] = []
BODY = (
    "Bonjour Coordination,\n\nRappel : l'étape « Procès-verbal du débat n° 1 » du cycle de débats "
    "de la commune de Diré (cercle de Dire, région de Tombouctou) est attendue dans 1 jour.\n"
)


def serve(port: int, counter: Any, delay: float = 0.0) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if delay:
                time.sleep(delay)  # a gateway on the network, not on this machine
            with counter.get_lock():
                counter.value += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = Server(("127.0.0.1", port), Handler)
    server.serve_forever()


def deliveries(port: int) -> list[Delivery]:
    return [
        Delivery(i, "json", f"Rappel n° {i}", BODY, url=f"json://127.0.0.1:{port}/hook/{i % 50}")
        for i in range(COUNT)
    ]


def latency_rows() -> list[tuple[str, int, float]]:
    """The same 1,000 to a webhook that takes 20 ms to answer, as a remote gateway would."""
    port = free_port()
    counter = multiprocessing.Value("i", 0)
    receiver = multiprocessing.Process(target=serve, args=(port, counter, 0.02), daemon=True)
    receiver.start()
    time.sleep(0.5)
    rows = []
    try:
        batch = deliveries(port)
        start = time.perf_counter()
        outcomes = deliver_sequentially(batch)
        rows.append(
            (
                "20 ms webhook: sequential notify()",
                sum(o.ok for o in outcomes),
                time.perf_counter() - start,
            )
        )
        start = time.perf_counter()
        outcomes = deliver(batch, concurrency=16)
        rows.append(
            (
                "20 ms webhook: concurrent, 16 at a time",
                sum(o.ok for o in outcomes),
                time.perf_counter() - start,
            )
        )
    finally:
        receiver.terminate()
    return rows


def throttle_rows() -> list[tuple[str, int, float]]:
    rows = []
    with smtp_server() as box:
        url = box.url("coordination@example.org")
        apobj = apprise.Apprise()
        apobj.add(url)
        start = time.perf_counter()
        for i in range(3):
            apobj.notify(body=BODY, title=f"Rappel {i}")
        rows.append(
            ("3 e-mails, one Apprise object (default throttle)", 3, time.perf_counter() - start)
        )
        start = time.perf_counter()
        deliver(
            [Delivery(i, "mailto", f"Rappel {i}", BODY, url=url) for i in range(3)], concurrency=4
        )
        rows.append(("3 e-mails, deliver() (throttle 0)", 3, time.perf_counter() - start))
        assert len(box.messages) == 6
    return rows


def main() -> None:
    port = free_port()
    counter = multiprocessing.Value("i", 0)
    receiver = multiprocessing.Process(target=serve, args=(port, counter), daemon=True)
    receiver.start()
    time.sleep(0.5)
    rows: list[tuple[str, int, float]] = []
    try:
        batch = deliveries(port)
        deliver_sequentially(batch[:10])  # warm-up: imports, plugin registry
        counter.value = 0
        start = time.perf_counter()
        outcomes = deliver_sequentially(batch)
        rows.append(
            ("sequential notify()", sum(o.ok for o in outcomes), time.perf_counter() - start)
        )
        for concurrency in (4, 16, 32):
            start = time.perf_counter()
            outcomes = deliver(batch, concurrency=concurrency)
            errors.extend(o.error or "" for o in outcomes if not o.ok)
            rows.append(
                (
                    f"concurrent async_notify, {concurrency} at a time",
                    sum(o.ok for o in outcomes),
                    time.perf_counter() - start,
                )
            )
        received = counter.value
    finally:
        receiver.terminate()
    rows.extend(latency_rows())
    rows.extend(throttle_rows())
    delivered = sum(row[1] for row in rows[:4])
    for error in sorted(set(errors)):
        print(f"not delivered ({errors.count(error)}x, the ledger would retry it): {error}")
    print(f"receiver counted {received} requests for {delivered} reported delivered")
    print(f"{'mode':<52} | {'delivered':>9} | {'seconds':>8} | {'per second':>10}")
    for mode, delivered, seconds in rows:
        print(f"{mode:<52} | {delivered:>9} | {seconds:>8.2f} | {delivered / seconds:>10.1f}")


if __name__ == "__main__":
    main()
