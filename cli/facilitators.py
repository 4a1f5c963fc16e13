"""`debates facilitators import|list`: the people who facilitate, coordinate and manage."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, parse_day, prepare_database
from cli.tables import titled_table
from models.clock import utcnow

app = typer.Typer(help="Facilitators, coordinators and managers.", no_args_is_help=True)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="Facilitator CSV (see docs/facilitators.csv)")],
) -> None:
    """Load or update people from a CSV; any bad row and nothing is imported."""
    from models.db import session_scope
    from models.people.facilitator_file import import_facilitators

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
    from sqlalchemy import select

    from models.db import session_scope
    from models.geography.places import Level, resolve_place
    from models.people.facilitator import Facilitator, facilitator_regions

    prepare_database()
    with session_scope() as session:
        stmt = select(Facilitator).order_by(Facilitator.role, Facilitator.name)
        if region:
            code = resolve_place(session, region, Level.REGION).pcode
            stmt = stmt.join(facilitator_regions).where(facilitator_regions.c.region_pcode == code)
        people = list(session.scalars(stmt))
        table = titled_table(
            f"{len(people)} people",
            ("Name", "Sex", "Role", "Home commune", "Languages", "Regions", "Max", "Channels"),
        )
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


@app.command("unavailable")
def unavailable(
    name: Annotated[str, typer.Argument(help="The facilitator's name (any case or accents)")],
    from_: Annotated[str, typer.Option("--from", help="First unavailable day, e.g. 2026-03-01")],
    to: Annotated[str, typer.Option("--to", help="Last unavailable day, e.g. 2026-03-14")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit trail)")] = None,
) -> None:
    """Mark a facilitator unavailable; their affected future sessions get a new team member."""
    from models.db import session_scope
    from models.people.facilitator_file import valid_reason
    from models.people.unavailability import find_facilitator, mark_unavailable
    from models.policy import current_policy
    from models.settings import get_settings
    from notifications.phrases import worded

    starts_on = parse_day(from_, option="--from")
    ends_on = parse_day(to, option="--to")
    if reason is not None:  # the column's limit, said before anything is read or written
        reason = valid_reason(reason)
    policy = current_policy().matching
    prepare_database()
    with session_scope() as session:
        person = find_facilitator(session, name)
        report = mark_unavailable(
            session,
            person,
            starts_on,
            ends_on,
            reason=reason,
            policy=policy,
            actor=get_settings().resolved_actor(),
            now=utcnow(),
        )
        noun = "recorded" if report.recorded else "already recorded"
        console.print(f"{report.facilitator} unavailable {starts_on} to {ends_on}: {noun}.")
        if not report.results:
            console.print("No future session of theirs falls in that period: nothing to reassign.")
        for result in report.results:
            if result.assigned:
                console.print(
                    f"[green]{result.cycle}[/]: lead {result.lead}, co {result.co} "
                    f"(score {result.score:g})"
                )
            else:
                why = worded(result.unassigned_reason, get_settings().locale)
                console.print(f"[red]{result.cycle}: unassigned[/]: {why}")
        for notice in report.notices:
            who = notice.name or "the region's coordinators"
            console.print(f"  notify {who}: {notice.kind} (cycle {notice.cycle_id})")
