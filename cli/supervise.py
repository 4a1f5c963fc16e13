"""What `debates up` runs and watches once it is up.

The serving process (`debates serve --supervised`, in a session of its own so that a terminal's
Ctrl-C reaches `up` alone, never the flow runs) is started again when it dies. The Prefect server
`up` started is started again when it dies; a server it did not start is waited for, one line a
minute. The serving process's output goes to `<data folder>/serve.log` (rotated at 10 MB, three
older files kept: serve.log.1 … .3), and to the terminal once the server answered after the line
was written: while no server answers, the tracebacks of its lost connections stay in the log.

A stop (SIGTERM or Ctrl-C) is handed to the serving process, which drains (deployments/serve.py);
a second one makes it put the runs in flight back at once. `up` waits for it `grace` seconds and
`DRAIN_MARGIN` more, then kills it: `up` ends within `stop_bound(grace)` seconds every time.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import FrameType

from orchestrator import server

DRAIN_MARGIN = 20.0
"""Seconds, past the grace, for the serving process to put back its runs and exit."""

SERVER_STOP = 10.0
"""Seconds the Prefect server has to stop before it is killed."""

CHECK_EVERY = 1.0
WAITING_LINE_EVERY = 60.0
SERVE_LOG_BYTES = 10 * 1024 * 1024
SERVE_LOGS_KEPT = 3
"""serve.log is rotated past SERVE_LOG_BYTES; so many older ones are kept (serve.log.1 …)."""


def stop_bound(grace: float) -> float:
    """The most seconds `up` takes to stop once asked (its server's stop included)."""
    return grace + DRAIN_MARGIN + 2 * SERVER_STOP


def _how(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


@dataclass
class Supervisor:
    api_url: str
    data_dir: Path
    limit: int
    grace: float
    server: subprocess.Popen[bytes] | None
    """The Prefect server this `up` started (None: another one it waits for when it is away)."""
    say: Callable[[str], None]
    stops: int = 0
    runner: subprocess.Popen[bytes] | None = None
    log_bytes: int = SERVE_LOG_BYTES
    _log: RotatingFileHandler | None = None
    _lines: deque[tuple[float, bytes]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _wake: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Serve until stopped; then stop the serving process within the bound."""
        handlers = {s: signal.signal(s, self._stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._start_runner()
            self._watch()
            self._stop_runner()
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stops += 1
        if self.stops == 1:
            self.say(
                f"Stopping: no new runs; runs in flight have {self.grace:.0f} s to reach their "
                "next wait (Ctrl-C again stops them at once; they are put back, not lost)."
            )
        elif self.stops == 2:
            self.say("Stopping at once: the runs in flight are put back to wait.")
        if self.runner is not None and self.runner.poll() is None and self.stops <= 2:
            os.kill(self.runner.pid, signal.SIGTERM)
        self._wake.set()

    def _start_runner(self) -> None:
        command = [
            sys.executable,
            "-u",
            "-m",
            "cli",
            "serve",
            "--supervised",
        ]  # -u: lines as written
        command += ["--limit", str(self.limit), "--grace", str(self.grace)]
        self.runner = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=self._read, args=(self.runner,), daemon=True).start()

    def _serve_log(self) -> RotatingFileHandler:
        """One handler for every serving process `up` starts: it rotates under its own lock."""
        with self._lock:
            if self._log is None:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                self._log = RotatingFileHandler(
                    self.data_dir / "serve.log",
                    maxBytes=self.log_bytes,
                    backupCount=SERVE_LOGS_KEPT,
                    encoding="utf-8",
                )
                self._log.setFormatter(logging.Formatter("%(message)s"))
            return self._log

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        log = self._serve_log()
        for line in process.stdout:
            text = line.decode("utf-8", errors="replace").rstrip("\r\n")
            log.handle(logging.makeLogRecord({"msg": text, "levelno": logging.INFO}))
            with self._lock:
                self._lines.append((time.monotonic(), line))

    def _release(self, written_before: float, *, show: bool) -> None:
        """Show (or only keep in the log) the serving process's lines written before a time."""
        with self._lock:
            while self._lines and self._lines[0][0] <= written_before:
                _, line = self._lines.popleft()
                if show:
                    sys.stdout.buffer.write(line)
        sys.stdout.flush()

    def _watch(self) -> None:
        down_since: datetime | None = None
        said_at = 0.0
        while not self.stops:
            checked = time.monotonic()
            if server.answers(self.api_url, timeout=2.0):
                self._release(checked, show=True)
                if down_since is not None:
                    self.say(f"The Prefect server at {self.api_url} answers again; serving.")
                    down_since = None
                assert self.runner is not None
                if self.runner.poll() is not None and not self.stops:
                    self.say(
                        f"The serving process stopped ({_how(self.runner.returncode)}); "
                        "starting it again."
                    )
                    self._start_runner()
            else:
                self._release(checked, show=False)
                if self.server is not None and self.server.poll() is not None:
                    self.say(
                        f"The Prefect server stopped ({_how(self.server.returncode)}); "
                        f"starting it again at {self.api_url}."
                    )
                    self.server = self._restart_server()
                    continue
                if down_since is None:
                    down_since, said_at = datetime.now(UTC), 0.0
                if checked - said_at >= WAITING_LINE_EVERY:
                    self.say(
                        f"No Prefect server answers at {self.api_url} (since "
                        f"{down_since:%H:%M:%S} UTC); waiting for it."
                    )
                    said_at = checked
            self._wake.wait(CHECK_EVERY)

    def _restart_server(self) -> subprocess.Popen[bytes] | None:
        try:
            started = server.start_server(
                self.api_url,
                log_file=self.data_dir / "prefect-server.log",
                given_up=lambda: self.stops > 0,  # a stop meanwhile: up ends within its bound
            )
        except RuntimeError as exc:
            self.say(f"The Prefect server did not start again ({exc}); waiting for one.")
            return None
        if server.recorded_api_url(self.data_dir) == self.api_url:
            server.record_server(self.data_dir, self.api_url, pid=started.pid)
        return started

    def _stop_runner(self) -> None:
        runner = self.runner
        if runner is None:
            return
        deadline = time.monotonic() + self.grace + DRAIN_MARGIN
        while runner.poll() is None and time.monotonic() < deadline:
            self._release(time.monotonic(), show=True)
            time.sleep(0.2)
        if runner.poll() is None:
            self.say("The serving process did not stop in time; killing it.")
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
        time.sleep(0.2)  # the reader's last lines
        self._release(time.monotonic(), show=True)
        if self._log is not None:
            self._log.close()
