"""`debates demo`: fictional cycles in a workspace of their own, and `debates demo --remove`."""

from typing import Annotated

import typer

from cli.common import console, err_console, prepare_database
from cli.launch import require_server
from cli.tables import titled_table

DEFAULT_WAIT = 300.0


def demo(
    region: Annotated[str, typer.Option(help="Region of the demo cycles")] = "Tombouctou",
    count: Annotated[int, typer.Option(help="How many communes")] = 9,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for the flow runs to reach their states")
    ] = DEFAULT_WAIT,
    remove: Annotated[
        bool,
        typer.Option("--remove", help="Delete the demo: its database, documents and flow runs"),
    ] = False,
) -> None:
    """Fictional facilitators and cycles at every stage of one region (needs 'debates up').

    They live in the demo's own workspace (data/demo/), never in the coordinators' database; their
    flow runs are named demo-cycle-… and tagged 'demo'. Resume them with 'debates --demo submit …'.
    Exits non-zero unless every run is read back where its cycle stands.
    """
    from models.settings import DEMO, get_settings, use_workspace

    use_workspace(DEMO)
    require_server(deployed=not remove)
    if remove:
        _remove()
        return
    from services.demo import run_demo

    prepare_database()
    from cli.serve import load_registry

    load_registry()
    outcome = run_demo(region, count, who="demo")
    where = get_settings().data_dir
    if outcome.seeded is not None:
        console.print(
            f"Demo seeded in {where}: {len(outcome.seeded.launched)} cycles in {region}, "
            "each advanced one step further than the last; their flow runs created.",
            highlight=False,
        )
        for label, reason in outcome.seeded.skipped:
            console.print(f"[yellow]Skipped[/] {label}: {reason}", highlight=False)
    else:
        console.print(
            f"The demo is already seeded in {where} ({outcome.cycles} cycles): nothing new was "
            "recorded. ('debates demo --remove', then 'debates demo', seeds it afresh.)",
            highlight=False,
        )
    for r in outcome.restarted:
        console.print(
            f"Cycle {r.run.cycle_id} ({r.run.commune}): {r.why}; new flow run {r.new_flow_run_id}"
        )
    if not _wait_and_show(wait):
        raise typer.Exit(1)


def _wait_and_show(wait: float) -> bool:
    from orchestrator.demo_runs import Check, wait_for_runs
    from orchestrator.runs import ui_url
    from services.demo import promises

    def progress(checks: list[Check], elapsed: float) -> None:
        kept = sum(c.kept for c in checks)
        console.print(
            f"… {kept}/{len(checks)} flow runs where their cycle stands ({elapsed:.0f} s)",
            highlight=False,
        )

    checks = wait_for_runs(promises(), timeout=wait, progress=progress)
    table = titled_table(
        "Demo cycles (workspace 'demo')", ("Cycle", "Commune", "Stage", "Flow run", "Prefect UI")
    )
    for c in checks:
        mark = "" if c.kept else f" [red](expected {c.promise.expected})[/]"
        table.add_row(
            str(c.promise.cycle_id),
            c.promise.commune,
            c.promise.stage,
            c.state + mark,
            ui_url(c.promise.flow_run_id),
        )
    console.print(table)
    missed = [c for c in checks if not c.kept]
    for c in missed:
        err_console.print(
            f"[bold red]Not where it should be:[/] cycle {c.promise.cycle_id} "
            f"({c.promise.commune}): flow run {c.state}, expected {c.promise.expected}",
            highlight=False,
        )
    if missed:
        err_console.print(
            f"Is 'debates up' (or 'debates serve') running? Waited {wait:.0f} s; "
            "'debates demo' again restarts lost runs and checks again."
        )
        return False
    console.print(
        f"Every demo flow run is where its cycle stands: {len(checks)} checked "
        f"({sum(c.promise.step is None for c in checks)} completed)."
    )
    return True


def _remove() -> None:
    from models.settings import DEMO, get_settings
    from orchestrator.demo_runs import remove_runs
    from services.demo import remove_demo_data

    runs = remove_runs(DEMO)
    console.print(
        f"Removed {runs.flow_runs} flow run(s) tagged '{DEMO}' ({runs.cancelled} cancelled "
        f"first) and their {runs.artifacts} artifact(s).",
        highlight=False,
    )
    data = remove_demo_data()
    if data is None:
        console.print(f"No demo workspace at {get_settings().data_dir}.", highlight=False)
    else:
        console.print(
            f"Removed the demo workspace {data.folder}: {data.cycles} cycle(s), "
            f"{data.people} fictional people, their documents.",
            highlight=False,
        )
