"""`debates import kobo|odk FILE`: field submissions recorded as `debates submit` records them."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, prepare_database

app = typer.Typer(
    help="Import field submissions (KoboToolbox, ODK Central exports).", no_args_is_help=True
)

COLOURS = {
    "recorded": "green",
    "amended": "cyan",
    "already recorded": "dim",
    "rejected": "red",
    "set aside": "yellow",
}


def _run(source: str, path: Path) -> None:
    from models.fieldforms.exports import kobo_file, odk_zip
    from models.fieldforms.imported import Source
    from models.settings import get_settings

    chosen = Source(source)
    records = kobo_file(path) if chosen is Source.KOBO else odk_zip(path)
    prepare_database()
    from services.field_import import Outcome, import_records

    who = f"import:{chosen.value}:{get_settings().resolved_actor()}"
    report = import_records(records, chosen, who=who)
    for line in report.lines:
        what = f"cycle {line.cycle} {line.step}" if line.cycle else "?"
        colour = COLOURS[line.outcome.value]
        console.print(
            f"{line.where} {line.root_id} ({what}): [{colour}]{line.outcome.value}[/]",
            highlight=False,
            end="",
        )
        console.print(f" — {line.detail}", highlight=False, markup=False)
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome)
    console.print(f"{len(report.lines)} submission(s): {counts}.", highlight=False)
    if report.rejected:
        raise typer.Exit(1)


@app.command("kobo")
def kobo(
    file: Annotated[
        Path, typer.Argument(help="KoboToolbox export: .xlsx, .csv or the API's .json")
    ],
) -> None:
    """Import a KoboToolbox export (XLSX with its repeat sheets, CSV, or API JSON)."""
    _run("kobo", file)


@app.command("odk")
def odk(
    file: Annotated[Path, typer.Argument(help="ODK Central's CSV zip (with its repeat files)")],
) -> None:
    """Import an ODK Central export (the CSV zip with its repeat files)."""
    _run("odk", file)
