"""Loading the commune registry (OCHA COD-AB admin 3, with accented spellings) into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.csvfile import ImportReport, parse_row, read_rows
from models.errors import InvalidInput
from models.geography.places import Cercle, Commune, Level, PlaceAlias, Region
from models.text import name_key, strip_accents

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

COLUMNS = ("region", "region_pcode", "cercle", "cercle_pcode", "commune", "commune_pcode")


class CommuneRow(BaseModel):
    """One row of mali_communes.csv (see models/data/SOURCE.md)."""

    model_config = ConfigDict(extra="ignore")

    region: Name
    region_pcode: Annotated[str, Field(pattern=r"^ML\d{2}$")]
    cercle: Name
    cercle_pcode: Annotated[str, Field(pattern=r"^ML\d{4}$")]
    commune: Name
    commune_pcode: Annotated[str, Field(pattern=r"^ML\d{6}$")]
    cercle_fr: Name | None = None
    commune_fr: Name | None = None
    commune_fr_match: str | None = None


def display_name(official: str, french: str | None) -> str:
    """The accented spelling when it differs from the official one by accents and apostrophes alone."""
    if french and strip_accents(french) == strip_accents(official) and french != official:
        return french
    return official


REGION_FR = {"ML04": "Ségou"}
"""Regions whose French spelling has accents the registry file (OCHA's, unaccented) lacks."""


def _check_hierarchy(rows: list[tuple[int, CommuneRow]]) -> None:
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if not row.cercle_pcode.startswith(row.region_pcode):
            problems.append(
                (f"line {line}, field cercle_pcode", "must start with the region_pcode")
            )
        if not row.commune_pcode.startswith(row.cercle_pcode):
            problems.append(
                (f"line {line}, field commune_pcode", "must start with the cercle_pcode")
            )
        if row.commune_pcode in seen:
            problems.append(
                (f"line {line}, field commune_pcode", f"repeats line {seen[row.commune_pcode]}")
            )
        seen.setdefault(row.commune_pcode, line)
    if problems:
        raise InvalidInput("the registry file has errors; nothing was imported", problems)


def _sync(
    session: Session,
    model: type[Region | Cercle | Commune],
    pcode: str,
    values: dict[str, str],
    report: ImportReport | None,
) -> None:
    current = session.get(model, pcode)
    if current is None:
        session.add(model(pcode=pcode, **values))
        if report:
            report.added += 1
        return
    changed = {k: v for k, v in values.items() if getattr(current, k) != v}
    for key, value in changed.items():
        setattr(current, key, value)
    if report:
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1


def _sync_aliases(session: Session, level: Level, pcode: str, spellings: set[str]) -> None:
    wanted = {name_key(s): s for s in sorted(spellings) if name_key(s)}
    existing = {
        a.key: a
        for a in session.scalars(
            select(PlaceAlias).where(PlaceAlias.level == level.value, PlaceAlias.pcode == pcode)
        )
    }
    for key, alias in wanted.items():
        if key not in existing:
            session.add(PlaceAlias(level=level.value, pcode=pcode, alias=alias, key=key))
    for key, row in existing.items():
        if key not in wanted:
            session.delete(row)


def import_registry(session: Session, path: Path) -> ImportReport:
    """Upsert every region, cercle and commune of the file; idempotent, all or nothing."""
    rows = [
        (line, parse_row(CommuneRow, line, raw)) for line, raw in read_rows(path, required=COLUMNS)
    ]
    if not rows:
        raise InvalidInput(f"{path}: the file has a header but no commune rows")
    _check_hierarchy(rows)
    report = ImportReport(rows=len(rows))
    region_names: dict[str, set[str]] = {}
    cercle_names: dict[str, set[str]] = {}
    for _line, row in rows:
        region_display = display_name(row.region, REGION_FR.get(row.region_pcode))
        _sync(session, Region, row.region_pcode, {"name": region_display}, None)
        cercle_display = display_name(row.cercle, row.cercle_fr)
        _sync(
            session,
            Cercle,
            row.cercle_pcode,
            {"name": cercle_display, "region_pcode": row.region_pcode},
            None,
        )
        session.flush()
        values = {
            "name": display_name(row.commune, row.commune_fr),
            "official_name": row.commune,
            "cercle_pcode": row.cercle_pcode,
        }
        _sync(session, Commune, row.commune_pcode, values, report)
        region_names.setdefault(row.region_pcode, set()).update({row.region, region_display})
        cercle_names.setdefault(row.cercle_pcode, set()).update(
            n for n in (row.cercle, row.cercle_fr) if n
        )
        _sync_aliases(
            session,
            Level.COMMUNE,
            row.commune_pcode,
            {n for n in (row.commune, row.commune_fr, values["name"]) if n},
        )
    for pcode, names in region_names.items():
        _sync_aliases(session, Level.REGION, pcode, names)
    for pcode, names in cercle_names.items():
        _sync_aliases(session, Level.CERCLE, pcode, names)
    session.flush()
    return report
