"""The `debates` command: errors are one red line and exit 1; tracebacks only with --debug."""

import logging
import sys
from typing import Annotated

import typer

from cli import (
    actions,
    amend,
    communes,
    cycles,
    demo,
    facilitators,
    field_import,
    forms,
    history,
    keys,
    launch,
    messages,
    pause,
    purge,
    report,
    roster,
    serve,
    submit,
)
from cli.common import err_console, prepare_database
from cli.plan import plan
from cli.status import status
from cli.sweep import sweep
from models.errors import DomainError, InvalidInput

app = typer.Typer(
    help="Reconciliation debate cycles for the communes of Mali.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The domain database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(communes.app, name="communes")
app.add_typer(facilitators.app, name="facilitators")
app.add_typer(roster.app, name="roster")
app.add_typer(actions.app, name="actions")
app.add_typer(forms.app, name="forms")
app.add_typer(field_import.app, name="import")
app.add_typer(messages.app, name="messages")
app.add_typer(keys.app, name="keys")
app.command()(plan)
app.command()(status)
app.command()(sweep)
for command in (
    launch.launch,
    submit.submit,
    amend.amend,
    history.history,
    cycles.cycles,
    cycles.show,
    serve.up,
    serve.serve,
    serve.reconcile,
    demo.demo,
    cycles.cancel,
    pause.pause,
    pause.resume,
    pause.extend,
    report.report,
    report.funder,
    purge.purge,
):
    app.command()(command)

_state = {"debug": False}


@app.callback()
def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Work on the demo's cycles (data/demo/), not the real ones."),
    ] = False,
) -> None:
    _state["debug"] = debug
    if demo:
        from models.settings import DEMO, use_workspace

        use_workspace(DEMO)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the latest migration."""
    import migrations
    from models.db import get_engine

    engine = get_engine()
    before = migrations.current_revision(engine)
    migrations.upgrade(engine)
    after = migrations.current_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    typer.echo(f"Database {where}: {before or 'empty'} -> {after}")


@db_app.command("replan")
def db_replan() -> None:
    """Re-plan the running cycles once: steps after a step done late move by the policy's
    durations, and steps flagged overdue before the step they follow is done are pending again.
    Audited; running it again changes nothing."""
    from models.clock import utcnow
    from models.cycle.replan import replan_running_cycles
    from models.db import session_scope
    from models.policy import current_policy
    from models.settings import get_settings

    prepare_database()
    with session_scope() as session:
        done = replan_running_cycles(
            session,
            current_policy().cycle,
            actor=get_settings().resolved_actor(),
            now=utcnow(),
        )
    typer.echo(
        f"Re-planned {done.cycles} cycle(s): {done.moved_steps} step(s) moved, "
        f"{done.unflagged_steps} step(s) no longer overdue before their turn"
    )


def run(args: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this in-process).

    Typer keeps its own copy of Click (typer._click), so usage errors are not `click` exceptions:
    its standalone mode prints them (usage line, message, exit 2) and handles --help, Exit and
    Abort; only our errors and real bugs come out of it.
    """
    try:
        app(args=args, prog_name="debates", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except DomainError as exc:
        if _state["debug"]:
            raise
        # One problem is one line; several are a headline and a line each.
        several = isinstance(exc, InvalidInput) and len(exc.problems) > 1
        listed = exc.problems if isinstance(exc, InvalidInput) and several else []
        headline = exc.headline if isinstance(exc, InvalidInput) and several else str(exc)
        err_console.print("[bold red]Error:[/] ", end="")
        err_console.print(headline, highlight=False, markup=False)
        for where, what in listed:
            err_console.print(f"  {where}: {what}", highlight=False, markup=False)
        return 1
    except Exception as exc:
        if _state["debug"]:
            raise
        err_console.print(
            f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}", markup=True
        )
        err_console.print("Run again with --debug for the traceback.")
        return 2
    finally:
        # Tests run many commands in one process: back to the main workspace, if one was chosen
        # (a command that never loaded the settings, --help, chose none).
        settings = sys.modules.get("models.settings")
        if settings is not None:
            settings.use_workspace("main")
    return 0


def main() -> None:
    # Prefect's event and log workers warn "Still processing items: N items remaining..." when a
    # command exits with events still queued (a pause's artifacts, a submit's resume). They are
    # sent before the exit all the same: the coordinator's terminal is no place for that line.
    for worker in ("EventsWorker", "APILogWorker"):
        logging.getLogger(worker).setLevel(logging.ERROR)
    sys.exit(run())


__all__ = ["app", "main", "prepare_database", "run"]
