"""`debates facilitators import|list`: the people who facilitate, coordinate and manage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from cli.common import console, prepare_database
from models.clock import utcnow
from models.db import session_scope
from models.facilitator import Facilitator, facilitator_regions
from models.facilitator_import import import_facilitators
from models.geography import Level, resolve_place

app = typer.Typer(help="Facilitators, coordinators and managers.", no_args_is_help=True)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="Facilitator CSV (see docs/facilitators.csv)")],
) -> None:
    """Load or update people from a CSV; any bad row and nothing is imported."""
    prepare_database()
    with session_scope() as session:
        report = import_facilitators(session, path, now=utcnow())
    console.print(
        f"[green]Imported {report.rows} people[/] from {path}: {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged."
    )


@app.command("list")
def list_(
    region: Annotated[str | None, typer.Option(help="Only people covering this region")] = None,
) -> None:
    """List people with languages, regions and channel kinds (never the contact addresses)."""
    prepare_database()
    with session_scope() as session:
        stmt = select(Facilitator).order_by(Facilitator.role, Facilitator.name)
        if region:
            code = resolve_place(session, region, Level.REGION).pcode
            stmt = stmt.join(facilitator_regions).where(facilitator_regions.c.region_pcode == code)
        people = list(session.scalars(stmt))
        table = Table(title=f"{len(people)} people", title_justify="left")
        for column in (
            "Name",
            "Sex",
            "Role",
            "Home commune",
            "Languages",
            "Regions",
            "Max",
            "Channels",
        ):
            table.add_column(column)
        for person in people:
            table.add_row(
                person.name,
                person.sex,
                person.role,
                person.home_commune.label(),
                ", ".join(person.languages),
                ", ".join(r.name for r in person.regions),
                str(person.max_cycles),
                ", ".join(c.scheme for c in person.contacts) or "—",
            )
        console.print(table)
