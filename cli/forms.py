"""`debates forms build`: the field forms as XLSForms, with the current commune list."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, err_console, prepare_database

app = typer.Typer(help="Field forms for KoboToolbox and ODK (XLSForm).", no_args_is_help=True)


@app.command("build")
def build(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write the forms to [default: <data dir>/forms]"),
    ] = None,
) -> None:
    """Write one XLSForm per field step (baseline, session, minutes, visit), ready to upload."""
    from models.db import session_scope
    from models.fieldforms.xlsform import (
        commune_choices,
        registry_choices,
        to_xform,
        write_forms,
    )
    from models.settings import get_settings

    prepare_database()
    with session_scope(readonly=True) as session:
        communes = commune_choices(session)
    if not communes:  # nothing imported yet: the registry the next import would load
        communes = registry_choices(get_settings().resolved_communes_file())
    paths = write_forms(communes, out or get_settings().data_dir / "forms")
    try:
        import pyxform  # noqa: F401
    except ImportError:
        checked = False
    else:
        checked = True
    for path in paths:
        if checked:
            to_xform(path)  # raises on a form Kobo or ODK would refuse
        console.print(f"{path}", highlight=False)
    console.print(f"{len(paths)} form(s), {len(communes)} communes.", highlight=False)
    if not checked:
        err_console.print("pyxform is not installed: the forms were not converted to check them.")
