"""`debates messages preview`: every message with sample data, its length, encoding and SMS cost."""

import json
from typing import Annotated, Literal

import typer

from cli.common import console

app = typer.Typer(help="The messages people receive.", no_args_is_help=True)


@app.command("preview")
def preview(
    channel: Annotated[
        Literal["sms", "email"] | None,
        typer.Option("--channel", help="Only this channel's variant: sms or email"),
    ] = None,
    locale: Annotated[
        Literal["fr", "en"] | None, typer.Option("--locale", help="Only this language: fr or en")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="A JSON list of {template, locale, channel, text, encoding, segments}"
        ),
    ] = False,
) -> None:
    """Render every template with sample data (the longest real commune name of the registry)
    and show each one's length, encoding and segment count. The link is DEBATES_UI_URL's, if set."""
    from cli.tables import titled_table
    from models.settings import flow_run_url, get_settings
    from notifications.preview import CHANNELS, previews
    from notifications.render import LOCALES

    link = flow_run_url(get_settings().ui_url, "8f14e45f-ceea-467a-9575-2b3c5e0e3d1a")
    rows = previews(
        (channel,) if channel else CHANNELS, (locale,) if locale else LOCALES, link=link
    )
    if as_json:
        typer.echo(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
        return
    table = titled_table(
        "Messages with sample data",
        ("template", "locale", "channel", "encoding"),
        right=("length", "segments", "budget"),
    )
    for row in rows:
        budget = str(row.budget) if row.budget is not None else "—"
        over = row.budget is not None and row.segments > row.budget
        segments = f"[bold red]{row.segments}[/]" if over else str(row.segments)
        table.add_row(
            row.template,
            row.locale,
            row.channel,
            row.encoding.value,
            str(row.length),
            segments,
            budget,
        )
    console.print(table)
