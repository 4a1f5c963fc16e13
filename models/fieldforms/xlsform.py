"""Writing the field forms as XLSForm workbooks (survey, choices, settings), with the commune list
of the registry: P-codes as the choices' names, display names as their labels."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models.fieldforms.forms import (
    CHOICE_COLUMNS,
    FORMS,
    SETTINGS_COLUMNS,
    SURVEY_COLUMNS,
    FieldForm,
    Row,
    choice_rows,
    settings_row,
    survey_rows,
)
from models.fieldforms.questions import Choice
from models.geography.places import Cercle, Commune


def commune_choices(session: Session) -> list[Choice]:
    """Every commune of the registry, by P-code: 'Diré (Diré, Tombouctou)' in both languages."""
    communes = session.scalars(
        select(Commune)
        .options(joinedload(Commune.cercle).joinedload(Cercle.region))
        .order_by(Commune.pcode)
    )
    choices = []
    for commune in communes:
        label = f"{commune.name} ({commune.cercle.name}, {commune.cercle.region.name})"
        choices.append(Choice(commune.pcode, label, label))
    return choices


def _sheet(book: object, title: str, columns: tuple[str, ...], rows: list[Row]) -> None:
    sheet = book.create_sheet(title)  # type: ignore[attr-defined]
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column) or None for column in columns])


def write_xlsform(form: FieldForm, communes: list[Choice], path: Path) -> Path:
    """`form` as an XLSForm workbook at `path` (openpyxl; imported here, for this command only)."""
    from openpyxl import Workbook

    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    _sheet(book, "survey", SURVEY_COLUMNS, survey_rows(form))
    _sheet(book, "choices", CHOICE_COLUMNS, choice_rows(form, communes))
    _sheet(book, "settings", SETTINGS_COLUMNS, [settings_row(form, communes)])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_forms(communes: list[Choice], folder: Path) -> list[Path]:
    """Every field form in `folder`, as `<form id>.xlsx`."""
    return [write_xlsform(form, communes, folder / f"{form.id}.xlsx") for form in FORMS]


def read_sheet(path: Path, title: str) -> list[Row]:
    """A sheet of an XLSForm workbook as rows keyed by its header (empty cells as '')."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        rows = list(book[title].iter_rows(values_only=True))
    finally:
        book.close()
    header = [str(h) for h in rows[0]]
    return [
        {
            column: "" if value is None else str(value)
            for column, value in zip(header, row, strict=False)
        }
        for row in rows[1:]
    ]


def registry_choices(path: Path) -> list[Choice]:
    """The communes of a registry file, for a machine whose database has none yet."""
    from models.csvfile import parse_row, read_rows
    from models.geography.registry import COLUMNS, REGION_FR, CommuneRow, display_name

    choices = []
    for line, raw in read_rows(path, required=COLUMNS):
        row = parse_row(CommuneRow, line, raw)
        label = (
            f"{display_name(row.commune, row.commune_fr)} "
            f"({display_name(row.cercle, row.cercle_fr)}, "
            f"{display_name(row.region, REGION_FR.get(row.region_pcode))})"
        )
        choices.append(Choice(row.commune_pcode, label, label))
    return sorted(choices, key=lambda c: c.name)


def to_xform(path: Path) -> tuple[str, list[str]]:
    """The XForm XML pyxform makes of the workbook, and its warnings (pyxform, the test extra:
    imported here only)."""
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings)
    return result.xform, warnings
