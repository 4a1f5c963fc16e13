"""The facilitator file: one person a row, validated whole before anything is written.

Columns: name, sex, languages, home_commune, then optional regions, affiliations, max_cycles,
locale, contacts, role, unavailable. Import is idempotent on name + home commune.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.csvfile import ImportReport, parse_file, problems
from models.errors import DomainError, InvalidInput
from models.fields import ContactUrls, Locale, PersonName, SexLetter, Short, split_cell
from models.geography.places import Level, Region, parent_pcode, resolve_place
from models.language import language_code
from models.people.facilitator import Contact, Facilitator, Role, Unavailability, replace_urls
from models.text import name_key

REQUIRED = ("name", "sex", "languages", "home_commune")


class Period(BaseModel):
    starts_on: date
    ends_on: date
    reason: Short | None = None

    @field_validator("ends_on")
    @classmethod
    def _in_order(cls, ends_on: date, info: Any) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on and ends_on < starts_on:
            raise ValueError(f"ends {ends_on} before it starts {starts_on}")
        return ends_on


_REASON: TypeAdapter[str] = TypeAdapter(Short)


def valid_reason(reason: str) -> str:
    """An unavailability's reason as a period's schema takes it; InvalidInput naming --reason."""
    try:
        return _REASON.validate_python(reason)
    except ValidationError as exc:
        raise InvalidInput(f"--reason: {problems(exc)[0][1]}") from exc


class FacilitatorRow(BaseModel):
    """One row of the facilitator file, as a field worker fills it in."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName
    sex: SexLetter
    languages: Annotated[list[str], Field(min_length=1)]
    home_commune: str = Field(description="P-code or name of the person's home commune")
    regions: list[str] = Field(default_factory=list)
    affiliations: list[str] = Field(default_factory=list)
    max_cycles: Annotated[int, Field(ge=0, le=50)] = 3
    locale: Locale = "fr"
    contacts: ContactUrls = Field(default_factory=list)
    role: Role = Role.FACILITATOR
    unavailable: list[Period] = Field(default_factory=list)

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value: Any) -> list[str]:
        return list(dict.fromkeys(language_code(item) for item in split_cell(value)))

    @field_validator("regions", "affiliations", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return split_cell(value)

    @field_validator("unavailable", mode="before")
    @classmethod
    def _periods(cls, value: Any) -> Any:
        periods = []
        for item in split_cell(value):
            if not isinstance(item, str):
                periods.append(item)
                continue
            start, sep, end = item.partition("..")
            if not sep:
                raise ValueError(f"'{item}' is not a period; write 2026-03-01..2026-03-14")
            periods.append({"starts_on": start.strip(), "ends_on": end.strip()})
        return periods


def parse_facilitator_file(path: Path) -> list[tuple[int, FacilitatorRow]]:
    """Every row parsed, or one error listing every bad line and field (nothing half-read)."""
    return parse_file(path, FacilitatorRow, required=REQUIRED)


def import_facilitators(session: Session, path: Path, *, now: datetime) -> ImportReport:
    rows = parse_facilitator_file(path)
    report = ImportReport(rows=len(rows))
    found: list[tuple[str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        try:
            home = resolve_place(session, row.home_commune, Level.COMMUNE)
        except DomainError as exc:
            found.append((f"line {line}", f"field home_commune: {exc}"))
            continue
        key = (name_key(row.name), home.pcode)
        if key in seen:
            found.append(
                (
                    f"line {line}, field name",
                    f"'{row.name}' of {home.name} repeats line {seen[key]}",
                )
            )
            continue
        seen[key] = line
        try:
            _upsert(session, row, home.pcode, now=now, report=report)
        except DomainError as exc:
            found.append((f"line {line}", str(exc)))
    if found:
        raise InvalidInput(f"{path}: nothing was imported", found)
    session.flush()
    return report


def _upsert(
    session: Session,
    row: FacilitatorRow,
    home_pcode: str,
    *,
    now: datetime,
    report: ImportReport,
) -> None:
    region_codes: list[str] = []
    for text in row.regions or [parent_pcode(home_pcode, Level.REGION)]:
        try:
            region_codes.append(resolve_place(session, text, Level.REGION).pcode)
        except DomainError as exc:
            raise DomainError(f"field regions: {exc}") from exc
    values: dict[str, Any] = {
        "name": row.name,
        "sex": row.sex.value,
        "role": row.role.value,
        "languages": row.languages,
        "affiliations": row.affiliations,
        "max_cycles": row.max_cycles,
        "locale": row.locale,
    }
    person = session.scalar(
        select(Facilitator).where(
            Facilitator.name_key == name_key(row.name),
            Facilitator.home_commune_pcode == home_pcode,
        )
    )
    created = person is None
    if person is None:
        person = Facilitator(
            name_key=name_key(row.name), home_commune_pcode=home_pcode, created_at=now, **values
        )
        session.add(person)
        report.added += 1
    changed = {k: v for k, v in values.items() if getattr(person, k) != v}
    for key, value in changed.items():
        setattr(person, key, value)
    regions = [session.get_one(Region, code) for code in dict.fromkeys(region_codes)]
    if [r.pcode for r in person.regions] != [
        r.pcode for r in sorted(regions, key=lambda r: r.pcode)
    ]:
        person.regions = sorted(regions, key=lambda r: r.pcode)
        changed["regions"] = region_codes
    if replace_urls(session, person.contacts, row.contacts, Contact):
        changed["contacts"] = True
    periods = [(p.starts_on, p.ends_on) for p in row.unavailable]
    if [(u.starts_on, u.ends_on) for u in person.unavailable] != periods:
        person.unavailable.clear()
        session.flush()
        person.unavailable.extend(Unavailability(starts_on=s, ends_on=e) for s, e in periods)
        changed["unavailable"] = True
    if not created:
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
