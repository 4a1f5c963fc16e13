"""Flow runs forked from a process that has already imported Prefect and the flows.

Prefect's Runner starts each flow run of a served deployment as `python -m prefect.engine`: a fresh
interpreter that imports Prefect's engine and the flow's module again, most of the CPU of a run that
goes from its start to its first suspension (docs/cycle-flow.md, "What a run costs"). Here a
multiprocessing fork server, started once by the serving process, imports them once (`PRELOAD`),
and each run is a process forked from it that runs `prefect.engine`'s main block, as
`python -m prefect.engine` would, in the environment Prefect built for the run.

Forking the fork server is safe where forking the serving process is not: it is single-threaded
and holds no event loop, no HTTP client and no database engine (models.db creates engines on first
use, never at import: tests/e2e/test_forked_runs.py checks the preload leaves none, and no
thread). Prefect resets its own thread and service singletons in a forked child
(`os.register_at_fork`).

Wiring (`installed`, around the serving process's Runner): Prefect's `EngineCommandStarter` still
builds the run's environment (the settings, `PREFECT__FLOW_RUN_ID`, the control channel's port and
token for cancellation, the heartbeat) and then calls its module's `run_process`, which Prefect
documents as the point to patch; `forked_run_process` takes that call for the engine command and
hands Prefect a `ProcessHandle` on the forked process, which the Runner signals and kills by pid
as before. If the fork server cannot start or fork, the run starts as `python -m prefect.engine`
(a log line says so).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.process
import os
import runpy
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
from prefect.runner import _starter_engine
from prefect.utilities.processutils import get_sys_executable

PRELOAD = (
    # what `python -m prefect.engine` imports before it loads the flow (bench/run_cpu.py)
    "prefect.engine",
    "prefect.flow_engine",
    "prefect._internal.metrics",
    # the served flows' modules and what they import
    "flows.cycle",
    "flows.launch",
    "flows.admin",
    "flows.reminder_sweep",
    "flows.field_import",
    "flows.report",
    # the `debates` script: a child runs its parent's main script again (multiprocessing's
    # preparation of a child), which costs nothing once the script's imports are loaded
    "cli.app",
)
"""Modules the fork server imports once, so that no flow run imports them."""

FORK_SERVER_COMMAND = b"from multiprocessing.forkserver import"
"""What the fork server's command line holds (`python -c 'from multiprocessing.forkserver …'`)."""

logger = logging.getLogger("debates.forkserver")


def engine_command() -> list[str]:
    """The command `EngineCommandStarter` runs for a flow run (`python -m prefect.engine`)."""
    return [get_sys_executable(), "-m", "prefect.engine"]


def start_fork_server(
    preload: tuple[str, ...] = PRELOAD,
) -> multiprocessing.context.ForkServerContext | None:
    """Start the fork server (it imports `preload` in the background); None if it cannot."""
    try:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        from multiprocessing import forkserver

        forkserver.ensure_running()
    except Exception as exc:  # no fork server here (no fork, no AF_UNIX): Prefect's own start
        logger.warning(
            "No fork server (%s): each flow run starts as `python -m prefect.engine`.", exc
        )
        return None
    return context


def fork_server_of(pid: int) -> int | None:
    """The fork server the serving process `pid` started, if it runs (from Linux's /proc)."""
    for child in child_pids(pid):
        if FORK_SERVER_COMMAND in _cmdline(child):
            return child
    return None


def run_pids(pid: int) -> list[int]:
    """The flow-run processes of the serving process `pid` (from Linux's /proc): its children
    but multiprocessing's helpers (the fork server, its resource tracker), and the fork
    server's children."""
    runs: list[int] = []
    for child in child_pids(pid):
        cmdline = _cmdline(child)
        if FORK_SERVER_COMMAND in cmdline:
            runs += child_pids(child)
        elif cmdline and b"from multiprocessing." not in cmdline:
            runs.append(child)
    return runs


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return b""


