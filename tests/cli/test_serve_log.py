"""`debates up` keeps the serving process's output in a rotated data/serve.log: the newest lines in
serve.log, older ones in serve.log.1 … .3, nothing past them; the disk of a long-running `up` stays
bounded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli.supervise import SERVE_LOGS_KEPT, Supervisor

LINES = 600


def test_serve_log_rotates_and_keeps_the_newest_lines_in_order(tmp_path: Path) -> None:
    supervisor = Supervisor(
        api_url="http://127.0.0.1:9/api",
        data_dir=tmp_path / "data",
        limit=1,
        grace=0,
        server=None,
        say=print,
        log_bytes=4_000,
    )
    process = subprocess.Popen(
        [sys.executable, "-c", f"for i in range({LINES}): print(f'ligne {{i:04d}} é ' + 'x' * 40)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    supervisor._read(process)  # what up's reader thread does, until the process ends
    assert process.wait() == 0
    logs = [tmp_path / "data" / "serve.log"] + [
        tmp_path / "data" / f"serve.log.{n}" for n in range(1, SERVE_LOGS_KEPT + 1)
    ]
    assert all(log.exists() for log in logs)
    assert not (tmp_path / "data" / f"serve.log.{SERVE_LOGS_KEPT + 1}").exists()
    assert all(log.stat().st_size <= 4_000 for log in logs)
    kept = [line for log in reversed(logs) for line in log.read_text("utf-8").splitlines()]
    numbers = [int(line.split()[1]) for line in kept]
    assert numbers[-1] == LINES - 1  # the newest line is in serve.log
    assert numbers == list(range(numbers[0], LINES))  # in order, none lost between the files
    assert numbers[0] > 0  # the oldest went
    assert all(" é " in line for line in kept)  # UTF-8 as written
