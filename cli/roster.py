"""`debates roster import|list`: the commune's people (mayor, focal point, chiefs, leads)."""

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, prepare_database
from cli.tables import titled_table
from models.clock import utcnow

app = typer.Typer(help="The commune's people: its office holders.", no_args_is_help=True)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="Roster CSV (see docs/roster.csv)")],
) -> None:
    """Load or update office holders from a CSV; any bad row and nothing is imported."""
    from models.db import session_scope
    from models.people.roster_file import import_roster

    prepare_database()
    with session_scope() as session:
        report = import_roster(session, path, now=utcnow())
    console.print(
        f"[green]Imported {report.rows} office holders[/] from {path}: {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged, "
        f"{report.closed} terms ended by a successor."
    )


@app.command("list")
def list_(
    commune: Annotated[
        str | None, typer.Option(help="P-code or name of the commune (default: every commune)")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Past office holders too, with their dates")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON list, for scripts")] = False,
) -> None:
    """List office holders and their channel kinds (never the contact addresses)."""
    from models.db import session_scope
    from models.geography.places import Level, resolve_place
    from models.people.roster import office_holders

    prepare_database()
    with session_scope(readonly=True) as session:
        codes = [resolve_place(session, commune, Level.COMMUNE).pcode] if commune else None
        records = [person.as_record() for person in office_holders(session, codes, past=all_)]
    if as_json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    columns = ("Commune", "Role", "Name", "Sex", "Locale", "Since")
    table = titled_table(
        f"{len(records)} office holders",
        (*columns, "Until", "Channels") if all_ else (*columns, "Channels"),
    )
    for record in records:
        cells = [
            f"{record['commune']} ({record['commune_pcode']})",
            record["role"],
            record["name"],
            record["sex"],
            record["locale"],
            record["since"] or "—",
        ]
        if all_:
            cells.append(record["until"] or "current")
        cells.append(", ".join(record["channels"]) or "—")
        table.add_row(*cells)
    console.print(table)
