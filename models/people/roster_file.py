"""The roster file: a commune's office holders, one a row, validated whole before anything is written.

Columns: commune (P-code or any spelling), role, name, sex, then optional locale, contacts (Apprise
URLs, ';'-separated) and since (the day the person took the office). The same rules as the
facilitator file (models.csvfile): every bad row is reported, nothing is half-imported, importing
twice changes nothing.

A row is one term of office, found again by commune + role + name + since (a past term from an old
file changes nothing), else by the person's current term in that office (its details are updated,
a missing since filled in). A new holder of a one-holder office (mayor, focal point, leads) closes
the current holder's term the day before their `since`; chiefs and `other` are added beside the
others. Rows are applied oldest `since` first, so one file can hold an office's whole history.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.csvfile import ImportReport, parse_rows
from models.errors import DomainError, InvalidInput
from models.fields import ContactUrls, Day, Locale, PersonName, SexLetter
from models.geography.places import Level, Place, resolve_place
from models.people.facilitator import replace_urls
from models.people.roster import SINGLE_HOLDER, CommunePerson, CommunePersonContact, OfficeRole
from models.text import name_key

REQUIRED = ("commune", "role", "name", "sex")


class RosterRow(BaseModel):
    """One row of the roster file: a person in an office of a commune."""

    model_config = ConfigDict(extra="forbid")

    commune: str = Field(description="P-code or name of the commune")
    role: OfficeRole
    name: PersonName
    sex: SexLetter
    locale: Locale = "fr"
    contacts: ContactUrls = Field(default_factory=list)
    since: Day | None = Field(default=None, description="The day the person took the office")


def import_roster(session: Session, path: Path, *, now: datetime) -> ImportReport:
    """Load or update office holders from `path`; any bad row and nothing is written (the caller's
    transaction rolls back on the InvalidInput raised)."""
    rows, found = parse_rows(path, RosterRow, required=REQUIRED)
    report = ImportReport(rows=len(rows))
    resolved: list[tuple[int, RosterRow, Place]] = []
    seen: dict[tuple[str, str, str, date | None], int] = {}
    for line, row in rows:
        try:
            commune = resolve_place(session, row.commune, Level.COMMUNE)
        except DomainError as exc:
            found.append((f"line {line}, field commune", str(exc)))
            continue
        # A one-holder office may list one person's several terms; other offices one row each.
        term = row.since if row.role in SINGLE_HOLDER else None
        key = (commune.pcode, row.role.value, name_key(row.name), term)
        if key in seen:
            found.append(
                (
                    f"line {line}, field name",
                    f"{row.name} as {row.role.value} of {commune.name} repeats line {seen[key]}; "
                    "keep one of the two rows",
                )
            )
            continue
        seen[key] = line
        resolved.append((line, row, commune))
    # Oldest first: a successor closes the term of the holder before them.
    resolved.sort(key=lambda item: (item[1].since is not None, item[1].since or date.min, item[0]))
    for line, row, commune in resolved:
        try:
            _apply(session, row, commune, now=now, report=report)
        except DomainError as exc:
            found.append((f"line {line}, field since", str(exc)))
    if found:
        raise InvalidInput(f"{path}: nothing was imported", sorted(found, key=_line_order))
    session.flush()
    return report


def _line_order(problem: tuple[str, str]) -> int:
    return int(problem[0].split(",")[0].removeprefix("line "))


def _apply(
    session: Session, row: RosterRow, commune: Place, *, now: datetime, report: ImportReport
) -> None:
    key = name_key(row.name)
    same_office = (
        CommunePerson.commune_pcode == commune.pcode,
        CommunePerson.role == row.role.value,
    )
    term = None
    if row.since is not None:
        term = session.scalar(
            select(CommunePerson).where(
                *same_office, CommunePerson.name_key == key, CommunePerson.since == row.since
            )
        )
    if term is None:
        term = session.scalar(
            select(CommunePerson).where(
                *same_office, CommunePerson.name_key == key, CommunePerson.until.is_(None)
            )
        )
    if term is None:
        if row.role in SINGLE_HOLDER:
            _close_predecessor(session, row, commune, report=report)
        term = CommunePerson(
            commune_pcode=commune.pcode,
            role=row.role.value,
            name_key=key,
            created_at=now,
            **_details(row),
        )
        session.add(term)
        term.contacts.extend(CommunePersonContact(url=u.get_secret_value()) for u in row.contacts)
        report.added += 1
        return
    changed = {k: v for k, v in _details(row).items() if v is not None and getattr(term, k) != v}
    for name, value in changed.items():
        setattr(term, name, value)
    contacts_changed = replace_urls(session, term.contacts, row.contacts, CommunePersonContact)
    if changed or contacts_changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _details(row: RosterRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "sex": row.sex.value,
        "locale": row.locale,
        "since": row.since,
    }


def _close_predecessor(
    session: Session, row: RosterRow, commune: Place, *, report: ImportReport
) -> None:
    """End the current holder's term the day before `row.since` (their history stays)."""
    holder = session.scalar(
        select(CommunePerson).where(
            CommunePerson.commune_pcode == commune.pcode,
            CommunePerson.role == row.role.value,
            CommunePerson.until.is_(None),
        )
    )
    if holder is None:
        return
    office = f"{row.role.value} of {commune.name}"
    if row.since is None:
        raise DomainError(
            f"{row.name} would replace {holder.name} as {office}; give the day {row.name} "
            "took the office (since, e.g. 2026-03-14) to keep who held it when"
        )
    if holder.since is not None and row.since <= holder.since:
        raise DomainError(
            f"{holder.name} has been {office} since {holder.since}; {row.name}'s since "
            f"{row.since} must come after it (or correct the dates)"
        )
    holder.until = row.since - timedelta(days=1)
    report.closed += 1
