"""The `debates` command: errors are one red line and exit 1; tracebacks only with --debug."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from click.exceptions import ClickException

from cli import communes, cycles, demo, facilitators, launch, serve, submit
from cli.common import err_console, prepare_database
from cli.plan import plan
from cli.status import status
from cli.sweep import sweep
from models.errors import DomainError, InvalidInput
from models.settings import DEMO, use_workspace

app = typer.Typer(
    help="Reconciliation debate cycles for the communes of Mali.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The domain database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(communes.app, name="communes")
app.add_typer(facilitators.app, name="facilitators")
app.command()(plan)
app.command()(status)
app.command()(sweep)
for command in (
    launch.launch,
    submit.submit,
    cycles.cycles,
    cycles.show,
    serve.up,
    serve.serve,
    serve.reconcile,
    demo.demo,
    cycles.cancel,
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
    use_workspace(DEMO if demo else "main")


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


def run(args: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this in-process)."""
    try:
        result = app(args=args, standalone_mode=False)
    except DomainError as exc:
        if _state["debug"]:
            raise
        headline = exc.headline if isinstance(exc, InvalidInput) and exc.problems else str(exc)
        err_console.print(f"[bold red]Error:[/] {headline}", highlight=False)
        if isinstance(exc, InvalidInput) and exc.problems:
            for where, what in exc.problems:
                err_console.print(f"  {where}: {what}", highlight=False, markup=False)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("Aborted.")
        return 1
    except ClickException as exc:  # usage errors: click prints them and picks the exit code
        exc.show()
        return exc.exit_code
    except Exception as exc:
        if _state["debug"]:
            raise
        err_console.print(
            f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}", markup=True
        )
        err_console.print("Run again with --debug for the traceback.")
        return 2
    finally:
        use_workspace("main")  # tests run many commands in one process
    # Without standalone mode click returns typer.Exit's code instead of raising it.
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())


__all__ = ["app", "main", "prepare_database", "run"]
