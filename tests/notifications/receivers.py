"""Real local receivers: an HTTP server for json:// webhooks and an aiosmtpd SMTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Server(ThreadingHTTPServer):
    """A threading HTTP server with a listen backlog for many concurrent senders (default: 5)."""

    daemon_threads = True
    request_queue_size = 256


@dataclass
class Webhook:
    """Records every JSON POST; answers 500 on paths containing '/fail', and can be slowed down."""

    port: int = 0
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def messages(self) -> list[str]:
        with self.lock:
            return [r["message"] for r in self.received]


@contextmanager
def webhook(delay: float = 0.0) -> Iterator[Webhook]:
    hook = Webhook(delay=delay)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            if not body or len(body) < length:
                return  # the sender died mid-request (a killed sweep): nothing was delivered
            payload = json.loads(body)
            payload["_path"] = self.path
            if hook.delay:
                time.sleep(hook.delay)
            failing = "/fail" in self.path
            with hook.lock:
                (hook.failed if failing else hook.received).append(payload)
            self.send_response(500 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = Server(("127.0.0.1", 0), Handler)
    hook.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def locked_prefect() -> Iterator[str]:
    """A Prefect API that answers its health check and 500 "database is locked" to everything
    else, as Prefect's server on SQLite does under load; its API URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            healthy = self.path.rstrip("/").endswith("/health")
            body = b"true" if healthy else b'{"detail": "database is locked"}'
            self.send_response(200 if healthy else 500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    """Accepts mail; refuses (550) every recipient whose address starts with 'refuse'."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=debates@example.org&to={to}"


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("refuse"):
            self.box.refused.append(address)
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.box.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = free_port()
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
