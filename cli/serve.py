"""`debates up` (the main job), `debates serve` and `debates reconcile`."""

from typing import Annotated

import typer

from cli.common import console, prepare_database
from cli.launch import require_server

SERVE_LIMIT = 16
"""Default of --limit; tests/cli/test_usage_errors.py keeps it equal to deployments.serve's."""

GRACE = 30.0
"""Default of --grace; tests/cli/test_usage_errors.py keeps it equal to deployments.serve's."""


def reconcile_and_show() -> int:
    """Repair every half-state (services/reconcile.py) and print each repair; how many."""
    from cli.repairs import show_repairs
    from models.settings import get_settings
    from services.reconcile import reconcile

    return show_repairs(reconcile(who=get_settings().resolved_actor()))


def reconcile() -> None:
    """Repair what an interruption left half done: a team for each active cycle never matched, the
    live flow run of a cancelled cycle cancelled, a fresh flow run for each active cycle whose run
    is missing, cancelled, crashed, failed or suspended on a finished step (and for each completed
    cycle whose run still sleeps on a step).

    A fresh run replays from the database to the step the cycle waits on. Prints one line per
    repair, grouped by kind.
    """
    prepare_database()
    require_server(deployed=True)
    reconcile_and_show()


def serve(
    limit: Annotated[int, typer.Option(help="Flow runs executed at once")] = SERVE_LIMIT,
    grace: Annotated[
        float,
        typer.Option(help="Seconds a stop gives running steps to reach their next wait"),
    ] = GRACE,
    supervised: Annotated[bool, typer.Option(hidden=True)] = False,
) -> None:
    """Serve the deployments on the Prefect server at PREFECT_API_URL until SIGTERM or Ctrl-C.

    Reconciles first. A stop takes no new runs and gives the running steps --grace seconds to
    reach their next wait; a second stop, or the end of the grace, puts them back to carry on
    at the next start (never Cancelled). `--supervised`: `debates up`'s serving process, which
    `up` prepared already.
    """
    from deployments.serve import apply_deployments, serve_deployments

    if not supervised:
        prepare_database()
        require_server()
        apply_deployments()
        reconcile_and_show()
    serve_deployments(limit, grace=grace)


def load_registry() -> None:
    from sqlalchemy import select

    from models.db import session_scope
    from models.geography.places import Commune
    from models.geography.registry import import_registry
    from models.settings import get_settings

    with session_scope() as session:
        if session.scalar(select(Commune.pcode).limit(1)) is not None:
            return
        report = import_registry(session, get_settings().resolved_communes_file())
    console.print(f"Commune registry loaded: {report.rows} communes.")


def _local_api_url(port: int) -> str:
    """Where `up` serves when PREFECT_API_URL is unset: the recorded server if it still answers,
    else 127.0.0.1:`port`, or a free port when something that is not a Prefect server holds it."""
    from models.settings import get_settings
    from orchestrator import server

    recorded = server.recorded_api_url(get_settings().data_dir)
    if recorded is not None and server.answers(recorded):
        return recorded
    api_url = f"http://127.0.0.1:{port}/api"
    if server.answers(api_url) or server.port_is_free(port):
        return api_url
    free = server.free_port()
    console.print(
        f"[yellow]Port {port} is taken by something that is not a Prefect server; "
        f"using port {free}.[/]"
    )
    return f"http://127.0.0.1:{free}/api"


def up(
    port: Annotated[
        int, typer.Option(help="Port of the local Prefect server (another if it is taken)")
    ] = 4200,
    limit: Annotated[int, typer.Option(help="Flow runs executed at once")] = SERVE_LIMIT,
    grace: Annotated[
        float,
        typer.Option(help="Seconds a stop gives running steps to reach their next wait"),
    ] = GRACE,
) -> None:
    """The main job: a Prefect server (started if none answers), the database, the deployments.

    It watches what it runs: a server it started that dies is started again; a server it did not
    start is waited for. Ctrl-C or SIGTERM stops it within --grace + 40 seconds (a second Ctrl-C
    at once): running steps reach their next wait, or are put back to carry on at the next start.
    """
    from cli.supervise import Supervisor
    from deployments.serve import apply_deployments
    from models.settings import get_settings
    from orchestrator import server

    data_dir = get_settings().data_dir
    from models.people.sealed import ensure_key_file, key_file

    if ensure_key_file(data_dir):
        console.print(f"Created the contacts key {key_file(data_dir)} (owner-only); back it up.")
    configured = server.configured_api_url()
    api_url = configured or _local_api_url(port)
    server.use_api_url(api_url)
    started = None
    if not server.answers(api_url):
        console.print(
            f"Starting a Prefect server at {api_url} (its database: {server.server_database()}) …"
        )
        started = server.start_server(api_url, log_file=data_dir / "prefect-server.log")
    if configured is None and (started or server.recorded_api_url(data_dir) != api_url):
        # Other commands, in other terminals, find it here.
        server.record_server(data_dir, api_url, pid=started.pid if started else None)
    try:
        prepare_database()
        load_registry()
        apply_deployments()
        reconcile_and_show()
        ui = api_url.removesuffix("/api")
        console.print(f"[bold green]Prefect UI: {ui}[/]  (Ctrl-C stops what this started)")
        supervisor = Supervisor(
            api_url,
            data_dir,
            limit,
            grace,
            started,
            lambda line: console.print(line, soft_wrap=True),
        )
        supervisor.run()
        started = supervisor.server
    except KeyboardInterrupt:
        console.print("Stopping.")
    finally:
        server.drain_prefect_workers()  # they would retry a stopped server for minutes at exit
        if started is not None:
            server.stop(started, timeout=10)
            server.forget_server(data_dir, api_url)