def child_pids(pid: int) -> list[int]:
    """The live children of `pid` (from /proc)."""
    try:
        return [
            int(child)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()
        ]
    except (FileNotFoundError, ProcessLookupError):
        return []


def run_engine(env: dict[str, str], cwd: str | None) -> None:
    """A forked run's body: `python -m prefect.engine` in this process, with `env` as its whole
    environment (what Prefect gave the command) and a settings context built from it."""
    os.environ.clear()
    os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
    from prefect.context import SettingsContext, get_settings_context
    from prefect.settings import Settings

    from models.settings import get_settings

    get_settings.cache_clear()  # read again from this run's environment
    sys.argv = [sys.argv[0]]  # the serving process's, as multiprocessing passes them on
    try:
        with (
            SettingsContext(profile=get_settings_context().profile, settings=Settings()),
            warnings.catch_warnings(),
        ):
            # runpy warns that prefect.engine is already imported: that is the point here.
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="runpy")
            runpy.run_module("prefect.engine", run_name="__main__", alter_sys=True)
    finally:
        # A forked child ends in os._exit: do what the interpreter does at its exit, so that
        # Prefect's log and event workers drain as they do after `python -m prefect.engine`.
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()


_reaping = threading.Lock()
"""Held while a forked process starts or its exit code is read: multiprocessing reads a fork
server child's exit code from a pipe once, and a start polls the children started before it
(`_cleanup`), so a start beside a join on another thread could read a code twice (the second read
finds the pipe closed: exit code 255, a run reported Crashed)."""


def _start(process: multiprocessing.process.BaseProcess) -> None:
    with _reaping:
        process.start()


def _join(process: multiprocessing.process.BaseProcess) -> None:
    multiprocessing.connection.wait([process.sentinel])  # its exit, without reading its code
    with _reaping:
        process.join()


def forked_run_process(
    context: multiprocessing.context.ForkServerContext,
    prefect_run_process: Callable[..., Any],
) -> Callable[..., Any]:
    """A stand-in for Prefect's `run_process` that forks the engine command from `context`'s
    fork server, and passes any other command (or a failed fork) to `prefect_run_process`."""

    async def run_process(
        command: list[str],
        *,
        stream_output: Any = False,
        task_status: anyio.abc.TaskStatus[Any] | None = None,
        task_status_handler: Callable[[Any], Any] | None = None,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        async def prefects() -> Any:
            return await prefect_run_process(
                command,
                stream_output=stream_output,
                task_status=task_status,
                task_status_handler=task_status_handler,
                env=env,
                cwd=cwd,
                **kwargs,
            )

        if command != engine_command() or kwargs or env is None:
            return await prefects()
        process = context.Process(
            target=run_engine,
            args=(env, None if cwd is None else os.fspath(cwd)),
            name=f"flow-run-{env.get('PREFECT__FLOW_RUN_ID', '')}",
        )
        try:
            await anyio.to_thread.run_sync(_start, process)
        except Exception as exc:
            logger.warning(
                "The fork server did not start this flow run (%s): it starts as "
                "`python -m prefect.engine`.",
                exc,
            )
            return await prefects()
        if task_status is not None:
            task_status.started(
                task_status_handler(process) if task_status_handler else process.pid
            )
        await anyio.to_thread.run_sync(_join, process)
        return process

    return run_process


@contextmanager
def installed(context: multiprocessing.context.ForkServerContext | None) -> Iterator[None]:
    """While inside, `EngineCommandStarter` forks its runs from `context`'s fork server (nothing
    changes when `context` is None)."""
    if context is None:
        yield
        return
    prefect_run_process = _starter_engine.run_process  # type: ignore[attr-defined]
    forked = forked_run_process(context, prefect_run_process)
    _starter_engine.run_process = forked  # type: ignore[attr-defined]
    try:
        yield
    finally:
        _starter_engine.run_process = prefect_run_process  # type: ignore[attr-defined]
