"""`debates report`: what the programme achieved in a period and an area, in five formats; and
`debates funder`: the funder a cycle is reported under.

The table, JSON and CSV read the database only (no Prefect, no matplotlib, no openpyxl); the
XLSX imports openpyxl, the HTML matplotlib, and only when asked for.
"""

import enum
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, parse_day, prepare_database


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"


def report(
    period: Annotated[
        str | None,
        typer.Option(help="A quarter (2026Q1), a month (2026-03) or a year; default: this quarter"),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First day, with --to (instead of --period)")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, with --from")] = None,
    region: Annotated[str | None, typer.Option(help="Only this region (name or P-code)")] = None,
    cercle: Annotated[str | None, typer.Option(help="Only this cercle (name or P-code)")] = None,
    funder: Annotated[str | None, typer.Option(help="Only the cycles of this funder")] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, csv (long form), xlsx or html")
    ] = Format.TABLE,
    out: Annotated[
        Path | None,
        typer.Option(help="Write to this file (xlsx and html default to data/reports/)"),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the HTML: fr or en")] = "fr",
) -> None:
    """Cycles, sessions, participants by sex x age x group, women's and youth shares, plans,
    commitments, stage durations, risk and trust: for the period and the area, by region and
    cercle. Counts only: no name, grievance or contact."""
    from pydantic import ValidationError

    from models.clock import in_bamako, utcnow
    from models.csvfile import problems
    from models.db import session_scope
    from models.errors import InvalidInput
    from models.report.scope import ReportRequest
    from models.report.tables import build_report

    try:
        request = ReportRequest(
            period=period,
            start=parse_day(start, option="--from") if start else None,
            end=parse_day(end, option="--to") if end else None,
            region=region,
            cercle=cercle,
            funder=funder,
        )
    except ValidationError as exc:
        raise InvalidInput("no report was made", problems(exc)) from exc
    if lang not in ("fr", "en"):
        raise InvalidInput(f"--lang: '{lang}' has no report; use fr or en")
    prepare_database()
    now = utcnow()
    with session_scope(readonly=True) as session:
        made = build_report(session, request, today=in_bamako(now).date(), now=now)
    if fmt is Format.TABLE:
        _print_tables(made)
        return
    text: str | None = None
    if fmt is Format.JSON:
        from models.report.export import json_text

        text = json_text(made)
    elif fmt is Format.CSV:
        from models.report.export import csv_text

        text = csv_text(made)
    elif fmt is Format.HTML:
        from notifications.report.document import report_html

        text = report_html(made, lang)
    if text is not None and out is None and fmt is not Format.HTML:
        typer.echo(text, nl=False)
        return
    target = out or _default_file(made, fmt.value)
    target.parent.mkdir(parents=True, exist_ok=True)
    if text is not None:
        target.write_text(text, encoding="utf-8")
    else:
        from notifications.report.workbook import write_workbook

        write_workbook(made, target)
    typer.echo(f"Report written to {target}")


def _default_file(made: object, extension: str) -> Path:
    from models.report.export import file_stem
    from models.report.tables import Report
    from models.settings import get_settings

    assert isinstance(made, Report)
    return get_settings().data_dir / "reports" / f"{file_stem(made)}.{extension}"


def _print_tables(made: object) -> None:
    """The terminal's view: each one-row-per-unit table turned on its side (a row per figure, a
    column for the area and for each unit of the level below it), the others for the area only.
    Every cercle's figures: --format csv, xlsx or html."""
    from cli.tables import titled_table
    from models.report.tables import TABLES, Report

    assert isinstance(made, Report)
    meta = made.meta()
    console.print(
        f"Programme results: {meta['area']} ({meta['area_pcode']}), {meta['period']} "
        f"({meta['from']} to {meta['to']})"
        + (f", funder {meta['funder']}" if meta["funder"] else ""),
        highlight=False,
    )
    below = made.scope.levels[0].value if made.scope.levels else None
    for name in ("cycles", "sessions", "steps", "ratings"):
        units = [r for r in made.tables[name] if r["level"] in ("area", below)]
        table = titled_table(name, ["figure"], right=[f"{u['name']} ({u['pcode']})" for u in units])
        for column in TABLES[name]:
            table.add_row(column, *[_cell(u[column], column) for u in units])
        console.print(table)
    for name in ("participation", "absent_groups", "follow_up", "stages", "cycles_by_stage"):
        rows = [r for r in made.tables[name] if r["level"] == "area"]
        columns = list(TABLES[name])
        table = titled_table(f"{name} ({meta['area']})", columns[:-1], right=columns[-1:])
        for row in rows:
            table.add_row(*[_cell(row[c], c) for c in columns])
        if rows:
            console.print(table)


def _cell(value: object, column: str) -> str:
    if value is None:
        return "not yet measured" if column.endswith("change") else "-"
    return str(value)


def funder(
    cycle_ids: Annotated[list[int], typer.Argument(help="Cycle ids (debates cycles)")],
    name: Annotated[str | None, typer.Option("--set", help="The funder or programme")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the tag")] = False,
) -> None:
    """Tag cycles with the funder or programme they are reported under (or --clear it)."""
    from models.clock import utcnow
    from models.cycle.funder import clean_funder, set_funder
    from models.db import session_scope
    from models.errors import InvalidInput
    from models.settings import get_settings

    if (name is None) == (not clear):
        raise InvalidInput("give --set NAME, or --clear to remove the tag (one of them)")
    tag = None if clear else clean_funder(name, field="--set")
    if not clear and tag is None:
        raise InvalidInput("--set: the funder is empty; give a name, or --clear")
    prepare_database()
    with session_scope() as session:
        changed = set_funder(
            session, cycle_ids, tag, actor=get_settings().resolved_actor(), now=utcnow()
        )
        labels = [c.label for c in changed]
    what = f"tagged '{tag}'" if tag else "untagged"
    if labels:
        console.print(f"{len(labels)} cycle(s) {what}: {', '.join(labels)}", highlight=False)
    else:
        console.print(f"Nothing changed: the cycle(s) were {what} already.", highlight=False)
