"""`debates communes import|find|list`: the commune registry."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from cli.common import console, prepare_database
from cli.tables import titled_table
from models.errors import InvalidInput

if TYPE_CHECKING:
    from models.geography.places import Commune

app = typer.Typer(help="The commune registry (OCHA P-codes).", no_args_is_help=True)


def _communes_table(rows: "list[Commune]", title: str) -> Table:
    table = titled_table(title, ("P-code", "Commune", "Cercle", "Region"))
    for commune in rows:
        table.add_row(commune.pcode, commune.name, commune.cercle.name, commune.cercle.region.name)
    return table


@app.command("import")
def import_(
    path: Annotated[
        Path | None,
        typer.Argument(help="CSV of the shape of mali_communes.csv; default: the shipped registry"),
    ] = None,
) -> None:
    """Load or update the registry; a second import of the same file changes nothing."""
    from models.db import session_scope
    from models.geography.registry import import_registry
    from models.settings import get_settings

    source = path or get_settings().resolved_communes_file()
    prepare_database()
    with session_scope() as session:
        report = import_registry(session, source)
    console.print(
        f"[green]Imported {report.rows} communes[/] from {source}: {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged."
    )


@app.command()
def find(text: Annotated[str, typer.Argument(help="A name in any spelling, or a P-code")]) -> None:
    """Show the communes a name matches, with their cercle and region."""
    from models.db import session_scope
    from models.geography.places import Commune, Level, communes_in, find_places, suggest_places

    prepare_database()
    with session_scope() as session:
        places = find_places(session, text, Level.COMMUNE)
        communes = [session.get_one(Commune, p.pcode) for p in places]
        areas = [
            (level, place)
            for level in (Level.CERCLE, Level.REGION)
            for place in find_places(session, text, level)
        ]
        if not communes:
            for level, place in areas:
                if level == Level.CERCLE:
                    communes.extend(communes_in(session, cercle=place.pcode))
        if communes:
            console.print(_communes_table(communes, f"Communes matching '{text}'"))
        for level, place in areas:
            count = len(communes_in(session, **{level.value: place.pcode}))
            console.print(
                f"{level.value.capitalize()} {place.label()}: {count} communes "
                f"(launch them all with --{level.value} {place.pcode})"
            )
        if not communes and not areas:
            close = suggest_places(session, text, Level.COMMUNE)
            if not close:
                raise InvalidInput(f"no commune matches '{text}'")
            console.print(f"[yellow]No commune is called '{text}'.[/] Did you mean:")
            console.print(_communes_table([session.get_one(Commune, p.pcode) for p in close], ""))
            raise typer.Exit(1)


@app.command("list")
def list_(
    region: Annotated[str | None, typer.Option(help="Region name or P-code")] = None,
    cercle: Annotated[str | None, typer.Option(help="Cercle name or P-code")] = None,
) -> None:
    """List communes, or count them by region when no filter is given."""
    from sqlalchemy import func, select

    from models.db import session_scope
    from models.geography.places import Cercle, Commune, Region, communes_in

    prepare_database()
    with session_scope() as session:
        if region or cercle:
            rows = communes_in(session, region=region, cercle=cercle)
            console.print(_communes_table(rows, f"{len(rows)} communes"))
            return
        counts = session.execute(
            select(Region.pcode, Region.name, func.count(Commune.pcode))
            .join(Cercle, Cercle.region_pcode == Region.pcode)
            .join(Commune)
            .group_by(Region.pcode, Region.name)
            .order_by(Region.pcode)
        ).all()
        if not counts:
            raise InvalidInput("the registry is empty; run 'debates communes import' first")
        table = titled_table("Communes by region", ("P-code", "Region"), right=("Communes",))
        for pcode, name, count in counts:
            table.add_row(pcode, name, str(count))
        console.print(table)
